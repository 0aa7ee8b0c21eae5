package apply

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"kubeup.dev/kubeup/internal/drain"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
)

// upgradeReason is what kubeup's cordon annotation says.
const upgradeReason = "upgrade"

// workerSteps are what apply does on a worker, in order; upgradeWorker
// runs them on a drained worker, the main phases on every other host.
func workerSteps() []func(context.Context, *remoteops.Run, *phase.Step) error {
	return []func(context.Context, *remoteops.Run, *phase.Step) error{
		distribute, writeFiles, kernelSetup, configureContainerd, startKubelet, startNetwork}
}

// maxUnavailable is how many workers upgrade/workers drains at once.
func maxUnavailable(r *remoteops.Run) int { return r.Cluster.Spec.Upgrade.MaxUnavailable }

// upgradeWorker moves one worker to the spec's Kubernetes version: drain
// it (PodDisruptionBudgets respected), change it as apply changes every
// host, wait until its node is Ready on the new kubelet, uncordon it. The
// workers go maxUnavailable at a time; once one fails, no other starts,
// so that the cluster keeps serving with the rest.
func upgradeWorker(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	if name := r.UpgradeFailed(); name != "" {
		return fmt.Errorf("not upgraded: worker %s failed first; fix it and apply again to resume", name)
	}
	err := upgradeWorkerSteps(ctx, r, s)
	if err != nil {
		r.FailUpgrade(s.HostName())
	}
	return err
}

func upgradeWorkerSteps(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	cs, err := r.Client()
	if err != nil && !s.DryRun() {
		return err
	}
	node, to := s.HostName(), r.Cluster.Spec.KubernetesVersion
	if err := s.Wet(fmt.Sprintf("drain node %s for the upgrade to %s", node, to), func(host.Host) error {
		return drain.Drain(ctx, cs, node, drain.Options{Timeout: r.Cluster.Spec.Upgrade.DrainTimeout.Duration, Reason: upgradeReason})
	}); err != nil {
		return err
	}
	for _, step := range workerSteps() {
		if err := step(ctx, r, s); err != nil {
			return err
		}
	}
	if s.DryRun() {
		return nil
	}
	if err := s.Do("wait for node "+node+" to be Ready on kubelet "+to, func() error {
		return waitNodeVersion(ctx, r, cs, node, to)
	}); err != nil {
		return err
	}
	return uncordon(ctx, cs, s, node)
}

// waitNodeVersion waits until node is Ready with a kubelet of version.
func waitNodeVersion(ctx context.Context, r *remoteops.Run, cs kubernetes.Interface, node, version string) error {
	return remoteops.Poll(ctx, r.Waits.Nodes, func(ctx context.Context) (bool, string) {
		n, err := cs.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		if v := n.Status.NodeInfo.KubeletVersion; v != version {
			return false, "kubelet reports " + v
		}
		for _, c := range n.Status.Conditions {
			if c.Type == "Ready" {
				return c.Status == "True", "Ready is " + string(c.Status) + ": " + c.Message
			}
		}
		return false, "no Ready condition yet"
	})
}

// uncordon makes node schedulable again if kubeup cordoned it.
func uncordon(ctx context.Context, cs kubernetes.Interface, s *phase.Step, node string) error {
	n, err := cs.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil // not registered (yet): nothing kubeup cordoned
	}
	if err != nil {
		return fmt.Errorf("node %s: %w", node, err)
	}
	return uncordonIfCordoned(ctx, cs, s, n)
}

// uncordonIfCordoned uncordons node n if kubeup cordoned it.
func uncordonIfCordoned(ctx context.Context, cs kubernetes.Interface, s *phase.Step, n *corev1.Node) error {
	if !drain.CordonedByKubeup(n) {
		return nil
	}
	return s.Wet("uncordon node "+n.Name, func(host.Host) error {
		_, err := drain.Uncordon(ctx, cs, n.Name)
		return err
	})
}

// uncordonUpgraded uncordons every node kubeup cordoned for an upgrade
// whose host is now on the spec's version: an upgrade interrupted between
// a worker's restart and its uncordon leaves one behind. One list of the
// nodes serves every host.
func uncordonUpgraded(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	if s.DryRun() {
		return nil
	}
	cs, err := r.Client()
	if err != nil {
		return err
	}
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list nodes: %w", err)
	}
	now := map[string]bool{}
	for _, h := range r.HostsNow() {
		now[h.Name()] = true
	}
	var errs []error
	for i := range nodes.Items {
		if now[nodes.Items[i].Name] {
			errs = append(errs, uncordonIfCordoned(ctx, cs, s, &nodes.Items[i]))
		}
	}
	return errors.Join(errs...)
}

// networkAddonNow is where the network addon is applied in its usual
// place: nowhere while workers wait for their upgrade, since a DaemonSet
// rolled to a new image before a worker imported it would leave that
// worker without kube-proxy until its turn.
func networkAddonNow(r *remoteops.Run) []host.Host {
	if len(r.UpgradingWorkers()) > 0 {
		return nil
	}
	return firstControlPlane(r)
}

// whenWorkersWait is the first control plane when workers wait for
// upgrade/workers, else no host: where apply checks that the controllers
// lead before the drains, and applies the network addon after them.
func whenWorkersWait(r *remoteops.Run) []host.Host {
	if len(r.UpgradingWorkers()) == 0 {
		return nil
	}
	return firstControlPlane(r)
}

// controllerLeases are the leader-election Leases (kube-system) of the
// controllers workloads depend on during a drain: the endpoints a drained
// pod leaves and the pod that replaces it.
func controllerLeases() []string { return []string{"kube-controller-manager", "kube-scheduler"} }

// leaseSettled is how long a controller must have led before workers are
// drained: time to sync its caches after a restart.
const leaseSettled = 10 * time.Second

// waitControllers waits until the controller manager and the scheduler
// (restarted with the control plane) lead again: each Lease renewed by a
// live holder that has led for leaseSettled. A drain before that evicts
// pods whose endpoints nobody removes, and requests to them fail.
func waitControllers(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	if s.DryRun() {
		return nil
	}
	cs, err := r.Client()
	if err != nil {
		return err
	}
	return s.Do("wait for kube-controller-manager and kube-scheduler to lead", func() error {
		last := map[string]time.Time{}
		return remoteops.Poll(ctx, r.Waits.ControlPlane, func(ctx context.Context) (bool, string) {
			for _, name := range controllerLeases() {
				if ok, why := leading(ctx, cs, name, last); !ok {
					return false, why
				}
			}
			return true, ""
		})
	})
}

// leading reports whether Lease name has a live holder (its renew time
// moved since the last look, kept in last) that has led for leaseSettled,
// both measured on the holder's clock.
func leading(ctx context.Context, cs kubernetes.Interface, name string, last map[string]time.Time) (bool, string) {
	l, err := cs.CoordinationV1().Leases(metav1.NamespaceSystem).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return false, fmt.Sprintf("lease %s: %v", name, err)
	}
	if l.Spec.RenewTime == nil || l.Spec.AcquireTime == nil {
		return false, "lease " + name + " has no holder yet"
	}
	renew, prev := l.Spec.RenewTime.Time, last[name]
	last[name] = renew
	switch {
	case !renew.After(prev):
		return false, "lease " + name + " not renewed since the last look"
	case renew.Sub(l.Spec.AcquireTime.Time) < leaseSettled:
		return false, fmt.Sprintf("%s leads since %s only", name, l.Spec.AcquireTime.Format(time.TimeOnly))
	}
	return true, ""
}
