package apply

import (
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/layout"
)

func TestDistributeUploadsOnceAndLinksTheRest(t *testing.T) {
	r, fakes := testRun(t)
	for _, f := range fakes {
		f.On(`^mkdir -p .* && ln -f `, host.Reply{})
	}
	if _, err := runPhases(t, r, false, "distribute"); err != nil {
		t.Fatal(err)
	}
	cp := fakes["node1"]
	var uploads, links int
	for _, c := range cp.Calls() {
		switch {
		case c.Op == host.OpUpload:
			uploads++
		case c.Op == host.OpExec && strings.Contains(c.Cmd, "ln -f"):
			links++
		}
	}
	// node1 needs 6 Kubernetes commands (one content), etcd, etcdctl,
	// flanneld and the flannel CNI plugin.
	if uploads != 5 || links != 5 {
		t.Errorf("node1: %d uploads and %d links, want 5 and 5", uploads, links)
	}
	if _, ok := cp.File("/opt/cni/bin/flannel"); !ok {
		t.Error("flannel CNI plugin not under /opt/cni/bin")
	}
	if _, ok := fakes["node2"].File(layout.Binary("etcd")); ok {
		t.Error("a worker received etcd")
	}
	if _, ok := fakes["node2"].File(layout.Binary("kube-apiserver")); ok {
		t.Error("a worker received kube-apiserver")
	}
}

func TestDistributeSkipsMatchingChecksums(t *testing.T) {
	r, fakes := testRun(t)
	for _, f := range fakes {
		f.On(`^mkdir -p .* && ln -f `, host.Reply{})
	}
	if _, err := runPhases(t, r, false, "distribute"); err != nil {
		t.Fatal(err)
	}
	// The fake does not run ln: give every linked name its content.
	for _, f := range fakes {
		for _, c := range f.Calls() {
			if c.Op == host.OpUpload {
				for _, name := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy", "kubectl"} {
					if strings.Contains(string(c.Data), "multi-call") {
						f.SetFile(layout.Binary(name), c.Data, 0o755)
					}
				}
			}
		}
	}
	// The second run finds every checksum matching: it uploads nothing,
	// at most recording the links the test made by hand.
	rep, err := runPhases(t, r, false, "distribute")
	if err != nil {
		t.Fatal(err)
	}
	for _, hc := range rep.ChangesByHost() {
		for _, c := range hc.Changes {
			if !strings.Contains(c, "record installed artifacts") {
				t.Errorf("second distribute on %s: %s", hc.Host, c)
			}
		}
	}
	// The third trusts the record and changes nothing.
	rep, err = runPhases(t, r, false, "distribute")
	if err != nil || rep.Changes() != 0 {
		t.Fatalf("third distribute: %v, %v", rep.ChangesByHost(), err)
	}
}

func TestDistributeNamesMissingArtifact(t *testing.T) {
	r, _ := testRun(t)
	r.Artifacts.Artifacts = r.Artifacts.Artifacts[1:] // drop kube-apiserver
	_, err := runPhases(t, r, false, "distribute")
	if err == nil || !strings.Contains(err.Error(), "lack binary kube-apiserver") || !strings.Contains(err.Error(), "node1") {
		t.Fatalf("want an error naming the binary and host, got %v", err)
	}
}

// TestDistributeRemovesWhatPodsNowRun: after a switch to static-pods
// mode, a second distribute removes the programs of the components that
// now run as pods (kubeup's own, named in its installed list) and keeps
// the kubelet, the clients and the CNI plugin.
func TestDistributeRemovesWhatPodsNowRun(t *testing.T) {
	r, fakes := testRun(t)
	cp := fakes["node1"]
	cp.On(`^mkdir -p .* && ln -f `, host.Reply{}).On(`^rm -f -- `, host.Reply{})
	onlyNode1 := []string{"node2", "node3"}
	for _, n := range onlyNode1 {
		r.SetHost(n, nil)
	}
	if _, err := runPhases(t, r, false, "distribute"); err != nil {
		t.Fatal(err)
	}
	r.Cluster.Spec.ControlPlane.Mode = "static-pods"
	rep, err := runPhases(t, r, false, "distribute")
	if err != nil {
		t.Fatal(err)
	}
	var rm string
	for _, c := range cp.Commands() {
		if strings.HasPrefix(c, "rm -f -- ") {
			rm = c
		}
	}
	for _, gone := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy", "flanneld"} {
		if !strings.Contains(rm+" ", layout.Binary(gone)+" ") {
			t.Errorf("%s not removed: %q", gone, rm)
		}
	}
	for _, kept := range []string{layout.Binary("kubelet"), layout.Binary("kubectl"), layout.Binary("etcdctl"), "/opt/cni/bin/flannel"} {
		if strings.Contains(rm+" ", kept+" ") {
			t.Errorf("%s removed: %q", kept, rm)
		}
	}
	if !strings.Contains(strings.Join(changeList(rep), "\n"), "no component kubeup runs here needs them now") {
		t.Errorf("changes %q", changeList(rep))
	}
}
