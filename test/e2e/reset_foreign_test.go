//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"

	"kubeup.dev/kubeup/internal/versions"
)

// Foreign things the test puts on the sandbox nodes: kubeup did not make
// them, so reset must leave them.
const (
	foreignConf      = "/etc/kubernetes/foreign.conf"
	foreignRoute     = "10.244.200.7"    // a host route into the pod CIDR, on eth0
	foreignBlackhole = "10.244.201.0/24" // a blackhole route into the pod CIDR
	foreignContainer = "kubeup-e2e-foreign"
)

// TestResetForeignHost is issue 12's reset test on a sandbox of 1 control
// plane and 1 worker. Before any apply, the worker holds a foreign
// /etc/kubernetes file and two foreign routes into the pod CIDR, and the
// control plane holds another cluster's etcd data: reset is refused (exit
// 4, naming the hosts and --force) and changes nothing; with --force it
// says what it removes and the nodes are as they were. After an apply
// and a foreign container in containerd's k8s.io namespace, a reset
// removes kubeup's things and keeps every foreign one.
func TestResetForeignHost(t *testing.T) {
	kubeup, dir, name, specPath := newSandbox(t, "rf", 2, 1)
	cp, worker := name+"-node1", name+"-node2"
	nodeSh(t, dir, worker, "mkdir -p /etc/kubernetes && echo foreign > "+foreignConf+
		" && ip route add "+foreignRoute+"/32 dev eth0 && ip route add blackhole "+foreignBlackhole)
	nodeSh(t, dir, cp, "mkdir -p /var/lib/etcd/member/snap && echo foreign > /var/lib/etcd/member/snap/db")
	before := listNodes(t, kubeup, dir, name, 2)

	r := run(t, dir, 5*time.Minute, kubeup, "reset", "-f", specPath, "--yes")
	if r.code != 4 || !strings.Contains(r.err, worker+": host carries no kubeup mark") || !strings.Contains(r.err, cp+": host carries no kubeup mark") ||
		!strings.Contains(r.err, "--force") || !strings.Contains(r.err, "nothing was changed") {
		t.Errorf("reset of unmarked hosts: exit %d, want 4 and a refusal naming %s, %s and --force:\n%s", r.code, cp, worker, tail(r.err, 20))
	}
	checkListings(t, "after the refused reset", before, listNodes(t, kubeup, dir, name, 2))

	forced := must(t, dir, 5*time.Minute, kubeup, "reset", "-f", specPath, "--yes", "--force")
	if !strings.Contains(forced.err, "--force: remove only what kubeup installs") || !strings.Contains(forced.err, "/var/lib/etcd is kept") {
		t.Errorf("reset --force does not say what it removes:\n%s", tail(forced.err, 30))
	}
	checkListings(t, "after reset --force", before, listNodes(t, kubeup, dir, name, 2))

	nodeSh(t, dir, cp, "rm -rf /var/lib/etcd")
	before = listNodes(t, kubeup, dir, name, 2)
	must(t, dir, 15*time.Minute, kubeup, "apply", "-f", specPath)
	set, err := versions.For(k8sVersion())
	if err != nil {
		t.Fatal(err)
	}
	nodeSh(t, dir, worker, "ctr -n k8s.io containers create "+set.PauseImage()+" "+foreignContainer)
	must(t, dir, 10*time.Minute, kubeup, "reset", "-f", specPath, "--yes")

	left := nodeSh(t, dir, worker, "cat "+foreignConf+"; ip -o route show "+foreignRoute+"; ip -o route show "+foreignBlackhole+
		"; ctr -n k8s.io containers ls -q; ls /etc/kubernetes /usr/local/bin")
	for _, want := range []string{"foreign\n", foreignRoute + " dev eth0", "blackhole " + foreignBlackhole, foreignContainer, "foreign.conf"} {
		if !strings.Contains(left, want) {
			t.Errorf("reset removed a foreign %q; the worker has:\n%s", want, left)
		}
	}
	for _, gone := range []string{"kubelet.conf", "kubelet\n", "flanneld"} {
		if strings.Contains(left, gone) {
			t.Errorf("reset left kubeup's %q:\n%s", gone, left)
		}
	}
	if r := run(t, dir, 5*time.Minute, kubeup, "reset", "-f", specPath, "--yes"); r.code != 4 || !strings.Contains(r.err, worker) {
		t.Errorf("a reset of the worker that now holds only a foreign %s: exit %d, want 4 naming %s:\n%s", foreignConf, r.code, worker, tail(r.err, 10))
	}
	nodeSh(t, dir, worker, "ctr -n k8s.io containers rm "+foreignContainer)
	checkListings(t, "after apply and reset", before, listNodes(t, kubeup, dir, name, 2))
}

// nodeSh runs a shell script on a sandbox node container; it must succeed.
func nodeSh(t *testing.T, dir, node, script string) string {
	t.Helper()
	return must(t, dir, 2*time.Minute, "docker", "exec", node, "sh", "-c", script).out
}

// checkListings reports every node whose listing differs.
func checkListings(t *testing.T, when string, before, after []string) {
	t.Helper()
	for i := range before {
		if d := diffListings(before[i], after[i]); d != "" {
			t.Errorf("node%d differs %s (- before only, + after only):\n%s", i+1, when, d)
		}
	}
}
