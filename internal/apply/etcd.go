package apply

import (
	"context"
	"fmt"
	"strings"

	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
)

// startEtcd starts (or restarts, when its files changed) etcd without
// waiting: the members of a new cluster become ready together.
func startEtcd(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	if r.Cluster.Spec.StaticPods() {
		if err := prepareEtcdDataDir(ctx, s); err != nil {
			return err
		}
		if err := syncEtcdCredentials(ctx, s); err != nil {
			return err
		}
	}
	lo, err := leftovers(ctx, r, s, []string{"etcd"})
	if err != nil {
		return err
	}
	rolling, err := restartsRunningMember(ctx, r, s)
	if err != nil {
		return err
	}
	if len(lo) > 0 || rolling {
		return rollEtcd(ctx, r, s)
	}
	return startUnitsNoBlock(ctx, r, s, "etcd")
}

// restartsRunningMember reports whether the host's etcd member runs and
// must restart (its binary or files changed: an upgrade): then the
// members restart one at a time so that the cluster keeps its quorum.
func restartsRunningMember(ctx context.Context, r *remoteops.Run, s *phase.Step) (bool, error) {
	states, err := r.Supervisor.States(ctx, s.Host(), []string{"etcd"})
	if err != nil {
		return false, err
	}
	st := states["etcd"]
	return st.Active && st.Stamp != unitStamp(r, s.HostName(), "etcd"), nil
}

// rollEtcd restarts a running member, or moves it to its new runner, one
// host at a time, each member healthy again (with its data) before the
// next stops, so that the cluster keeps its quorum.
func rollEtcd(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	return r.Roll(func() error {
		if err := ensureUnits(ctx, r, s, "etcd"); err != nil {
			return err
		}
		return waitEtcd(ctx, r, s)
	})
}

// waitEtcd waits until the host's etcd member reports healthy.
func waitEtcd(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	if s.DryRun() {
		return nil
	}
	return s.Do("wait for etcd to be healthy", func() error {
		err := remoteops.Poll(ctx, r.Waits.Etcd, func(ctx context.Context) (bool, string) {
			out, stderr, err := s.Host().Exec(ctx, remoteops.EtcdHealthCmd())
			if err != nil {
				return false, strings.TrimSpace(string(stderr) + string(out))
			}
			return strings.Contains(string(out), "is healthy"), string(out)
		})
		if err != nil {
			return fmt.Errorf("etcd: %w\nlast lines of its journal:\n%s", err, r.Supervisor.Logs(ctx, s.Host(), "etcd", 20))
		}
		return nil
	})
}
