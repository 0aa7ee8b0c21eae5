// Package drain empties a node for maintenance the way kubectl drain
// does: it cordons the node (remembering that kubeup did, so that it
// uncordons only nodes it cordoned), evicts its pods through the eviction
// API so that PodDisruptionBudgets hold, and waits for them to go.
// DaemonSet pods and static (mirror) pods stay, as they belong to the
// node.
package drain

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// CordonedBy is the annotation kubeup puts on a node it cordons; Uncordon
// acts only on nodes that carry it.
const CordonedBy = "kubeup.dev/cordoned-by"

// mirrorAnnotation marks the API's copy of a static pod.
const mirrorAnnotation = "kubernetes.io/config.mirror"

// Options tune Drain.
type Options struct {
	// Timeout bounds the whole drain: evictions refused by a
	// PodDisruptionBudget are retried until then.
	Timeout time.Duration
	// Interval is the pause between retries and checks (default 2s).
	Interval time.Duration
	// Reason is recorded in the CordonedBy annotation ("upgrade").
	Reason string
}

// Cordon marks node unschedulable and records that kubeup did, unless it
// already was (then it stays the operator's: Uncordon leaves it).
func Cordon(ctx context.Context, cs kubernetes.Interface, node, reason string) error {
	n, err := cs.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("cordon %s: %w", node, err)
	}
	if n.Spec.Unschedulable {
		return nil
	}
	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}},"spec":{"unschedulable":true}}`, CordonedBy, reason)
	if _, err := cs.CoreV1().Nodes().Patch(ctx, node, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		return fmt.Errorf("cordon %s: %w", node, err)
	}
	return nil
}

// Uncordon makes node schedulable again if kubeup cordoned it, and says
// whether it did.
func Uncordon(ctx context.Context, cs kubernetes.Interface, node string) (bool, error) {
	n, err := cs.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
	if err != nil {
		return false, fmt.Errorf("uncordon %s: %w", node, err)
	}
	if _, ok := n.Annotations[CordonedBy]; !ok {
		return false, nil
	}
	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:null}},"spec":{"unschedulable":false}}`, CordonedBy)
	if _, err := cs.CoreV1().Nodes().Patch(ctx, node, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		return false, fmt.Errorf("uncordon %s: %w", node, err)
	}
	return true, nil
}

// Drain cordons node, evicts every pod that must leave it and waits until
// they are gone, within o.Timeout. It refuses a pod no controller would
// recreate, naming it, before it evicts anything.
func Drain(ctx context.Context, cs kubernetes.Interface, node string, o Options) error {
	if o.Interval <= 0 {
		o.Interval = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	if err := Cordon(ctx, cs, node, o.Reason); err != nil {
		return err
	}
	pods, err := podsToEvict(ctx, cs, node)
	if err != nil {
		return err
	}
	for _, p := range pods {
		if err := evict(ctx, cs, p, o.Interval); err != nil {
			return fmt.Errorf("drain %s: %w", node, err)
		}
	}
	if err := waitGone(ctx, cs, pods, o.Interval); err != nil {
		return fmt.Errorf("drain %s: %w", node, err)
	}
	return nil
}

// podsToEvict lists the pods of node that must leave it: not DaemonSet or
// static pods, not finished. A pod without a controller is an error.
func podsToEvict(ctx context.Context, cs kubernetes.Interface, node string) ([]corev1.Pod, error) {
	list, err := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("spec.nodeName", node).String()})
	if err != nil {
		return nil, fmt.Errorf("drain %s: list its pods: %w", node, err)
	}
	var out []corev1.Pod
	var bare []string
	for _, p := range list.Items {
		if p.Spec.NodeName != node || stays(p) {
			continue
		}
		if metav1.GetControllerOf(&p) == nil {
			bare = append(bare, p.Namespace+"/"+p.Name)
			continue
		}
		out = append(out, p)
	}
	if len(bare) > 0 {
		sort.Strings(bare)
		return nil, fmt.Errorf("drain %s: pods %s have no controller and would not come back after eviction: delete them or run them under a Deployment, then apply again",
			node, strings.Join(bare, ", "))
	}
	return out, nil
}

// stays reports whether pod p stays on its node through a drain.
func stays(p corev1.Pod) bool {
	if _, ok := p.Annotations[mirrorAnnotation]; ok {
		return true
	}
	if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
		return true
	}
	c := metav1.GetControllerOf(&p)
	return c != nil && c.Kind == "DaemonSet"
}

// evict asks the API to evict p, retrying while a PodDisruptionBudget
// refuses (429) until ctx ends.
func evict(ctx context.Context, cs kubernetes.Interface, p corev1.Pod, interval time.Duration) error {
	ev := &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: p.Namespace}}
	for {
		err := cs.PolicyV1().Evictions(p.Namespace).Evict(ctx, ev)
		switch {
		case err == nil || apierrors.IsNotFound(err):
			return nil
		case !apierrors.IsTooManyRequests(err):
			return fmt.Errorf("evict %s/%s: %w", p.Namespace, p.Name, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("evict %s/%s: a PodDisruptionBudget still refuses after the drain timeout (%w): "+
				"check kubectl get pdb -A, or raise spec.upgrade.drainTimeout", p.Namespace, p.Name, context.Cause(ctx))
		case <-time.After(interval):
		}
	}
}

// waitGone waits until none of pods exists any more (a pod of the same
// name with another UID is a new one).
func waitGone(ctx context.Context, cs kubernetes.Interface, pods []corev1.Pod, interval time.Duration) error {
	for {
		var left []string
		for _, p := range pods {
			cur, err := cs.CoreV1().Pods(p.Namespace).Get(ctx, p.Name, metav1.GetOptions{})
			switch {
			case apierrors.IsNotFound(err):
			case err != nil && !errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
				return fmt.Errorf("check pod %s/%s: %w", p.Namespace, p.Name, err)
			case err == nil && cur.UID == p.UID:
				left = append(left, p.Namespace+"/"+p.Name)
			}
		}
		if len(left) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pods %s are still terminating after the drain timeout: check kubectl describe pod, or raise spec.upgrade.drainTimeout",
				strings.Join(left, ", "))
		case <-time.After(interval):
		}
	}
}
