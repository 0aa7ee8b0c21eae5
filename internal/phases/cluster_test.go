package phases

import (
	"context"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"kubeup.dev/kubeup/internal/spec"
)

// TestMarkNodesLabelsAndTaintsByRole: nodes get their role labels, the
// control plane and an etcd-only host their NoSchedule taints (a taint
// registered already is not added twice), workers none; a second run
// changes nothing.
func TestMarkNodesLabelsAndTaintsByRole(t *testing.T) {
	r, _ := testRun(t)
	r.Cluster.Spec.Hosts = []spec.Host{
		{Name: "cp", Roles: []spec.Role{spec.RoleControlPlane}},
		{Name: "db", Roles: []spec.Role{spec.RoleEtcd}},
		{Name: "w", Roles: []spec.Role{spec.RoleWorker}},
	}
	registered := corev1.Taint{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule}
	cs := fake.NewSimpleClientset(
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "cp"}, Spec: corev1.NodeSpec{Taints: []corev1.Taint{registered}}},
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "db"}},
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "w"}},
	)
	r.Clientset = cs
	if _, err := runPhases(t, r, false, "nodes/roles"); err != nil {
		t.Fatal(err)
	}
	want := map[string]struct{ label, taint string }{
		"cp": {"node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/control-plane"},
		"db": {"node-role.kubernetes.io/etcd", "node-role.kubernetes.io/etcd"},
		"w":  {"node-role.kubernetes.io/worker", ""},
	}
	for name, w := range want {
		n, err := cs.CoreV1().Nodes().Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := n.Labels[w.label]; !ok || len(n.Labels) != 1 {
			t.Errorf("%s: labels %v, want %s", name, n.Labels, w.label)
		}
		var taints []string
		for _, tt := range n.Spec.Taints {
			taints = append(taints, tt.Key+":"+string(tt.Effect))
		}
		if w.taint == "" && len(taints) > 0 || w.taint != "" && !slices.Equal(taints, []string{w.taint + ":NoSchedule"}) {
			t.Errorf("%s: taints %v, want %q", name, taints, w.taint)
		}
	}
	rep, err := runPhases(t, r, false, "nodes/roles")
	if err != nil || rep.Changes() != 0 {
		t.Errorf("second run: %v %v", changeList(rep), err)
	}
}
