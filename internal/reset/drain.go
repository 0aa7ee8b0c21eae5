package reset

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"kubeup.dev/kubeup/internal/drain"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
)

// apiProbeTimeout bounds the first question to the API server: a reset
// must not wait long for a cluster that is already gone.
const apiProbeTimeout = 15 * time.Second

// drain cordons each selected host's Node, evicts its pods (but those of
// DaemonSets and static pods) and deletes the Node, before the host is
// reset. When the API server does not answer it warns and goes on: the
// hosts are reset either way.
func (o Options) drain(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	if r.Plan == nil || r.Plan.PKI == nil {
		warnDrain(r, o.Hosts, "the state directory has no admin credentials: the Node was not drained nor deleted; delete it with kubectl delete node")
		return nil
	}
	cs, err := o.client(r)
	if err != nil {
		warnDrain(r, o.Hosts, fmt.Sprintf("no client for the API server (%v): the Node was not drained nor deleted", err))
		return nil
	}
	for _, name := range o.Hosts {
		if err := o.drainNode(ctx, r, s, cs, name); err != nil {
			return fmt.Errorf("drain node %s: %w", name, err)
		}
	}
	return nil
}

func (o Options) client(r *remoteops.Run) (kubernetes.Interface, error) {
	if o.Client != nil {
		return o.Client(r)
	}
	return r.Client()
}

func warnDrain(r *remoteops.Run, hosts []string, msg string) {
	for _, h := range hosts {
		r.Warn(h, remoteops.Finding{Check: "drain", Message: msg, Warning: true})
	}
}

// drainNode drains and deletes one Node; a Node that does not exist is
// already gone.
func (o Options) drainNode(ctx context.Context, r *remoteops.Run, s *phase.Step, cs kubernetes.Interface, name string) error {
	gctx, cancel := context.WithTimeout(ctx, apiProbeTimeout)
	n, err := cs.CoreV1().Nodes().Get(gctx, name, metav1.GetOptions{})
	cancel()
	switch {
	case apierrors.IsNotFound(err):
		return nil
	case err != nil:
		r.Warn(name, remoteops.Finding{Check: "drain", Warning: true, Message: fmt.Sprintf(
			"the API server did not answer (%v): node %s was not drained nor deleted; delete it later with kubectl delete node %s", err, name, name)})
		return nil
	}
	if !n.Spec.Unschedulable {
		err := s.Wet("cordon node "+name, func(host.Host) error {
			return remoteops.PatchNode(ctx, cs, name, map[string]any{"spec": map[string]any{"unschedulable": true}})
		})
		if err != nil {
			return err
		}
	}
	if err := o.evictPods(ctx, r, s, cs, name); err != nil {
		return err
	}
	return s.Wet("delete node "+name, func(host.Host) error {
		err := cs.CoreV1().Nodes().Delete(ctx, name, metav1.DeleteOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return err
	})
}

// evictPods evicts the node's pods and waits until they are gone. Pods
// still there after the drain timeout (a disruption budget that never
// allows it) are left with a warning: they go with the Node.
func (o Options) evictPods(ctx context.Context, r *remoteops.Run, s *phase.Step, cs kubernetes.Interface, name string) error {
	pods, err := drain.PodsToEvict(ctx, cs, name)
	if err != nil {
		return fmt.Errorf("list pods: %w", err)
	}
	if len(pods) == 0 {
		return nil
	}
	names := make([]string, len(pods))
	for i, p := range pods {
		names[i] = p.Namespace + "/" + p.Name
	}
	what := fmt.Sprintf("evict %d pods from node %s: %s", len(pods), name, remoteops.ListedNames(names, 6))
	return s.Wet(what, func(host.Host) error {
		left := drain.EvictUntilGone(ctx, cs, pods, o.drainTimeout(), remoteops.PollInterval)
		if len(left) > 0 {
			r.Warn(name, remoteops.Finding{Check: "drain", Warning: true, Message: fmt.Sprintf(
				"%d pods did not leave within %s (%s): they are deleted with the node", len(left), o.drainTimeout(), remoteops.ListedNames(left, 6))})
		}
		return nil
	})
}

func (o Options) drainTimeout() time.Duration {
	if o.DrainTimeout > 0 {
		return o.DrainTimeout
	}
	return DefaultDrainTimeout
}
