package apply

import (
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/bootstrap"
	"kubeup.dev/kubeup/internal/host"
)

const configDiff = `diff -u -N /tmp/LIVE-1/v1.ConfigMap.kube-system.kubeup-config /tmp/MERGED-2/v1.ConfigMap.kube-system.kubeup-config
--- /tmp/LIVE-1/v1.ConfigMap.kube-system.kubeup-config
+++ /tmp/MERGED-2/v1.ConfigMap.kube-system.kubeup-config
-      maxPods: 110
+      maxPods: 100
`

func TestAddonsDryRunDiffsThePlannedManifests(t *testing.T) {
	r, fakes := testRun(t)
	f := fakes["node1"]
	f.On(`kubectl .*diff --server-side --force-conflicts -f -$`, host.Reply{Stdout: configDiff, Code: 1})
	rep, err := runPhases(t, r, true, "addons/bootstrap")
	if err != nil {
		t.Fatal(err)
	}
	var stdin string
	for _, c := range f.Calls() {
		if strings.Contains(c.Cmd, "diff --server-side") {
			stdin = string(c.Data)
		}
	}
	if !strings.Contains(stdin, "name: "+bootstrap.ConfigAddon) {
		t.Errorf("the dry run did not diff the planned manifests: stdin %q", stdin)
	}
	changes := rep.ChangesByHost()
	if len(changes) != 1 || !strings.HasSuffix(changes[0].Changes[0], "(differs: v1.ConfigMap.kube-system.kubeup-config)") {
		t.Errorf("changes %v", changes)
	}
	if f.Changed() {
		t.Error("the dry run changed the host")
	}
}

func TestAddonsApplyOnlyWhenTheClusterDiffers(t *testing.T) {
	r, fakes := testRun(t)
	f := fakes["node1"]
	f.On(`kubectl .*diff --server-side --force-conflicts -f /etc/kubernetes/addons/`, host.Reply{})
	rep, err := runPhases(t, r, false, "addons/bootstrap")
	if err != nil || rep.Changes() != 0 {
		t.Fatalf("no difference: %d changes, %v", rep.Changes(), err)
	}
	f.On(`kubectl .*diff --server-side --force-conflicts -f /etc/kubernetes/addons/`, host.Reply{Stdout: configDiff, Code: 1})
	f.On(`kubectl .*apply --server-side --force-conflicts -f /etc/kubernetes/addons/`, host.Reply{})
	rep, err = runPhases(t, r, false, "addons/bootstrap")
	if err != nil || rep.Changes() != 1 {
		t.Fatalf("a difference: %d changes, %v", rep.Changes(), err)
	}
	f.On(`kubectl .*diff --server-side --force-conflicts -f /etc/kubernetes/addons/`, host.Reply{Stderr: "connection refused", Code: 2})
	if _, err = runPhases(t, r, false, "addons/bootstrap"); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("a failed diff: %v", err)
	}
}
