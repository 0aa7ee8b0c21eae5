package phases

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/plan"
	"kubeup.dev/kubeup/internal/spec"
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

// testRun returns a Run for the example spec (node1 control plane, etcd and
// worker; node2 and node3 workers) with fake hosts and a small artifact set.
func testRun(t *testing.T) (*Run, map[string]*host.Fake) {
	t.Helper()
	c, err := spec.Parse(spec.Example())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pc, err := plan.ForCluster(dir, c, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), nil)
	if err != nil {
		t.Fatal(err)
	}
	r := NewRun(c, dir, pc, nil)
	r.Artifacts, r.ArtifactsDir = testArtifacts(t)
	fakes := map[string]*host.Fake{}
	for _, h := range c.Spec.Hosts {
		f := withFS(host.NewFake(h.Name))
		fakes[h.Name] = f
		r.SetHost(h.Name, f)
	}
	return r, fakes
}

// testArtifacts writes fake binaries: the Kubernetes commands share one
// content, like the multi-call binary.
func testArtifacts(t *testing.T) (*manifest.Manifest, string) {
	t.Helper()
	dir := t.TempDir()
	m := &manifest.Manifest{KubernetesVersion: "v1.34.4", Arch: "amd64"}
	add := func(name, content string) {
		p := filepath.Join(dir, "bin", filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(content))
		m.Artifacts = append(m.Artifacts, manifest.Artifact{Name: name, Kind: manifest.KindBinary, Version: "v1",
			Path: "bin/" + name, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(content))})
	}
	for _, n := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy", "kubectl"} {
		add(n, "multi-call kubernetes")
	}
	for _, n := range []string{"etcd", "etcdctl", "flanneld", "cni/flannel"} {
		add(n, "binary "+n)
	}
	return m, dir
}

// runPhases runs the named phases of Apply with the real runner.
func runPhases(t *testing.T, r *Run, dryRun bool, names ...string) (*phase.Report, error) {
	t.Helper()
	var ps []phase.Phase[*Run]
	for _, p := range Apply() {
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
func onUnits(r *Run, f *host.Fake, states map[string]string, stale ...string) *host.Fake {
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
			stamp := r.unitStamp(f.Name(), u)
			if slices.Contains(stale, u) {
				stamp = staleStamp
			}
			fmt.Fprintf(&out, "%s %s stamp=%s\n", u, st, stamp)
		}
		return host.Reply{Stdout: out.String()}
	})
}

// onUnit is onUnits for one unit.
func onUnit(r *Run, f *host.Fake, unit, state string, stale bool) *host.Fake {
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

// commandsLike returns f's commands that match pattern.
func commandsLike(f *host.Fake, pattern string) []string {
	re := regexp.MustCompile(pattern)
	var out []string
	for _, c := range f.Commands() {
		if re.MatchString(c) {
			out = append(out, c)
		}
	}
	return out
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
func shortWaits(r *Run, d time.Duration) { r.Waits = Waits{Etcd: d, ControlPlane: d, Nodes: d} }

// onlyHost leaves name the only connected host, for phases that run on
// all.
func onlyHost(r *Run, name string) {
	for n := range r.hosts {
		if n != name {
			delete(r.hosts, n)
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
