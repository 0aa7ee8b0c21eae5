package supervisor

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/host"
)

func TestParseStates(t *testing.T) {
	got := parseStates("kubelet active enabled stamp=abc\netcd inactive disabled stamp=\nkube-proxy failed enabled\n\n")
	want := map[string]State{"kubelet": {true, true, "abc"}, "etcd": {}, "kube-proxy": {Enabled: true}}
	if len(got) != len(want) {
		t.Fatalf("states %v", got)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %+v, want %+v", k, got[k], w)
		}
	}
}

func TestEnsureDecides(t *testing.T) {
	const stamp = "0123456789abcdef"
	record := " && mkdir -p /var/lib/kubeup/units && echo " + stamp + " > /var/lib/kubeup/units/kubelet.stamp"
	cases := []struct {
		st       State
		noBlock  bool
		what     string // "" = nothing to do
		wantCmd  string
		failWith string
	}{
		{State{Active: true, Enabled: true, Stamp: stamp}, false, "", "", ""},
		{State{}, false, "start kubelet", "systemctl enable -q kubelet && systemctl restart kubelet" + record, ""},
		{State{}, true, "start kubelet", "systemctl enable -q kubelet && systemctl restart --no-block kubelet" + record, ""},
		{State{Active: true, Enabled: true, Stamp: "old"}, false, "restart kubelet (its files changed)", "systemctl enable -q kubelet && systemctl restart kubelet" + record, ""},
		{State{Active: true, Stamp: stamp}, false, "enable kubelet", "systemctl enable -q kubelet", ""},
		{State{}, false, "start kubelet", "", "failed to load kubelet config file"},
	}
	for _, c := range cases {
		a := Systemd{}.Ensure("kubelet", c.st, stamp, EnsureOptions{NoBlock: c.noBlock})
		if c.what == "" {
			if a != nil {
				t.Errorf("%+v: want nothing, got %q", c.st, a.What)
			}
			continue
		}
		if a == nil || a.What != c.what {
			t.Fatalf("%+v: action %+v, want %q", c.st, a, c.what)
		}
		f := host.NewFake("n")
		if c.failWith != "" {
			f.On(`^systemctl enable`, host.Reply{Code: 1, Stderr: "Job failed"})
			f.On(`^journalctl -u kubelet`, host.Reply{Stdout: c.failWith + "\n"})
		} else {
			f.On(`.`, host.Reply{})
		}
		err := a.Do(context.Background(), f)
		if c.failWith != "" {
			if err == nil || !strings.Contains(err.Error(), c.failWith) || !strings.Contains(err.Error(), "start kubelet") {
				t.Errorf("failure %v lacks the journal", err)
			}
			continue
		}
		if err != nil || f.Commands()[0] != c.wantCmd {
			t.Errorf("%+v: ran %q (%v), want %q", c.st, f.Commands(), err, c.wantCmd)
		}
	}
}

func TestRemoveAndStopCommands(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	rm := Systemd{}.Remove([]string{"kubelet", "etcd"})
	if rm.What != "stop and disable kubelet, etcd" {
		t.Errorf("what %q", rm.What)
	}
	if out, err := exec.Command(sh, "-n", "-c", RemoveCmd([]string{"kubelet", "etcd"})).CombinedOutput(); err != nil {
		t.Errorf("remove command does not parse: %v %s", err, out)
	}
	f := host.NewFake("n").On(`.`, host.Reply{})
	stop := Systemd{}.Stop("kubelet")
	if err := stop.Do(context.Background(), f); err != nil || f.Commands()[0] != "systemctl stop kubelet" || stop.What != "stop kubelet" {
		t.Errorf("stop: %q %v %q", f.Commands(), err, stop.What)
	}
}
