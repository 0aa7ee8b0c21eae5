package phases

import (
	"context"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/phase"
)

// unitRun runs ensureUnits for kubelet on node2 with the given state.
func unitRun(t *testing.T, state string, changed bool) (*host.Fake, error) {
	t.Helper()
	r, fakes := testRun(t)
	f := fakes["node2"]
	f.On(`systemctl is-active`, host.Reply{Stdout: "kubelet " + state + "\n"})
	f.On(`^systemctl enable -q kubelet`, host.Reply{})
	if changed {
		r.markChanged("node2", layout.KubeletConfig)
	}
	runner, err := phase.New(phase.Options{}, phase.Phase[*Run]{Name: "kubelet", Hosts: func(r *Run) []host.Host { return []host.Host{r.Host("node2")} },
		Run: startKubelet})
	if err != nil {
		t.Fatal(err)
	}
	_, err = runner.Run(context.Background(), r)
	return f, err
}

func lastCommand(f *host.Fake) string {
	cmds := f.Commands()
	return cmds[len(cmds)-1]
}

func TestEnsureUnit(t *testing.T) {
	cases := []struct {
		state   string
		changed bool
		want    string // "" = no change command
	}{
		{"active enabled", false, ""},
		{"active enabled", true, "systemctl enable -q kubelet && systemctl restart kubelet"},
		{"inactive disabled", false, "systemctl enable -q kubelet && systemctl restart kubelet"},
		{"active disabled", false, "systemctl enable -q kubelet"},
	}
	for _, c := range cases {
		f, err := unitRun(t, c.state, c.changed)
		if err != nil {
			t.Fatalf("%s: %v", c.state, err)
		}
		last := lastCommand(f)
		if c.want == "" && !strings.Contains(last, "is-active") {
			t.Errorf("%s changed=%v: ran %q, want nothing", c.state, c.changed, last)
		}
		if c.want != "" && last != c.want {
			t.Errorf("%s changed=%v: ran %q, want %q", c.state, c.changed, last, c.want)
		}
	}
}

func TestUnitFailureShowsJournal(t *testing.T) {
	r, fakes := testRun(t)
	f := fakes["node2"]
	f.On(`systemctl is-active`, host.Reply{Stdout: "kubelet inactive disabled\n"})
	f.On(`^systemctl enable -q kubelet`, host.Reply{Code: 1, Stderr: "Job for kubelet.service failed"})
	f.On(`^journalctl -u kubelet`, host.Reply{Stdout: "E1123 failed to load kubelet config file\n"})
	runner, _ := phase.New(phase.Options{}, phase.Phase[*Run]{Name: "kubelet",
		Hosts: func(r *Run) []host.Host { return []host.Host{r.Host("node2")} }, Run: startKubelet})
	_, err := runner.Run(context.Background(), r)
	for _, want := range []string{"phase kubelet", "node2", "start kubelet", "failed to load kubelet config file"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}
