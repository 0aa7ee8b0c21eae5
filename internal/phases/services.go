package phases

import (
	"context"
	"fmt"
	"strings"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/phase"
)

// unitDeps returns the paths whose change means unit must restart: its
// unit file, every planned file or installed binary the unit names, and
// what those files name in turn.
func (r *Run) unitDeps(hostName, unit string) []string {
	hf := r.hostFiles(hostName)
	content := map[string]string{}
	for _, f := range hf.Files {
		content[f.Path] = string(f.Content)
	}
	candidates := make([]string, 0, len(content))
	for p := range content {
		candidates = append(candidates, p)
	}
	for _, b := range binariesFor(r.Cluster, hf.Host) {
		candidates = append(candidates, installPath(b))
	}
	start := layout.Unit(unit)
	seen := map[string]bool{start: true}
	queue := []string{start}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range candidates {
			if !seen[c] && strings.Contains(content[p], c) {
				seen[c] = true
				queue = append(queue, c)
			}
		}
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	return out
}

// ensureUnits makes every unit enabled and active: a unit whose files
// changed this run restarts, a stopped one starts, a running unchanged one
// is left alone.
func ensureUnits(ctx context.Context, r *Run, s *phase.Step, units ...string) error {
	states, err := unitStates(ctx, s.Host(), units)
	if err != nil {
		return err
	}
	for _, u := range units {
		if err := ensureUnit(ctx, r, s, u, states[u]); err != nil {
			return err
		}
	}
	return nil
}

func ensureUnit(ctx context.Context, r *Run, s *phase.Step, unit string, st unitState) error {
	var cmd, what string
	switch {
	case st.Active && r.anyChanged(s.HostName(), r.unitDeps(s.HostName(), unit)...):
		cmd, what = "systemctl enable -q %[1]s && systemctl restart %[1]s", "restart %s (its files changed)"
	case !st.Active:
		cmd, what = "systemctl enable -q %[1]s && systemctl restart %[1]s", "start %s"
	case !st.Enabled:
		cmd, what = "systemctl enable -q %[1]s", "enable %s"
	default:
		return nil
	}
	return s.Wet(fmt.Sprintf(what, unit), func(h host.Host) error {
		_, _, err := h.Exec(ctx, fmt.Sprintf(cmd, host.Quote(unit)))
		if err != nil {
			return fmt.Errorf("start %s: %w\n%s", unit, err, journalTail(ctx, h, unit, 15))
		}
		return nil
	})
}

// startUnitsNoBlock starts units without waiting for them to report
// ready: etcd members of a new cluster only get ready together.
func startUnitsNoBlock(ctx context.Context, r *Run, s *phase.Step, units ...string) error {
	states, err := unitStates(ctx, s.Host(), units)
	if err != nil {
		return err
	}
	for _, u := range units {
		st := states[u]
		changed := r.anyChanged(s.HostName(), r.unitDeps(s.HostName(), u)...)
		if st.Active && st.Enabled && !changed {
			continue
		}
		what := "start " + u
		if st.Active {
			what = "restart " + u + " (its files changed)"
		}
		err := s.Wet(what, func(h host.Host) error {
			_, _, err := h.Exec(ctx, fmt.Sprintf("systemctl enable -q %[1]s && systemctl restart --no-block %[1]s", host.Quote(u)))
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}
