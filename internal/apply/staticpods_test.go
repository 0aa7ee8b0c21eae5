package apply

import (
	"crypto/x509"
	"encoding/pem"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/remoteops"
	"kubeup.dev/kubeup/internal/remoteops/remoteopstest"
	"kubeup.dev/kubeup/internal/spec"
	"kubeup.dev/kubeup/internal/supervisor"
)

// staticPodsRun is testRun in static-pods mode.
func staticPodsRun(t *testing.T) (*remoteops.Run, map[string]*host.Fake) {
	t.Helper()
	r, fakes := testRun(t)
	r.Cluster.Spec.ControlPlane.Mode = spec.ModeStaticPods
	r.Supervisor = supervisor.For(r.Cluster, r.Components, nil)
	return r, fakes
}

// TestStaticPodHostGetsItsKubeletIdentityFromTheCA: the kubelet of a host
// that runs static pods starts before the API server it runs, so apply
// gives it a client certificate for its node from the cluster CA (no
// bootstrap token), and its kubeconfig; other hosts are left to join.
func TestStaticPodHostGetsItsKubeletIdentityFromTheCA(t *testing.T) {
	r, fakes := staticPodsRun(t)
	cs := fake.NewSimpleClientset()
	r.Clientset = cs
	f := fakes["node1"]
	f.On(`kubelet-client-current.pem`, host.Reply{}).On(`^ln -sfn `, host.Reply{}).On(`^rm -f `, host.Reply{})
	onUnits(r, f, map[string]string{"kubelet": "inactive disabled"}).On(`^systemctl enable -q kubelet`, host.Reply{})
	if _, err := runPhases(t, r, false, "kubelet/static-pods"); err != nil {
		t.Fatal(err)
	}
	pair, ok := f.File(issuedClientPair)
	if !ok || pair.Mode.Perm() != 0o600 {
		t.Fatalf("no client pair written 0600: %v %v", ok, pair.Mode)
	}
	block, rest := pem.Decode(pair.Content)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil || cert.Subject.CommonName != "system:node:node1" || !strings.Contains(string(rest), "PRIVATE KEY") {
		t.Errorf("client pair: %v %v", cert.Subject, err)
	}
	conf, ok := f.File(layout.KubeletConf)
	if !ok || conf.Mode.Perm() != 0o600 || !strings.Contains(string(conf.Content), "client-certificate: "+layout.KubeletClientCert) ||
		!strings.Contains(string(conf.Content), "https://127.0.0.1:6443") {
		t.Errorf("kubelet.conf:\n%s", conf.Content)
	}
	if !slices.Contains(f.Commands(), "ln -sfn kubelet-client-issued.pem "+host.Quote(layout.KubeletClientCert)) {
		t.Errorf("kubelet-client-current.pem not linked: %q", f.Commands())
	}
	if got := remoteopstest.CommandsLike(f, `^systemctl enable -q kubelet`); len(got) != 1 {
		t.Errorf("kubelet started %d times", len(got))
	}
	if l, _ := cs.CoreV1().Secrets("kube-system").List(t.Context(), metav1.ListOptions{}); len(l.Items) > 0 {
		t.Errorf("a bootstrap token was made: %v", l.Items)
	}
	for _, w := range []string{"node2", "node3"} {
		if cmds := fakes[w].Commands(); len(cmds) > 0 {
			t.Errorf("%s runs no static pod but kubelet/static-pods ran %q", w, cmds)
		}
	}
}

// TestEtcdConvertsToAStaticPod: an etcd member that ran as a unit gives
// it up (stopped, disabled, its file removed) before its static pod
// starts, with its data directory and credentials ready, and apply waits
// for the member to be healthy.
func TestEtcdConvertsToAStaticPod(t *testing.T) {
	r, fakes := staticPodsRun(t)
	f := fakes["node1"]
	f.On(`echo unit .*echo manifest`, host.Reply{Stdout: "unit etcd\n"})
	f.On(`^\[ "\$\(stat`, host.Reply{}).On(`^cmp -s`, host.Reply{})
	f.On(`(?s)^stamped\(\) .*echo etcd`, host.Reply{Stdout: "etcd inactive disabled stamp=\n"})
	f.On(`^\(systemctl disable -q etcd`, host.Reply{}).On(`^mkdir -p -m 0700 /etc/kubernetes/manifests`, host.Reply{})
	f.On(`uid=\$\(id -u`, host.Reply{})
	f.On(`endpoint health`, host.Reply{Stdout: "https://127.0.0.1:2379 is healthy: successfully committed proposal\n"})
	rep, err := runPhases(t, r, false, "etcd/start")
	if err != nil {
		t.Fatal(err)
	}
	changes := changeList(rep)
	want := []string{"etcd/start: retire etcd's systemd unit: it now runs as a static pod", "etcd/start: start etcd (static pod)"}
	if !slices.Equal(changes, want) {
		t.Errorf("changes %q\nwant %q", changes, want)
	}
	cmds := remoteopstest.CommandsLike(f, `^(\(systemctl disable|mkdir -p -m 0700 /etc/kubernetes/manifests|.*endpoint health)`)
	if len(cmds) != 3 || !strings.Contains(cmds[0], "rm -f /etc/systemd/system/etcd.service") ||
		!strings.Contains(cmds[1], "until stamped etcd ") || !strings.Contains(cmds[2], "endpoint health") {
		t.Errorf("want the unit retired, the pod started and waited for, then the member's health; ran:\n%s", strings.Join(cmds, "\n"))
	}
}

// TestSystemdModeDeletesTheNetworkDaemonSetsAndTheirPods: back in systemd
// mode, apply deletes the DaemonSets of static-pods mode and their pods,
// and returns once the pods are gone, before the units start.
func TestSystemdModeDeletesTheNetworkDaemonSetsAndTheirPods(t *testing.T) {
	r, _ := testRun(t)
	var objs []runtime.Object
	for _, d := range []struct{ name, label string }{{"kube-proxy", "kube-proxy"}, {"kube-flannel", "flannel"}} {
		sel := map[string]string{"k8s-app": d.label}
		objs = append(objs,
			&appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: d.name, Namespace: "kube-system"},
				Spec: appsv1.DaemonSetSpec{Selector: &metav1.LabelSelector{MatchLabels: sel}}},
			&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: d.name + "-abcde", Namespace: "kube-system", Labels: sel}})
	}
	objs = append(objs, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "coredns-1", Namespace: "kube-system", Labels: map[string]string{"k8s-app": "kube-dns"}}})
	cs := fake.NewSimpleClientset(objs...)
	r.Clientset, r.Waits.Nodes = cs, 5*time.Second
	rep, err := runPhases(t, r, false, "addons/network")
	if err != nil {
		t.Fatal(err)
	}
	if got := changeList(rep); len(got) != 2 || !strings.Contains(got[0], "delete DaemonSet kube-system/kube-flannel and its pods") {
		t.Errorf("changes %q", got)
	}
	ds, _ := cs.AppsV1().DaemonSets("kube-system").List(t.Context(), metav1.ListOptions{})
	pods, _ := cs.CoreV1().Pods("kube-system").List(t.Context(), metav1.ListOptions{})
	if len(ds.Items) != 0 || len(pods.Items) != 1 || pods.Items[0].Name != "coredns-1" {
		t.Errorf("left %d DaemonSets and pods %v", len(ds.Items), pods.Items)
	}
}
