package apply

import (
	"context"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"kubeup.dev/kubeup/internal/drain"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/remoteops"
	"kubeup.dev/kubeup/internal/remoteops/remoteopstest"
)

// upgradeRun is a run of the example spec (node1 control plane, node2
// and node3 workers, Kubernetes v1.37.2) whose hosts report the installed
// kubelet versions of installed, with facts gathered.
func upgradeRun(t *testing.T, installed map[string]string) (*remoteops.Run, map[string]*host.Fake) {
	t.Helper()
	r, fakes := testRun(t)
	for name, f := range fakes {
		out := strings.Replace(remoteopstest.GoodFacts, "HOST", name, 1)
		if v := installed[name]; v != "" {
			out += "kubelet=Kubernetes " + v + "\n"
		}
		f.OnFunc(`^\. /etc/os-release`, func(string, []byte) host.Reply { return host.Reply{Stdout: out + "time=" + nowStamp() + "\n"} })
	}
	if _, err := runPhases(t, r, false, "facts"); err != nil {
		t.Fatal(err)
	}
	return r, fakes
}

func hostNames(hs []host.Host) string {
	var out []string
	for _, h := range hs {
		out = append(out, h.Name())
	}
	return strings.Join(out, " ")
}

// TestUpgradeLeavesWorkersToTheirPhase: workers on another version wait
// for upgrade/workers; the control plane, new hosts and workers already
// on the spec's version go with the main phases; the network addon (new
// DaemonSet images) waits for the workers too.
func TestUpgradeLeavesWorkersToTheirPhase(t *testing.T) {
	for _, tc := range []struct {
		installed      map[string]string
		now, upgrading string
	}{
		{map[string]string{"node1": "v1.36.3", "node2": "v1.36.3", "node3": "v1.36.3"}, "node1", "node2 node3"},
		{map[string]string{"node1": "v1.37.2", "node2": "v1.37.2", "node3": "v1.36.3"}, "node1 node2", "node3"},
		{map[string]string{"node1": "v1.37.2", "node3": "v1.37.1"}, "node1 node2", "node3"},
		{nil, "node1 node2 node3", ""},
	} {
		r, _ := upgradeRun(t, tc.installed)
		if now, after := hostNames(networkAddonNow(r)), hostNames(whenWorkersWait(r)); (tc.upgrading == "") != (now == "node1" && after == "") {
			t.Errorf("%v: network addon now on %q, after the workers on %q", tc.installed, now, after)
		}
		if got := hostNames(r.HostsNow()); got != tc.now {
			t.Errorf("%v: main phases on %q, want %q", tc.installed, got, tc.now)
		}
		if got := hostNames(r.UpgradingWorkers()); got != tc.upgrading {
			t.Errorf("%v: upgrade/workers on %q, want %q", tc.installed, got, tc.upgrading)
		}
	}
}

// TestUpgradeWorkersStopAtTheFirstFailure: a worker that cannot be
// drained (a pod no controller would bring back) fails before anything on
// it changes, and no other worker starts.
func TestUpgradeWorkersStopAtTheFirstFailure(t *testing.T) {
	r, fakes := upgradeRun(t, map[string]string{"node1": "v1.37.2", "node2": "v1.36.3", "node3": "v1.36.3"})
	bare := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "debug", Namespace: "default"}, Spec: corev1.PodSpec{NodeName: "node2"}}
	r.Clientset = fake.NewClientset(bare,
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node2"}}, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node3"}})
	before := map[string]int{"node2": len(fakes["node2"].Commands()), "node3": len(fakes["node3"].Commands())}
	_, err := runPhases(t, r, false, "upgrade/workers")
	for _, want := range []string{"node2", "pods default/debug have no controller", "node3", "not upgraded: worker node2 failed first"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	for name, n := range before {
		if got := fakes[name].Commands()[n:]; len(got) > 0 {
			t.Errorf("%s ran %q after the failed drain", name, got)
		}
	}
}

// TestLeading: a controller leads once its Lease is renewed by a live
// holder (the renew time moves between looks) that has held it for
// leaseSettled; a holder that stopped renewing, or one that just took
// over after a restart, does not.
func TestLeading(t *testing.T) {
	at := func(s int) *metav1.MicroTime {
		m := metav1.NewMicroTime(time.Date(2026, 12, 8, 0, 0, s, 0, time.UTC))
		return &m
	}
	lease := func(acquire, renew int) *coordinationv1.Lease {
		return &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "kube-controller-manager", Namespace: "kube-system"},
			Spec: coordinationv1.LeaseSpec{AcquireTime: at(acquire), RenewTime: at(renew)}}
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name          string
		first, second *coordinationv1.Lease
		want          bool
	}{
		{"long-standing live leader", lease(0, 40), lease(0, 42), true},
		{"holder gone (no renewal)", lease(0, 40), lease(0, 40), false},
		{"new leader still syncing", lease(35, 40), lease(35, 42), false},
	} {
		cs := fake.NewClientset(tc.first)
		last := map[string]time.Time{}
		leading(ctx, cs, "kube-controller-manager", last)
		if _, err := cs.CoordinationV1().Leases("kube-system").Update(ctx, tc.second, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		if got, why := leading(ctx, cs, "kube-controller-manager", last); got != tc.want {
			t.Errorf("%s: leading = %v (%s), want %v", tc.name, got, why, tc.want)
		}
	}
}

// TestUncordonUpgraded: after an upgrade, a node kubeup cordoned is
// uncordoned, one the operator cordoned is left as it is, and one list of
// the nodes serves them all.
func TestUncordonUpgraded(t *testing.T) {
	r, _ := upgradeRun(t, map[string]string{"node1": "v1.37.2", "node2": "v1.37.2", "node3": "v1.37.2"})
	cordoned := func(name string, byKubeup bool) *corev1.Node {
		n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.NodeSpec{Unschedulable: true}}
		if byKubeup {
			n.Annotations = map[string]string{drain.CordonedBy: upgradeReason}
		}
		return n
	}
	cs := fake.NewClientset(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node1"}}, cordoned("node2", true), cordoned("node3", false))
	r.Clientset = cs
	rep, err := runPhases(t, r, false, "upgrade/uncordon")
	if err != nil {
		t.Fatal(err)
	}
	checkChanges(t, rep, "upgrade/uncordon", []string{"uncordon node node2"})
	var gets int
	for _, a := range cs.Actions() {
		if a.GetVerb() == "get" && a.GetResource().Resource == "nodes" {
			gets++
		}
	}
	if gets != 1 { // drain.Uncordon's own look before it patches node2
		t.Errorf("%d node gets, want 1 (the list serves the rest)", gets)
	}
	for name, want := range map[string]bool{"node2": false, "node3": true} {
		if n, _ := cs.CoreV1().Nodes().Get(context.Background(), name, metav1.GetOptions{}); n.Spec.Unschedulable != want {
			t.Errorf("%s unschedulable = %v, want %v", name, n.Spec.Unschedulable, want)
		}
	}
}
