package journal

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/phase"
)

type env struct{ hosts []host.Host }

// runPhases runs three phases on two fake hosts through a real phase
// runner into a journal in dir; failOn names "phase/host" that fails.
func runPhases(t *testing.T, dir, command, failOn string, dryRun bool) {
	t.Helper()
	w, err := Open(dir, command)
	if err != nil {
		t.Fatal(err)
	}
	all := func(e env) []host.Host { return e.hosts }
	step := func(name string) func(context.Context, env, *phase.Step) error {
		return func(_ context.Context, _ env, s *phase.Step) error {
			if failOn == name+"/"+s.HostName() {
				return errors.New("unit did not start")
			}
			return s.Wet("write /etc/"+name, func(host.Host) error { return nil })
		}
	}
	r, err := phase.New(phase.Options{Sink: w, DryRun: dryRun},
		phase.Phase[env]{Name: "files", Hosts: all, Run: step("files")},
		phase.Phase[env]{Name: "etcd", Hosts: all, Run: step("etcd")},
		phase.Phase[env]{Name: "kubelet", Hosts: all, Run: step("kubelet")})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = r.Run(context.Background(), env{hosts: []host.Host{host.NewFake("node1"), host.NewFake("node2")}})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestLastRunAfterAFailure(t *testing.T) {
	dir := t.TempDir()
	runPhases(t, dir, "apply", "etcd/node2", false)
	last, err := Last(dir, "apply")
	if err != nil || last == nil {
		t.Fatalf("Last: %v, %v", last, err)
	}
	if last.Converged() || last.FailedPhase != "etcd" || last.FailedHost != "node2" || !strings.Contains(last.Error, "unit did not start") {
		t.Errorf("failed run read as %+v", last)
	}
	if got := strings.Join(last.Done["node2"], ","); got != "files" {
		t.Errorf("node2 completed %q, want files", got)
	}
	if got := strings.Join(last.Done["node1"], ","); got != "files,etcd" {
		t.Errorf("node1 completed %q, want files,etcd", got)
	}
	if s := last.Summary(); !strings.Contains(s, "failed in phase etcd on node2") || !strings.Contains(s, "1 phases completed (last: files)") {
		t.Errorf("summary %q", s)
	}
	st, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("journal mode: %v %v", st, err)
	}
}

func TestLastRunConvergedAfterResume(t *testing.T) {
	dir := t.TempDir()
	runPhases(t, dir, "apply", "kubelet/node1", false)
	runPhases(t, dir, "apply", "", false)
	runPhases(t, dir, "reset", "files/node1", false)
	runPhases(t, dir, "apply", "", true) // a dry run completes nothing
	last, err := Last(dir, "apply")
	if err != nil || last == nil {
		t.Fatalf("Last: %v, %v", last, err)
	}
	if !last.Converged() || last.Summary() != "" || last.Changes != 6 || len(last.Phases) != 3 {
		t.Errorf("converged run read as %+v", last)
	}
	if o := last.Outcome(); !strings.HasPrefix(o, "the apply of ") || !strings.HasSuffix(o, " converged (6 changes)") {
		t.Errorf("outcome %q", o)
	}
	reset, _ := Last(dir, "reset")
	if reset == nil || reset.Converged() || reset.FailedHost != "node1" {
		t.Errorf("reset run read as %+v", reset)
	}
}

func TestLastRunKilledAndTruncated(t *testing.T) {
	dir := t.TempDir()
	runPhases(t, dir, "apply", "", false)
	b, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	// the same run again, killed after its second phase, mid-line
	lines := strings.SplitAfter(string(b), "\n")
	var cut []string
	phases := 0
	for _, l := range lines {
		cut = append(cut, l)
		if strings.Contains(l, `"phase_end"`) {
			if phases++; phases == 2 {
				break
			}
		}
	}
	data := string(b) + strings.Join(cut, "") + `{"time":"2026-`
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	last, err := Last(dir, "apply")
	if err != nil || last == nil {
		t.Fatalf("Last: %v, %v", last, err)
	}
	if last.Ended || last.Converged() || len(last.Phases) != 2 {
		t.Errorf("killed run read as %+v", last)
	}
	if s := last.Summary(); !strings.Contains(s, "did not finish") || !strings.Contains(s, "last: etcd") {
		t.Errorf("summary %q", s)
	}
}

func TestNoJournal(t *testing.T) {
	last, err := Last(t.TempDir(), "apply")
	if last != nil || err != nil {
		t.Errorf("Last of an empty directory: %v, %v", last, err)
	}
}

func TestRotation(t *testing.T) {
	dir := t.TempDir()
	big := strings.Repeat("x", maxSize+1)
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(big), 0o600); err != nil {
		t.Fatal(err)
	}
	runPhases(t, dir, "apply", "", false)
	if st, err := os.Stat(filepath.Join(dir, "journal.1.jsonl")); err != nil || st.Size() != int64(len(big)) {
		t.Errorf("old journal not rotated: %v", err)
	}
	if last, _ := Last(dir, "apply"); last == nil || !last.Converged() {
		t.Errorf("the new journal does not hold the run: %+v", last)
	}
}

func TestLastRunInterrupted(t *testing.T) {
	dir := t.TempDir()
	w, err := Open(dir, "apply")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	all := func(e env) []host.Host { return e.hosts }
	r, err := phase.New(phase.Options{Sink: w},
		phase.Phase[env]{Name: "files", Hosts: all, Run: func(context.Context, env, *phase.Step) error { return nil }},
		phase.Phase[env]{Name: "kubelet", Hosts: all, Run: func(ctx context.Context, _ env, _ *phase.Step) error {
			cancel() // Ctrl-C while the phase works
			<-ctx.Done()
			return ctx.Err()
		}})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = r.Run(ctx, env{hosts: []host.Host{host.NewFake("node1")}})
	w.Close()
	last, err := Last(dir, "apply")
	if err != nil || last == nil {
		t.Fatalf("Last: %v, %v", last, err)
	}
	if s := last.Summary(); !strings.Contains(s, "was interrupted in phase kubelet") || !strings.Contains(s, "(last: files)") {
		t.Errorf("summary %q", s)
	}
}
