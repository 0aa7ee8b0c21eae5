package apply

import (
	"context"
	"fmt"
	"strings"

	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
)

// localKubectl runs kubectl on a control-plane host as the cluster admin
// against the host's own API server.
func localKubectl(args string) string {
	return fmt.Sprintf("%s --kubeconfig=%s --server=https://127.0.0.1:6443 %s",
		layout.Binary("kubectl"), layout.AdminConf, args)
}

// startControlPlane starts or restarts the control-plane units of one
// host and waits for its API server's /readyz; the phase runs one host at
// a time so that a bad change never takes down every API server.
func startControlPlane(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	if err := ensureUnits(ctx, r, s, unitsOf(r, s.HostName(), catalog.ControlPlane)...); err != nil {
		return err
	}
	if s.DryRun() {
		return nil
	}
	return s.Do("wait for kube-apiserver /readyz", func() error {
		return waitAPIServer(ctx, r, s)
	})
}

func waitAPIServer(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	h := s.Host()
	err := remoteops.Poll(ctx, r.Waits.ControlPlane, func(ctx context.Context) (bool, string) {
		out, stderr, err := h.Exec(ctx, localKubectl("get --raw=/readyz"))
		if err != nil {
			return false, strings.TrimSpace(string(stderr))
		}
		return strings.TrimSpace(string(out)) == "ok", string(out)
	})
	if err == nil {
		return nil
	}
	return fmt.Errorf("kube-apiserver: %w\nlast lines of its journal:\n%s", err, failingUnitJournal(ctx, r, h, unitsOf(r, s.HostName(), catalog.ControlPlane)))
}

// failingUnitJournal shows the journal of the first of units that is
// not active, or the API server's.
func failingUnitJournal(ctx context.Context, r *remoteops.Run, h host.Host, units []string) string {
	states, err := r.Supervisor.States(ctx, h, units)
	unit := "kube-apiserver"
	if err == nil {
		for _, u := range units {
			if !states[u].Active {
				unit = u
				break
			}
		}
	}
	return unit + ":\n" + r.Supervisor.Logs(ctx, h, unit, 20)
}
