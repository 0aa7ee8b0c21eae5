package nodeimage

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// removeTree deletes a debootstrap scratch tree. debootstrap mounts /proc
// and /sys inside its target and may leave them mounted when it fails, so
// everything mounted below dir is detached first: RemoveAll must never
// walk into the host's /proc or /sys.
func removeTree(dir string) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return
	}
	mounts := mountsUnder(dir)
	for _, m := range slices.Backward(mounts) {
		_ = syscall.Unmount(m, syscall.MNT_DETACH)
	}
	if len(mountsUnder(dir)) > 0 {
		return // leave it rather than risk deleting through a mount
	}
	_ = os.RemoveAll(dir)
}

// mountsUnder lists the mount points at or below dir, outermost first.
func mountsUnder(dir string) []string {
	f, err := os.Open("/proc/self/mounts")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		mp := unescapeMount(fields[1])
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			out = append(out, mp)
		}
	}
	return out
}

// unescapeMount undoes the octal escapes (\040 for a space) of
// /proc/self/mounts.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var v byte
			ok := true
			for _, c := range s[i+1 : i+4] {
				if c < '0' || c > '7' {
					ok = false
					break
				}
				v = v*8 + byte(c-'0')
			}
			if ok {
				b.WriteByte(v)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
