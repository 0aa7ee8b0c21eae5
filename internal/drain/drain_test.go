package drain

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

func pod(name, node, ownerKind string, annotations map[string]string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID(name + "-uid"), Annotations: annotations},
		Spec: corev1.PodSpec{NodeName: node}, Status: corev1.PodStatus{Phase: corev1.PodRunning}}
	if ownerKind != "" {
		yes := true
		p.OwnerReferences = []metav1.OwnerReference{{Kind: ownerKind, Name: "owner", Controller: &yes}}
	}
	return p
}

// cluster is a fake API with node w1 and w2; evictions delete the pod
// unless refused is above zero, in which case they answer 429 (a
// PodDisruptionBudget) and count down.
func cluster(t *testing.T, refused int, objs ...runtime.Object) (*fake.Clientset, *[]string) {
	t.Helper()
	objs = append(objs, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "w1"}}, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "w2"}})
	cs := fake.NewClientset(objs...)
	var evicted []string
	cs.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != "eviction" {
			return false, nil, nil
		}
		name := a.(k8stesting.CreateAction).GetObject().(metav1.Object).GetName()
		if refused > 0 {
			refused--
			return true, nil, apierrors.NewTooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", 1)
		}
		evicted = append(evicted, name)
		return true, nil, cs.Tracker().Delete(corev1.SchemeGroupVersion.WithResource("pods"), "default", name)
	})
	return cs, &evicted
}

func TestDrainEvictsWhatMustLeaveAndRespectsBudgets(t *testing.T) {
	cs, evicted := cluster(t, 2,
		pod("web-1", "w1", "ReplicaSet", nil),
		pod("db-0", "w1", "StatefulSet", nil),
		pod("kube-proxy-x", "w1", "DaemonSet", nil),
		pod("etcd-w1", "w1", "Node", map[string]string{corev1.MirrorPodAnnotationKey: "abc"}),
		pod("web-2", "w2", "ReplicaSet", nil))
	err := Drain(context.Background(), cs, "w1", Options{Timeout: 10 * time.Second, Interval: time.Millisecond, Reason: "upgrade"})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(*evicted)
	if strings.Join(*evicted, " ") != "db-0 web-1" {
		t.Errorf("evicted %v, want web-1 and db-0 only (after two refusals)", *evicted)
	}
	n, _ := cs.CoreV1().Nodes().Get(context.Background(), "w1", metav1.GetOptions{})
	if !n.Spec.Unschedulable || n.Annotations[CordonedBy] != "upgrade" {
		t.Errorf("w1 not cordoned by kubeup: %+v", n)
	}
	if ok, err := Uncordon(context.Background(), cs, "w1"); !ok || err != nil {
		t.Fatalf("uncordon: %v %v", ok, err)
	}
	n, _ = cs.CoreV1().Nodes().Get(context.Background(), "w1", metav1.GetOptions{})
	if n.Spec.Unschedulable || n.Annotations[CordonedBy] != "" {
		t.Errorf("w1 still cordoned: %+v", n)
	}
}

func TestDrainRefusesPodsWithoutController(t *testing.T) {
	cs, evicted := cluster(t, 0, pod("web-1", "w1", "ReplicaSet", nil), pod("debug", "w1", "", nil))
	err := Drain(context.Background(), cs, "w1", Options{Timeout: time.Second, Interval: time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "pods default/debug have no controller") || len(*evicted) != 0 {
		t.Errorf("err %v, evicted %v", err, *evicted)
	}
}

// TestDrainEvictsBarePodsOfANamespaceBeingDeleted: a pod without a
// controller in a namespace being deleted (kubeup's smoke pods after
// validation) goes anyway, so the drain evicts it.
func TestDrainEvictsBarePodsOfANamespaceBeingDeleted(t *testing.T) {
	now := metav1.Now()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "default", DeletionTimestamp: &now, Finalizers: []string{"kubernetes"}}}
	cs, evicted := cluster(t, 0, ns, pod("server-w1", "w1", "", nil))
	if err := Drain(context.Background(), cs, "w1", Options{Timeout: time.Second, Interval: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(*evicted, " ") != "server-w1" {
		t.Errorf("evicted %v", *evicted)
	}
}

func TestDrainTimesOutOnABudget(t *testing.T) {
	cs, _ := cluster(t, 1<<30, pod("web-1", "w1", "ReplicaSet", nil))
	err := Drain(context.Background(), cs, "w1", Options{Timeout: 50 * time.Millisecond, Interval: time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "pods default/web-1 did not leave within 50ms: a PodDisruptionBudget may refuse") || !strings.Contains(err.Error(), "spec.upgrade.drainTimeout") {
		t.Errorf("err %v", err)
	}
}

// TestUncordonLeavesTheOperatorsCordon: a node the operator cordoned
// stays cordoned through a drain and the uncordon after it.
func TestUncordonLeavesTheOperatorsCordon(t *testing.T) {
	cs, _ := cluster(t, 0)
	ctx := context.Background()
	n, _ := cs.CoreV1().Nodes().Get(ctx, "w2", metav1.GetOptions{})
	n.Spec.Unschedulable = true
	if _, err := cs.CoreV1().Nodes().Update(ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := Drain(ctx, cs, "w2", Options{Timeout: time.Second}); err != nil {
		t.Fatal(err)
	}
	if ok, err := Uncordon(ctx, cs, "w2"); ok || err != nil {
		t.Errorf("uncordoned the operator's cordon: %v %v", ok, err)
	}
	n, _ = cs.CoreV1().Nodes().Get(ctx, "w2", metav1.GetOptions{})
	if !n.Spec.Unschedulable {
		t.Error("w2 lost its cordon")
	}
}
