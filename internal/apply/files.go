package apply

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/linediff"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
)

// writeFiles writes every planned file whose content or mode differs on
// the host (each atomically), then reloads systemd if a unit changed.
func writeFiles(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	files := r.HostFiles(s.HostName()).Files
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
		if readersSkipped(r, s, f) {
			s.Log().Info("left alone: the phases of every reader are skipped", "path", f.Path, "readers", f.Readers)
			continue
		}
		if err := writeFile(ctx, s, f, have); err != nil {
			return err
		}
		r.MarkChanged(s.HostName(), f.Path)
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

// readersSkipped reports whether f has readers and --skip-phases skips
// the start phase of every one of them (--skip-phases containerd leaves
// the host's containerd configuration alone, as it leaves its backup).
func readersSkipped(r *remoteops.Run, s *phase.Step, f hostfile.File) bool {
	if len(f.Readers) == 0 {
		return false
	}
	for _, name := range f.Readers {
		i := slices.IndexFunc(r.Components, func(k catalog.Component) bool { return k.Name == name })
		if i < 0 || !s.Skipping(startPhase(r.Components[i].Tier)) {
			return false
		}
	}
	return true
}

func writeFile(ctx context.Context, s *phase.Step, f hostfile.File, have map[string]remoteFile) error {
	if f.Secret() {
		s.Secret(string(f.Content))
	}
	what := fmt.Sprintf("write %s (%04o)", f.Path, f.Mode.Perm())
	if cur, ok := have[f.Path]; ok {
		what = fmt.Sprintf("update %s: %s", f.Path, changeSummary(ctx, s.Host(), f, cur))
	}
	return s.Wet(what, func(h host.Host) error {
		return h.WriteFile(ctx, f)
	})
}

// maxDiffSize bounds the files whose current content is read for a
// change summary.
const maxDiffSize = 256 << 10

// changeSummary says how f differs from the host's copy: its mode, and
// for a file that holds no secret the lines added and removed.
func changeSummary(ctx context.Context, h host.Host, f hostfile.File, cur remoteFile) string {
	var parts []string
	if cur.Mode != f.Mode.Perm() {
		parts = append(parts, fmt.Sprintf("mode %04o -> %04o", cur.Mode, f.Mode.Perm()))
	}
	switch {
	case cur.SHA256 == f.SHA256():
	case f.Secret():
		parts = append(parts, "content differs (holds secrets, not shown)")
	case len(f.Content) > maxDiffSize:
		parts = append(parts, "content differs")
	default:
		old, err := h.ReadFile(ctx, f.Path)
		if err != nil || len(old) > maxDiffSize {
			parts = append(parts, "content differs")
		} else {
			parts = append(parts, linediff.Compare(old, f.Content).String())
		}
	}
	return strings.Join(parts, ", ")
}
