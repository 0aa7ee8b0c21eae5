package apply

import (
	"context"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/remoteops"
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
	list := remoteops.QuoteWords(paths)
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
