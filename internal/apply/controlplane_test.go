package apply

import (
	"slices"
	"strings"
	"testing"
	"time"

	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/remoteops/remoteopstest"
)

// TestControlPlaneStartsWhatIsNeededAndWaitsForReadyz: the control-plane
// phase starts the stopped units and restarts only those whose files
// changed, then waits for /readyz; an unchanged host gets no change but
// is still checked; a dry run changes nothing and waits for nothing.
func TestControlPlaneStartsWhatIsNeededAndWaitsForReadyz(t *testing.T) {
	for _, tc := range []struct {
		name    string
		state   func(units []string) map[string]string
		stale   []string
		dryRun  bool
		changes []string
	}{
		{name: "unchanged", state: func(us []string) map[string]string { return allUnits("active enabled", us...) }},
		{name: "stopped", state: func(us []string) map[string]string { return allUnits("inactive disabled", us...) },
			changes: []string{"start kube-apiserver", "start kube-controller-manager", "start kube-scheduler"}},
		{name: "scheduler's files changed", state: func(us []string) map[string]string { return allUnits("active enabled", us...) },
			stale: []string{"kube-scheduler"}, changes: []string{"restart kube-scheduler (its files changed)"}},
		{name: "dry run", state: func(us []string) map[string]string { return allUnits("inactive disabled", us...) }, dryRun: true,
			changes: []string{"start kube-apiserver", "start kube-controller-manager", "start kube-scheduler"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, fakes := testRun(t)
			f := fakes["node1"]
			units := unitsOf(r, "node1", catalog.ControlPlane)
			if !slices.Equal(units, []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler"}) {
				t.Fatalf("control-plane units %q", units)
			}
			onUnits(r, f, tc.state(units), tc.stale...).On(`^systemctl enable -q `, host.Reply{})
			f.On(`get --raw=/readyz`, host.Reply{Stdout: "ok"})
			rep, err := runPhases(t, r, tc.dryRun, "control-plane")
			if err != nil {
				t.Fatal(err)
			}
			checkChanges(t, rep, "control-plane", tc.changes)
			restarts := remoteopstest.CommandsLike(f, `^systemctl enable`)
			readyz := remoteopstest.CommandsLike(f, `get --raw=/readyz`)
			if tc.dryRun {
				if len(restarts)+len(readyz) > 0 {
					t.Errorf("a dry run ran %q %q", restarts, readyz)
				}
				return
			}
			if len(restarts) != len(tc.changes) {
				t.Errorf("ran %q for changes %q", restarts, tc.changes)
			}
			for i, c := range restarts {
				unit := strings.Fields(tc.changes[i])[1]
				if !strings.HasPrefix(c, "systemctl enable -q "+unit+" && systemctl restart "+unit+" && ") {
					t.Errorf("%s: ran %q", unit, c)
				}
			}
			if len(readyz) != 1 || !strings.Contains(readyz[0], "--server=https://127.0.0.1:6443") {
				t.Errorf("readyz asked %q, want once of the host's own API server", readyz)
			}
		})
	}
}

// TestControlPlaneNotReadyShowsTheFailingUnit: an API server that never
// gets ready fails the phase after the wait, naming the host, the last
// answer and the journal of the first unit that is not active (the API
// server's when all are).
func TestControlPlaneNotReadyShowsTheFailingUnit(t *testing.T) {
	for _, tc := range []struct {
		name     string
		inactive string // a unit that does not stay up
		journal  string // whose journal the error shows
	}{
		{name: "all active", journal: "kube-apiserver"},
		{name: "controller-manager crashed", inactive: "kube-controller-manager", journal: "kube-controller-manager"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, fakes := testRun(t)
			shortWaits(r, 50*time.Millisecond)
			f := fakes["node1"]
			states := allUnits("active enabled", unitsOf(r, "node1", catalog.ControlPlane)...)
			if tc.inactive != "" {
				states[tc.inactive] = "failed enabled"
			}
			onUnits(r, f, states).On(`^systemctl enable -q `, host.Reply{})
			f.On(`get --raw=/readyz`, host.Reply{Code: 1, Stderr: "The connection to the server 127.0.0.1:6443 was refused"})
			f.OnFunc(`^journalctl -u `, func(cmd string, _ []byte) host.Reply {
				return host.Reply{Stdout: "journal of " + strings.Fields(cmd)[2] + "\n"}
			})
			_, err := runPhases(t, r, false, "control-plane")
			errHas(t, err, "control-plane", "node1", "wait for kube-apiserver /readyz", "not ready after 50ms",
				"127.0.0.1:6443 was refused", tc.journal+":\njournal of "+tc.journal)
		})
	}
}
