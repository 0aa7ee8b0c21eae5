package apply

import (
	"context"
	"slices"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
)

func TestFilesWritesOnceThenNothing(t *testing.T) {
	r, fakes := testRun(t)
	for _, f := range fakes {
		f.On(`^systemctl daemon-reload$`, host.Reply{})
	}
	rep, err := runPhases(t, r, false, "files")
	if err != nil {
		t.Fatal(err)
	}
	planned := len(r.HostFiles("node1").Files)
	if got := len(fakes["node1"].Paths()); got != planned {
		t.Fatalf("node1 has %d files, plan has %d", got, planned)
	}
	if !slices.Contains(fakes["node1"].Commands(), "systemctl daemon-reload") {
		t.Error("units were written without a daemon-reload")
	}
	if rep.Changes() == 0 {
		t.Fatal("first run reported no changes")
	}
	ff, _ := fakes["node1"].File(layout.CAKey)
	if ff.Mode != 0o600 {
		t.Errorf("ca.key mode %o", ff.Mode)
	}
	if _, ok := fakes["node2"].File(layout.CAKey); ok {
		t.Error("worker node2 received the CA key")
	}
	rep, err = runPhases(t, r, false, "files")
	if err != nil || rep.Changes() != 0 {
		t.Fatalf("second run: %d changes, %v", rep.Changes(), err)
	}
}

func TestFilesDryRunChangesNothing(t *testing.T) {
	r, fakes := testRun(t)
	rep, err := runPhases(t, r, true, "files")
	if err != nil {
		t.Fatal(err)
	}
	if len(fakes["node1"].Paths()) != 0 || fakes["node1"].Changed() {
		t.Fatal("dry run wrote files")
	}
	var listed []string
	for _, hc := range rep.ChangesByHost() {
		if hc.Host == "node2" {
			listed = hc.Changes
		}
	}
	if len(listed) == 0 || !strings.Contains(strings.Join(listed, "\n"), "write "+layout.KubeletConfig) {
		t.Fatalf("dry run did not list node2's kubelet config: %v", listed)
	}
}

func TestFilesRewritesOnlyWhatDiffers(t *testing.T) {
	r, fakes := testRun(t)
	for _, f := range fakes {
		f.On(`^systemctl daemon-reload$`, host.Reply{})
	}
	if _, err := runPhases(t, r, false, "files"); err != nil {
		t.Fatal(err)
	}
	fakes["node2"].SetFile(layout.KubeletConfig, []byte("edited by hand"), 0o600)
	rep, err := runPhases(t, r, false, "files")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Changes() != 1 || rep.ChangesByHost()[0].Host != "node2" {
		t.Fatalf("want exactly node2's kubelet config rewritten, got %v", rep.ChangesByHost())
	}
	if got := strings.Join(rep.ChangesByHost()[0].Changes, "\n"); !strings.Contains(got, "update "+layout.KubeletConfig+": +") ||
		!strings.Contains(got, "- edited by hand") {
		t.Errorf("the change does not summarise the diff: %s", got)
	}
}

func TestFilesDryRunSummarisesEachChange(t *testing.T) {
	r, fakes := testRun(t)
	for _, f := range fakes {
		f.On(`^systemctl daemon-reload$`, host.Reply{})
	}
	if _, err := runPhases(t, r, false, "files"); err != nil {
		t.Fatal(err)
	}
	kubelet, _ := fakes["node2"].File(layout.KubeletConfig)
	edited := strings.Replace(string(kubelet.Content), "maxPods: 110", "maxPods: 50", 1)
	fakes["node2"].SetFile(layout.KubeletConfig, []byte(edited), 0o600)
	proxy, _ := fakes["node2"].File(layout.KubeProxyConf)
	fakes["node2"].SetFile(layout.KubeProxyConf, append([]byte("# old\n"), proxy.Content...), 0o600)
	ca, _ := fakes["node2"].File(layout.CACert)
	fakes["node2"].SetFile(layout.CACert, ca.Content, 0o644)
	rep, err := runPhases(t, r, true, "files")
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(rep.ChangesByHost()[0].Changes, "\n")
	for _, want := range []string{
		"update " + layout.KubeletConfig + ": +1 -1 lines: - maxPods: 50; + maxPods: 110",
		"update " + layout.KubeProxyConf + ": content differs (holds secrets, not shown)",
		"update " + layout.CACert + ": mode 0644 -> 0600",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("dry run lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "client-key-data") {
		t.Error("a secret file's content reached the change list")
	}
}

func TestUnitDepsFollowReferences(t *testing.T) {
	r, _ := testRun(t)
	deps := unitDeps(r, "node2", "kubelet")
	for _, want := range []string{layout.Unit("kubelet"), layout.KubeletConfig, layout.CACert, layout.Binary("kubelet")} {
		if !slices.Contains(deps, want) {
			t.Errorf("kubelet deps lack %s: %v", want, deps)
		}
	}
	if slices.Contains(deps, layout.Unit("kube-proxy")) {
		t.Error("kubelet depends on kube-proxy's unit")
	}
}

func TestContainerdRestartsWhenItsConfigChanges(t *testing.T) {
	r, _ := testRun(t)
	if !slices.Contains(unitDeps(r, "node2", "containerd"), layout.ContainerdConfig) {
		t.Fatal("containerd does not depend on its config")
	}
}

// TestSkippingContainerdLeavesItsConfigAlone: --skip-phases containerd
// skips its backup and leaves the host's containerd configuration as it
// is, while files writes every other planned file.
func TestSkippingContainerdLeavesItsConfigAlone(t *testing.T) {
	r, fakes := testRun(t)
	onlyNode2(r)
	var ps []phase.Phase[*remoteops.Run]
	for _, p := range Phases() {
		if p.Name == "files" || p.Group == "containerd" || p.Name == "containerd" {
			ps = append(ps, p)
		}
	}
	fakes["node2"].On(`systemctl daemon-reload`, host.Reply{})
	runner, err := phase.New(phase.Options{SkipPhases: []string{"containerd"}}, ps...)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := runner.Run(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := fakes["node2"].File(layout.ContainerdConfig); ok {
		t.Error("files wrote containerd's configuration although containerd is skipped")
	}
	if _, ok := fakes["node2"].File(layout.KubeletConfig); !ok {
		t.Error("files did not write the kubelet configuration")
	}
	for _, p := range rep.Phases {
		if (p.Name == "containerd" || p.Name == "containerd/backup") && p.Status != phase.StatusSkipped {
			t.Errorf("phase %s: %s", p.Name, p.Status)
		}
	}
}
