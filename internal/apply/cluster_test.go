package apply

import (
	"context"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	certv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/csrapprove/csrtest"
	"kubeup.dev/kubeup/internal/remoteops"
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
	h := r.SpecHost("node2")
	if !slices.Contains(r.BinariesFor(h), "node-exporter") {
		t.Errorf("binaries %v", r.BinariesFor(h))
	}
	if got := unitsOf(r, "node2", catalog.Network); !slices.Equal(got, []string{"kube-proxy", "flanneld", "node-exporter"}) {
		t.Errorf("network tier units %v", got)
	}
	found := checkPorts(r, h, &remoteops.Facts{Listeners: []remoteops.Listener{{Port: 9100, Process: "nginx"}}})
	if len(found) != 1 || !strings.Contains(found[0].Message, "port 9100 (node-exporter)") {
		t.Errorf("preflight findings %+v", found)
	}
}

// servingCluster is a fake cluster holding csrs whose approval "signs"
// them, as the controller-manager would.
func servingCluster(csrs ...*certv1.CertificateSigningRequest) *fake.Clientset {
	var objs []runtime.Object
	for _, c := range csrs {
		objs = append(objs, c)
	}
	cs := fake.NewSimpleClientset(objs...)
	cs.PrependReactor("update", "certificatesigningrequests", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() == "approval" {
			a.(k8stesting.UpdateAction).GetObject().(*certv1.CertificateSigningRequest).Status.Certificate = []byte("signed")
		}
		return false, nil, nil
	})
	return cs
}

// ownServing is host h's serving request for its own name and address.
func ownServing(t *testing.T, h spec.Host) *certv1.CertificateSigningRequest {
	return csrtest.NodeServing(t, "csr-"+h.Name, h.Name, []string{h.Name}, []net.IP{net.ParseIP(h.Address)})
}

// TestApproveNodes: nodes/approve approves each node's serving request
// for its own names only and passes once every host has a certificate; a
// host without one makes it give up after the wait, naming the host; a
// cluster where all are approved gets no change; a dry run approves
// nothing.
func TestApproveNodes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		csrs     func(t *testing.T, hosts []spec.Host) []*certv1.CertificateSigningRequest
		dryRun   bool
		approved []string // CSRs approved by the phase
		err      []string
	}{
		{name: "every node asks", csrs: func(t *testing.T, hs []spec.Host) []*certv1.CertificateSigningRequest {
			return []*certv1.CertificateSigningRequest{ownServing(t, hs[0]), ownServing(t, hs[1]), ownServing(t, hs[2])}
		}, approved: []string{"csr-node1", "csr-node2", "csr-node3"}},
		{name: "one asks for another's address", csrs: func(t *testing.T, hs []spec.Host) []*certv1.CertificateSigningRequest {
			bad := csrtest.NodeServing(t, "csr-node3", "node3", []string{"node3"}, []net.IP{net.ParseIP(hs[0].Address)})
			return []*certv1.CertificateSigningRequest{ownServing(t, hs[0]), ownServing(t, hs[1]), bad}
		}, approved: []string{"csr-node1", "csr-node2"},
			err: []string{"nodes/approve", "not ready after 50ms", "no approved serving certificate for node3 (is kubelet running there? journalctl -u kubelet)"}},
		{name: "all approved already", csrs: func(t *testing.T, hs []spec.Host) []*certv1.CertificateSigningRequest {
			var out []*certv1.CertificateSigningRequest
			for _, h := range hs {
				c := ownServing(t, h)
				c.Status = certv1.CertificateSigningRequestStatus{Certificate: []byte("signed"),
					Conditions: []certv1.CertificateSigningRequestCondition{{Type: certv1.CertificateApproved, Status: corev1.ConditionTrue}}}
				out = append(out, c)
			}
			return out
		}},
		{name: "dry run", dryRun: true, csrs: func(t *testing.T, hs []spec.Host) []*certv1.CertificateSigningRequest {
			return []*certv1.CertificateSigningRequest{ownServing(t, hs[0])}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := testRun(t)
			shortWaits(r, 50*time.Millisecond)
			cs := servingCluster(tc.csrs(t, r.Cluster.Spec.Hosts)...)
			r.Clientset = cs
			_, err := runPhases(t, r, tc.dryRun, "nodes/approve")
			wantErr(t, err, tc.err...)
			var approved []string
			for _, a := range cs.Actions() {
				if a.GetVerb() == "update" && a.GetSubresource() == "approval" {
					approved = append(approved, a.(k8stesting.UpdateAction).GetObject().(*certv1.CertificateSigningRequest).Name)
				}
			}
			slices.Sort(approved)
			if approved = slices.Compact(approved); !slices.Equal(approved, tc.approved) {
				t.Errorf("approved %q, want %q", approved, tc.approved)
			}
			if tc.dryRun && len(cs.Actions()) > 0 {
				t.Errorf("a dry run called the API: %v", cs.Actions())
			}
		})
	}
}
