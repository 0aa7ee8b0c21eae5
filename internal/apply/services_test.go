package apply

import (
	"context"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
)

// unitRun runs ensureUnits for kubelet on node2, whose state line is
// state plus the current stamp (or a stale one when stale).
func unitRun(t *testing.T, state string, stale bool) (*host.Fake, string, error) {
	t.Helper()
	r, fakes := testRun(t)
	f := fakes["node2"]
	stamp := unitStamp(r, "node2", "kubelet")
	have := stamp
	if stale {
		have = "0123456789abcdef"
	}
	f.On(`systemctl is-active`, host.Reply{Stdout: "kubelet " + state + " stamp=" + have + "\n"})
	f.On(`^systemctl enable -q kubelet`, host.Reply{})
	runner, err := phase.New(phase.Options{}, phase.Phase[*remoteops.Run]{Name: "kubelet", Hosts: func(r *remoteops.Run) []host.Host { return []host.Host{r.Host("node2")} },
		Run: ensureKubelet})
	if err != nil {
		t.Fatal(err)
	}
	_, err = runner.Run(context.Background(), r)
	return f, stamp, err
}

func ensureKubelet(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	return ensureUnits(ctx, r, s, "kubelet")
}

func lastCommand(f *host.Fake) string {
	cmds := f.Commands()
	return cmds[len(cmds)-1]
}

func TestEnsureUnit(t *testing.T) {
	restart := "systemctl enable -q kubelet && systemctl restart kubelet && mkdir -p /var/lib/kubeup/units && echo %s > /var/lib/kubeup/units/kubelet.stamp"
	cases := []struct {
		state string
		stale bool
		want  string // "" = no change command
	}{
		{"active enabled", false, ""},
		{"active enabled", true, restart},
		{"inactive disabled", false, restart},
		{"active disabled", false, "systemctl enable -q kubelet"},
	}
	for _, c := range cases {
		f, stamp, err := unitRun(t, c.state, c.stale)
		if err != nil {
			t.Fatalf("%s: %v", c.state, err)
		}
		last := lastCommand(f)
		if c.want == "" && !strings.Contains(last, "is-active") {
			t.Errorf("%s stale=%v: ran %q, want nothing", c.state, c.stale, last)
		}
		if want := strings.Replace(c.want, "%s", stamp, 1); c.want != "" && last != want {
			t.Errorf("%s stale=%v: ran %q, want %q", c.state, c.stale, last, want)
		}
	}
}

func TestUnitStampFollowsPlannedContent(t *testing.T) {
	r, _ := testRun(t)
	before := unitStamp(r, "node2", "kubelet")
	proxy := unitStamp(r, "node2", "kube-proxy")
	for i, f := range r.Plan.Hosts[1].Files {
		if f.Path == layout.KubeletConfig {
			r.Plan.Hosts[1].Files[i].Content = append(f.Content, []byte("# changed\n")...)
		}
	}
	if unitStamp(r, "node2", "kubelet") == before {
		t.Error("kubelet stamp did not change with its config")
	}
	if unitStamp(r, "node2", "kube-proxy") != proxy {
		t.Error("kube-proxy stamp changed with kubelet's config")
	}
}

func TestUnitFailureShowsJournal(t *testing.T) {
	r, fakes := testRun(t)
	f := fakes["node2"]
	f.On(`systemctl is-active`, host.Reply{Stdout: "kubelet inactive disabled\n"})
	f.On(`^systemctl enable -q kubelet`, host.Reply{Code: 1, Stderr: "Job for kubelet.service failed"})
	f.On(`^journalctl -u kubelet`, host.Reply{Stdout: "E1123 failed to load kubelet config file\n"})
	runner, _ := phase.New(phase.Options{}, phase.Phase[*remoteops.Run]{Name: "kubelet",
		Hosts: func(r *remoteops.Run) []host.Host { return []host.Host{r.Host("node2")} }, Run: ensureKubelet})
	_, err := runner.Run(context.Background(), r)
	for _, want := range []string{"phase kubelet", "node2", "start kubelet", "failed to load kubelet config file"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}
