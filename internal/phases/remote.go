package phases

import (
	"bufio"
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

// remoteFiles reads the sha256 and mode of every path in one round trip;
// missing paths are absent from the result.
func remoteFiles(ctx context.Context, h host.Host, paths []string) (map[string]remoteFile, error) {
	out := map[string]remoteFile{}
	if len(paths) == 0 {
		return out, nil
	}
	var b strings.Builder
	b.WriteString("for p in")
	for _, p := range paths {
		b.WriteString(" " + host.Quote(p))
	}
	b.WriteString(`; do [ -f "$p" ] && printf '%s %s %s\n' "$(sha256sum < "$p" | cut -d' ' -f1)" "$(stat -c %a "$p")" "$p"; done; true`)
	stdout, _, err := h.Exec(ctx, b.String())
	if err != nil {
		return nil, fmt.Errorf("read file checksums: %w", err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(stdout)))
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), " ", 3)
		if len(f) != 3 {
			continue
		}
		mode, err := strconv.ParseUint(f[1], 8, 32)
		if err != nil {
			continue
		}
		out[f[2]] = remoteFile{SHA256: f[0], Mode: fs.FileMode(mode)}
	}
	return out, sc.Err()
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
