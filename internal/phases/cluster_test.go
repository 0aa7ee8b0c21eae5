package phases

import (
	"context"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"kubeup.dev/kubeup/internal/catalog"
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

// TestFictitiousComponentIsOneCatalogEntry: a component added to the
// run's catalog is distributed, has its port checked by preflight and is
// started with its tier, with no other edit.
func TestFictitiousComponentIsOneCatalogEntry(t *testing.T) {
	r, _ := testRun(t)
	r.Components = append(r.Components, catalog.Component{Name: "node-exporter", Tier: catalog.Network,
		Binaries: []string{"node-exporter"}, OwnUnit: true, Ports: []int{9100}, On: catalog.EveryHost})
	h := r.specHost("node2")
	if !slices.Contains(r.binariesFor(h), "node-exporter") {
		t.Errorf("binaries %v", r.binariesFor(h))
	}
	if got := r.unitsOf("node2", catalog.Network); !slices.Equal(got, []string{"kube-proxy", "flanneld", "node-exporter"}) {
		t.Errorf("network tier units %v", got)
	}
	found := checkPorts(r, h, &Facts{Listeners: []Listener{{Port: 9100, Process: "nginx"}}})
	if len(found) != 1 || !strings.Contains(found[0].Message, "port 9100 (node-exporter)") {
		t.Errorf("preflight findings %+v", found)
	}
}
