package supervisor

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/spec"
	"kubeup.dev/kubeup/internal/staticpod"
)

// parses checks that sh can parse cmd.
func parses(t *testing.T, what, cmd string) {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatalf("no sh: %v", err)
	}
	if out, err := exec.Command(sh, "-n", "-c", cmd).CombinedOutput(); err != nil {
		t.Errorf("%s does not parse: %v %s\n%s", what, err, out, cmd)
	}
}

// ensured runs what sup.Ensure decides for name in state st and returns
// the command it ran, "" when it decided nothing; it fails the test when
// the decision is not what (empty: nothing).
func ensured(t *testing.T, sup Supervisor, name string, st State, stamp string, noBlock bool, what string) string {
	t.Helper()
	a := sup.Ensure(name, st, stamp, EnsureOptions{NoBlock: noBlock})
	if what == "" {
		if a != nil {
			t.Errorf("%+v: want nothing, got %q", st, a.What)
		}
		return ""
	}
	if a == nil || a.What != what {
		t.Fatalf("%+v: action %+v, want %q", st, a, what)
	}
	f := host.NewFake("n").On(`.`, host.Reply{})
	if err := a.Do(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	cmd := f.Commands()[0]
	parses(t, what, cmd)
	return cmd
}

func TestStaticPodEnsureDecides(t *testing.T) {
	const stamp = "0123456789abcdef"
	cases := []struct {
		name    string
		st      State
		noBlock bool
		what    string // "" = nothing to do
		install bool   // installs the manifest
		waits   bool
	}{
		{"current and running", State{Active: true, Enabled: true, Stamp: stamp}, false, "", false, false},
		{"never installed", State{}, false, "start etcd (static pod)", true, true},
		{"never installed, no block", State{}, true, "start etcd (static pod)", true, false},
		{"files changed", State{Active: true, Enabled: true, Stamp: "old"}, false, "restart etcd (its files changed)", true, true},
		{"current, pod not up yet", State{Enabled: true, Stamp: stamp}, false, "wait for the pod of etcd", false, true},
		{"current, pod not up yet, no block", State{Enabled: true, Stamp: stamp}, true, "", false, false},
	}
	for _, c := range cases {
		cmd := ensured(t, StaticPod{}, "etcd", c.st, stamp, c.noBlock, c.what)
		if c.what == "" {
			continue
		}
		if got := strings.Contains(cmd, `sed -e 's/KUBEUP_STAMP/"`+stamp+`"/g' /var/lib/kubeup/manifests/etcd.yaml > /etc/kubernetes/manifests/.etcd.yaml.tmp`); got != c.install {
			t.Errorf("%s: installs %v, want %v:\n%s", c.name, got, c.install, cmd)
		}
		if got := strings.Contains(cmd, "stamped etcd "+stamp); got != c.waits {
			t.Errorf("%s: waits %v, want %v:\n%s", c.name, got, c.waits, cmd)
		}
	}
}

func TestStaticPodFailureShowsTheContainerLog(t *testing.T) {
	a := StaticPod{}.Ensure("kube-apiserver", State{}, "abc", EnsureOptions{})
	f := host.NewFake("n").
		On(`^mkdir`, host.Reply{Code: 1, Stderr: "kube-apiserver's pod did not start within 3m0s"}).
		On(`/var/log/pods/kube-system_kube-apiserver-`, host.Reply{Stdout: "E1203 open /etc/kubernetes/pki/apiserver.crt: no such file\n"})
	err := a.Do(context.Background(), f)
	if err == nil || !strings.Contains(err.Error(), "apiserver.crt: no such file") || !strings.Contains(err.Error(), "start kube-apiserver") {
		t.Errorf("error %v", err)
	}
}

func TestStaticPodStatesCommand(t *testing.T) {
	f := host.NewFake("n").On(`.`, host.Reply{Stdout: "etcd active enabled stamp=abc\nkube-apiserver inactive disabled stamp=\n"})
	st, err := StaticPod{}.States(context.Background(), f, []string{"etcd", "kube-apiserver", "kube-controller-manager"})
	if err != nil {
		t.Fatal(err)
	}
	if st["etcd"] != (State{Active: true, Enabled: true, Stamp: "abc"}) || st["kube-apiserver"] != (State{}) {
		t.Errorf("states %+v", st)
	}
	cmd := f.Commands()[0]
	parses(t, "states", cmd)
	if !strings.Contains(cmd, "stamped kube-controller \"$s\"") {
		t.Errorf("the process of kube-controller-manager is looked up by its full name, not the kernel's 15 characters:\n%s", cmd)
	}
}

func TestDaemonSetEnsureDecides(t *testing.T) {
	const stamp = "0123456789abcdef"
	cases := []struct {
		name     string
		st       State
		noBlock  bool
		what     string
		contains string
	}{
		{"current", State{Active: true, Enabled: true, Stamp: stamp}, false, "", ""},
		{"pod not up yet", State{Enabled: true}, false, "wait for the pod of kube-proxy", "until pgrep -x kube-proxy"},
		{"pod not up yet, no block", State{Enabled: true}, true, "record the files of kube-proxy", "echo " + stamp},
		{"files changed", State{Active: true, Enabled: true, Stamp: "old"}, false, "restart kube-proxy (its files changed)", "pkill -x kube-proxy"},
	}
	for _, c := range cases {
		cmd := ensured(t, DaemonSet{}, "kube-proxy", c.st, stamp, c.noBlock, c.what)
		if c.what == "" {
			continue
		}
		if !strings.Contains(cmd, c.contains) || !strings.Contains(cmd, "/var/lib/kubeup/units/kube-proxy.stamp") {
			t.Errorf("%s: command lacks %q or the stamp record:\n%s", c.name, c.contains, cmd)
		}
	}
}

func TestForDispatchesByMode(t *testing.T) {
	c := &spec.Cluster{}
	c.Spec.ControlPlane.Mode = spec.ModeStaticPods
	m := For(c, catalog.All(), map[string]string{"etcd": "etcd"})
	want := map[string]string{"kubelet": "supervisor.Systemd", "containerd": "supervisor.Systemd", "etcd": "supervisor.StaticPod",
		"kube-apiserver": "supervisor.StaticPod", "kube-proxy": "supervisor.DaemonSet", "flanneld": "supervisor.DaemonSet", "unknown": "supervisor.Systemd"}
	for n, w := range want {
		if got := fmt.Sprintf("%T", m.Of(n)); got != w {
			t.Errorf("%s: %s, want %s", n, got, w)
		}
	}
	c.Spec.ControlPlane.Mode = spec.ModeSystemd
	if got := For(c, catalog.All(), nil).Of("etcd"); got != (Systemd{}) {
		t.Errorf("systemd mode runs etcd with %T", got)
	}
	f := host.NewFake("n").On(`.`, host.Reply{})
	c.Spec.ControlPlane.Mode = spec.ModeStaticPods
	rm := For(c, catalog.All(), nil).Remove([]string{"kubelet", "etcd", "kube-proxy"})
	if err := rm.Do(context.Background(), f); err != nil || len(f.Commands()) != 3 {
		t.Errorf("remove ran %q (%v)", f.Commands(), err)
	}
	if !strings.Contains(rm.What, "stop and disable kubelet") || !strings.Contains(rm.What, "static pod manifests of etcd") {
		t.Errorf("remove says %q", rm.What)
	}
}

// TestStaticPodOfAUserGetsItsIDs: the manifest of a component that runs
// as a system user is installed with the host's ids of that user, and
// fails, naming the user, where the user does not exist.
func TestStaticPodOfAUserGetsItsIDs(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal(err)
	}
	a := StaticPod{Users: map[string]string{"etcd": "root"}}.Ensure("etcd", State{}, "abc", EnsureOptions{NoBlock: true})
	f := host.NewFake("n").On(`.`, host.Reply{})
	if err := a.Do(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	cmd := f.Commands()[0]
	// Run the command's id lookup and sed on a copy of a manifest.
	dir := t.TempDir()
	staged := dir + "/staged.yaml"
	if err := os.WriteFile(staged, []byte(fmt.Sprintf("metadata:\n  labels:\n    kubeup.dev/stamp: KUBEUP_STAMP\nspec:\n  securityContext:\n    runAsGroup: %d\n    runAsUser: %d\n", staticpod.GIDPlaceholder, staticpod.UIDPlaceholder)), 0o600); err != nil {
		t.Fatal(err)
	}
	local := strings.NewReplacer("/var/lib/kubeup/manifests/etcd.yaml", staged, "/etc/kubernetes/manifests", dir+"/live").Replace(cmd)
	if out, err := exec.Command(sh, "-c", local).CombinedOutput(); err != nil {
		t.Fatalf("%v %s\n%s", err, out, local)
	}
	got, err := os.ReadFile(dir + "/live/etcd.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), "runAsUser: 0\n") || !strings.Contains(string(got), "runAsGroup: 0\n") || !strings.Contains(string(got), `kubeup.dev/stamp: "abc"`) {
		t.Errorf("installed manifest:\n%s", got)
	}
	missing := StaticPod{Users: map[string]string{"etcd": "no-such-user-kubeup"}}.Ensure("etcd", State{}, "abc", EnsureOptions{NoBlock: true})
	f = host.NewFake("n").On(`.`, host.Reply{})
	_ = missing.Do(context.Background(), f)
	out, err := exec.Command(sh, "-c", strings.NewReplacer("/etc/kubernetes/manifests", dir+"/live2").Replace(f.Commands()[0])).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "no user no-such-user-kubeup") {
		t.Errorf("a missing user: %v %s", err, out)
	}
}
