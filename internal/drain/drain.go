// Package drain empties a node for maintenance the way kubectl drain
// does: it cordons the node (remembering that kubeup did, so that it
// uncordons only nodes it cordoned), evicts its pods through the eviction
// API so that PodDisruptionBudgets hold, and waits for them to go.
// DaemonSet pods and static (mirror) pods stay, as they belong to the
// node.
package drain

import (
	"context"
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

// Options tune Drain.
type Options struct {
	// Timeout bounds the whole drain: evictions refused by a
	// PodDisruptionBudget are retried until then.
	Timeout time.Duration
	// Interval is the pause between rounds of evictions (default 2s).
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

// CordonedByKubeup reports whether kubeup cordoned node n (Cordon's
// annotation is on it).
func CordonedByKubeup(n *corev1.Node) bool {
	_, ok := n.Annotations[CordonedBy]
	return ok
}

// Uncordon makes node schedulable again if kubeup cordoned it, and says
// whether it did.
func Uncordon(ctx context.Context, cs kubernetes.Interface, node string) (bool, error) {
	n, err := cs.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
	if err != nil {
		return false, fmt.Errorf("uncordon %s: %w", node, err)
	}
	if !CordonedByKubeup(n) {
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
	if err := Cordon(ctx, cs, node, o.Reason); err != nil {
		return err
	}
	pods, err := PodsToEvict(ctx, cs, node)
	if err != nil {
		return fmt.Errorf("drain %s: list its pods: %w", node, err)
	}
	if bare := withoutController(ctx, cs, pods); len(bare) > 0 {
		return fmt.Errorf("drain %s: pods %s have no controller and would not come back after eviction: delete them or run them under a Deployment, then apply again",
			node, strings.Join(bare, ", "))
	}
	if left := EvictUntilGone(ctx, cs, pods, o.Timeout, o.Interval); len(left) > 0 {
		return fmt.Errorf("drain %s: pods %s did not leave within %s: a PodDisruptionBudget may refuse (kubectl get pdb -A), or raise spec.upgrade.drainTimeout",
			node, strings.Join(left, ", "), o.Timeout)
	}
	return nil
}

// PodsToEvict lists the pods of node that must leave it: not those of
// DaemonSets (they would come back) nor static pods (their mirror cannot
// be evicted), nor pods already finished or going.
func PodsToEvict(ctx context.Context, cs kubernetes.Interface, node string) ([]corev1.Pod, error) {
	list, err := cs.CoreV1().Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("spec.nodeName", node).String()})
	if err != nil {
		return nil, err
	}
	var out []corev1.Pod
	for _, p := range list.Items {
		if p.Spec.NodeName == node && !stays(p) {
			out = append(out, p)
		}
	}
	return out, nil
}

// stays reports whether pod p stays on its node through a drain.
func stays(p corev1.Pod) bool {
	if _, ok := p.Annotations[corev1.MirrorPodAnnotationKey]; ok {
		return true
	}
	if p.DeletionTimestamp != nil || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
		return true
	}
	for _, o := range p.OwnerReferences {
		if o.Kind == "DaemonSet" {
			return true
		}
	}
	return false
}

// withoutController names the pods no controller would recreate, sorted,
// but those of a namespace being deleted: they go anyway (kubeup's own
// smoke pods, for one, whose namespace goes at the end of validation).
func withoutController(ctx context.Context, cs kubernetes.Interface, pods []corev1.Pod) []string {
	var out []string
	for _, p := range pods {
		if metav1.GetControllerOf(&p) == nil && !namespaceGoing(ctx, cs, p.Namespace) {
			out = append(out, p.Namespace+"/"+p.Name)
		}
	}
	sort.Strings(out)
	return out
}

// namespaceGoing reports whether namespace ns is being deleted.
func namespaceGoing(ctx context.Context, cs kubernetes.Interface, ns string) bool {
	n, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	return err == nil && n.DeletionTimestamp != nil
}

// EvictUntilGone asks for the eviction of every pod (again while a
// PodDisruptionBudget refuses) until all are gone or timeout passes, every
// interval (default 2s), and returns the pods left, sorted.
func EvictUntilGone(ctx context.Context, cs kubernetes.Interface, pods []corev1.Pod, timeout, interval time.Duration) []string {
	if interval <= 0 {
		interval = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		var left []corev1.Pod
		for _, p := range pods {
			if gone(ctx, cs, p) {
				continue
			}
			if evict(ctx, cs, p); !gone(ctx, cs, p) {
				left = append(left, p)
			}
		}
		pods = left
		if len(pods) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			var names []string
			for _, p := range pods {
				names = append(names, p.Namespace+"/"+p.Name)
			}
			sort.Strings(names)
			return names
		case <-time.After(interval):
		}
	}
}

// gone reports whether pod p (this one, by UID) no longer exists.
func gone(ctx context.Context, cs kubernetes.Interface, p corev1.Pod) bool {
	cur, err := cs.CoreV1().Pods(p.Namespace).Get(ctx, p.Name, metav1.GetOptions{})
	return apierrors.IsNotFound(err) || (err == nil && cur.UID != p.UID)
}

// evict asks for the eviction of pod p; a refusal (a PodDisruptionBudget,
// 429) is retried by the caller.
func evict(ctx context.Context, cs kubernetes.Interface, p corev1.Pod) {
	uid := p.UID
	_ = cs.PolicyV1().Evictions(p.Namespace).Evict(ctx, &policyv1.Eviction{
		ObjectMeta:    metav1.ObjectMeta{Name: p.Name, Namespace: p.Namespace},
		DeleteOptions: &metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}},
	})
}
