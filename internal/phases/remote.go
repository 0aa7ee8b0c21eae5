package phases

import (
	"context"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"kubeup.dev/kubeup/internal/host"
)

// remoteFile is what a host holds at a path.
type remoteFile struct {
	SHA256 string
	Mode   fs.FileMode
}

// remoteFiles reads the sha256 and mode of every path in one round trip
// (two processes, whatever the number of paths); missing paths are absent
// from the result.
func remoteFiles(ctx context.Context, h host.Host, paths []string) (map[string]remoteFile, error) {
	out := map[string]remoteFile{}
	if len(paths) == 0 {
		return out, nil
	}
	list := shellList(paths)
	cmd := fmt.Sprintf("sha256sum -- %s 2>/dev/null; echo ---; stat -c '%%a %%n' -- %s 2>/dev/null; true", list, list)
	stdout, _, err := h.Exec(ctx, cmd)
	if err != nil {
		return nil, fmt.Errorf("read file checksums: %w", err)
	}
	sums, modes, _ := strings.Cut(string(stdout), "---\n")
	for _, line := range strings.Split(sums, "\n") {
		if sum, p, ok := strings.Cut(line, "  "); ok {
			out[p] = remoteFile{SHA256: sum}
		}
	}
	for _, line := range strings.Split(modes, "\n") {
		m, p, ok := strings.Cut(line, " ")
		mode, err := strconv.ParseUint(m, 8, 32)
		if f, seen := out[p]; ok && seen && err == nil {
			f.Mode = fs.FileMode(mode)
			out[p] = f
		}
	}
	return out, nil
}

func shellList(paths []string) string {
	q := make([]string, len(paths))
	for i, p := range paths {
		q[i] = host.Quote(p)
	}
	return strings.Join(q, " ")
}

// unitState is whether a systemd unit is active and enabled, and the
// stamp of the files it was last (re)started with by kubeup.
type unitState struct {
	Active, Enabled bool
	Stamp           string
}

// unitStates reads the state of units in one round trip.
func unitStates(ctx context.Context, h host.Host, units []string) (map[string]unitState, error) {
	var b strings.Builder
	for _, u := range units {
		fmt.Fprintf(&b, "echo %[1]s $(systemctl is-active %[1]s 2>/dev/null) $(systemctl is-enabled %[1]s 2>/dev/null) stamp=$(cat %[2]s 2>/dev/null);",
			host.Quote(u), stampPath(u))
	}
	stdout, _, err := h.Exec(ctx, b.String())
	if err != nil {
		return nil, fmt.Errorf("read unit states: %w", err)
	}
	out := map[string]unitState{}
	for _, line := range strings.Split(string(stdout), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		st := unitState{Active: f[1] == "active"}
		for _, x := range f[2:] {
			if x == "enabled" {
				st.Enabled = true
			}
			if v, ok := strings.CutPrefix(x, "stamp="); ok {
				st.Stamp = v
			}
		}
		out[f[0]] = st
	}
	return out, nil
}

// journalTail returns the last lines a unit logged, for error messages.
func journalTail(ctx context.Context, h host.Host, unit string, lines int) string {
	out, _, err := h.Exec(ctx, fmt.Sprintf("journalctl -u %s -n %d --no-pager -o cat 2>&1", host.Quote(unit), lines))
	if err != nil {
		return "(journal unavailable: " + err.Error() + ")"
	}
	return strings.TrimSpace(string(out))
}
