package apply

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
	"kubeup.dev/kubeup/internal/remoteops/remoteopstest"
)

// withFS answers remoteFiles' sha256sum and stat commands from the fake's
// own files, the way they would answer on a real host.
func withFS(f *host.Fake) *host.Fake {
	f.OnFunc(`^cat /var/lib/kubeup/installed.list`, func(cmd string, _ []byte) host.Reply {
		var out strings.Builder
		if ff, ok := f.File(installedList); ok {
			out.Write(ff.Content)
		}
		out.WriteString("---\n")
		_, list, _ := strings.Cut(cmd, "-- ")
		list, _, _ = strings.Cut(list, " 2>/dev/null")
		for _, p := range strings.Fields(list) {
			p = strings.Trim(p, "'")
			if ff, ok := f.File(p); ok {
				// The fake has no clock: a content hash stands in for mtime.
				sum := sha256.Sum256(ff.Content)
				fmt.Fprintf(&out, "%d %d %s\n", len(ff.Content), uint32(sum[0])<<8|uint32(sum[1]), p)
			}
		}
		return host.Reply{Stdout: out.String()}
	})
	return f.OnFunc(`^sha256sum -- `, func(cmd string, _ []byte) host.Reply {
		head, _, _ := strings.Cut(strings.TrimPrefix(cmd, "sha256sum -- "), " 2>/dev/null")
		var sums, modes strings.Builder
		for _, p := range strings.Fields(head) {
			p = strings.Trim(p, "'")
			if ff, ok := f.File(p); ok {
				sum := sha256.Sum256(ff.Content)
				fmt.Fprintf(&sums, "%s  %s\n", hex.EncodeToString(sum[:]), p)
				fmt.Fprintf(&modes, "%o %s\n", ff.Mode.Perm(), p)
			}
		}
		return host.Reply{Stdout: sums.String() + "---\n" + modes.String()}
	})
}

// testRun is remoteopstest.NewRun with fakes that answer the checksum
// and stat commands from their own files.
func testRun(t *testing.T) (*remoteops.Run, map[string]*host.Fake) {
	t.Helper()
	r, fakes := remoteopstest.NewRun(t)
	for _, f := range fakes {
		withFS(f)
	}
	return r, fakes
}

// runPhases runs the named phases of Phases with the real runner.
func runPhases(t *testing.T, r *remoteops.Run, dryRun bool, names ...string) (*phase.Report, error) {
	t.Helper()
	var ps []phase.Phase[*remoteops.Run]
	for _, p := range Phases() {
		for _, n := range names {
			if p.Name == n {
				ps = append(ps, p)
			}
		}
	}
	runner, err := phase.New(phase.Options{DryRun: dryRun}, ps...)
	if err != nil {
		t.Fatal(err)
	}
	return runner.Run(context.Background(), r)
}

// staleStamp is a unit stamp no plan produces: the unit's files changed.
const staleStamp = "0123456789abcdef"

// onUnits answers f's unit-state probe (see unitStates): states maps a
// unit to what systemctl says ("active enabled", "inactive disabled");
// a unit named in stale was last started with other files.
func onUnits(r *remoteops.Run, f *host.Fake, states map[string]string, stale ...string) *host.Fake {
	f.OnFunc(`echo unit .*echo manifest`, func(string, []byte) host.Reply {
		var out strings.Builder
		for u := range states {
			fmt.Fprintf(&out, "unit %s\n", u) // the unit files of systemd mode
		}
		return host.Reply{Stdout: out.String()}
	})
	return f.OnFunc(`systemctl is-active`, func(string, []byte) host.Reply {
		var out strings.Builder
		for u, st := range states {
			stamp := unitStamp(r, f.Name(), u)
			if slices.Contains(stale, u) {
				stamp = staleStamp
			}
			fmt.Fprintf(&out, "%s %s stamp=%s\n", u, st, stamp)
		}
		return host.Reply{Stdout: out.String()}
	})
}

// onUnit is onUnits for one unit.
func onUnit(r *remoteops.Run, f *host.Fake, unit, state string, stale bool) *host.Fake {
	var s []string
	if stale {
		s = []string{unit}
	}
	return onUnits(r, f, map[string]string{unit: state}, s...)
}

// allUnits maps each of units to state.
func allUnits(state string, units ...string) map[string]string {
	m := map[string]string{}
	for _, u := range units {
		m[u] = state
	}
	return m
}

// errHas fails t unless err contains every one of wants.
func errHas(t *testing.T, err error, wants ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("no error, want one with %q", wants)
		return
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
}

// shortWaits makes every wait of r give up after d.
func shortWaits(r *remoteops.Run, d time.Duration) {
	r.Waits = remoteops.Waits{Etcd: d, ControlPlane: d, Nodes: d}
}

// onlyHost leaves name the only connected host, for phases that run on
// all.
func onlyHost(r *remoteops.Run, name string) {
	for _, h := range r.Cluster.Spec.Hosts {
		if h.Name != name {
			r.SetHost(h.Name, nil)
		}
	}
}

// wantErr fails t unless err is as wanted: nil for no wants, else an
// error containing each of wants.
func wantErr(t *testing.T, err error, wants ...string) {
	t.Helper()
	if len(wants) == 0 {
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	errHas(t, err, wants...)
}

// checkChanges fails t unless rep's changes are those listed, in phase
// name.
func checkChanges(t *testing.T, rep *phase.Report, name string, changes []string) {
	t.Helper()
	var want []string
	for _, c := range changes {
		want = append(want, name+": "+c)
	}
	if got := changeList(rep); !slices.Equal(got, want) {
		t.Errorf("changes %q, want %q", got, want)
	}
}
