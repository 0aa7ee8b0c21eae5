package phases

import (
	"context"
	"fmt"
	"strings"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/phase"
)

// writeFiles writes every planned file whose content or mode differs on
// the host (each atomically), then reloads systemd if a unit changed.
func writeFiles(ctx context.Context, r *Run, s *phase.Step) error {
	files := r.hostFiles(s.HostName()).Files
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = f.Path
	}
	have, err := remoteFiles(ctx, s.Host(), paths)
	if err != nil {
		return err
	}
	unitChanged := false
	for _, f := range files {
		if cur, ok := have[f.Path]; ok && cur.SHA256 == f.SHA256() && cur.Mode == f.Mode.Perm() {
			continue
		}
		if err := writeFile(ctx, s, f, have); err != nil {
			return err
		}
		r.markChanged(s.HostName(), f.Path)
		unitChanged = unitChanged || strings.HasPrefix(f.Path, layout.SystemdDir+"/")
	}
	if !unitChanged {
		return nil
	}
	return s.Wet("systemctl daemon-reload", func(h host.Host) error {
		_, _, err := h.Exec(ctx, "systemctl daemon-reload")
		return err
	})
}

func writeFile(ctx context.Context, s *phase.Step, f hostfile.File, have map[string]remoteFile) error {
	if f.Secret() {
		s.Secret(string(f.Content))
	}
	what := "write " + f.Path
	if _, ok := have[f.Path]; ok {
		what = "update " + f.Path
	}
	return s.Wet(fmt.Sprintf("%s (%04o)", what, f.Mode.Perm()), func(h host.Host) error {
		return h.WriteFile(ctx, f)
	})
}
