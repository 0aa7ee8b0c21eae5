package cli

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/spec"
)

func TestResetRefusesWithoutTerminalOrYes(t *testing.T) {
	specPath := planTestSpec(t)
	code, _, stderr := runCLI(t, "reset", "-f", specPath)
	if code != ExitUsage || !strings.Contains(stderr, "pass --yes") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

func TestResetChecksFlagsBeforeTouchingHosts(t *testing.T) {
	specPath := planTestSpec(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--host", "node9"}, "no such host in the spec: choose from node1, node2, node3"},
		{[]string{"--host", "node1"}, "only workers can be reset on their own"},
		{[]string{"-o", "yaml"}, "use text or json"},
	} {
		args := append([]string{"reset", "-f", specPath, "--yes"}, tc.args...)
		code, _, stderr := runCLI(t, args...)
		if code != ExitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, want %d and %q: %s", tc.args, code, ExitUsage, tc.want, stderr)
		}
	}
}

func TestResetConfirmation(t *testing.T) {
	c, err := spec.Parse(spec.Example())
	if err != nil {
		t.Fatal(err)
	}
	terminal := func(io.Reader) bool { return true }
	for _, tc := range []struct {
		answer string
		sel    []string
		ok     bool
		prompt string
	}{
		{answer: "yes\n", ok: true, prompt: "every host of cluster demo"},
		{answer: "y\n", ok: false},
		{answer: "", ok: false},
		{answer: "yes\n", sel: []string{"node2"}, ok: true, prompt: "node2 (drained and deleted from cluster demo first)"},
	} {
		var errOut bytes.Buffer
		app := &App{In: strings.NewReader(tc.answer), Out: io.Discard, Err: &errOut}
		o := &resetOptions{isTerminal: terminal}
		err := o.confirm(app, c, tc.sel)
		if (err == nil) != tc.ok {
			t.Errorf("answer %q: err %v", tc.answer, err)
		}
		if err != nil && !strings.Contains(err.Error(), "nothing was changed") {
			t.Errorf("answer %q: error %v does not say nothing changed", tc.answer, err)
		}
		if !strings.Contains(errOut.String(), "Type yes to continue") || !strings.Contains(errOut.String(), tc.prompt) {
			t.Errorf("prompt %q lacks %q", errOut.String(), tc.prompt)
		}
	}
	o := &resetOptions{isTerminal: terminal, dryRun: true}
	if err := o.confirm(&App{In: strings.NewReader("")}, c, nil); err != nil {
		t.Errorf("a dry run asked for confirmation: %v", err)
	}
}

func TestResetJournalSaysWhereTheLastRunStopped(t *testing.T) {
	specPath := planTestSpec(t)
	args := []string{"reset", "-f", specPath, "--yes", "--ssh-timeout", "1s"}
	code, _, stderr := runCLI(t, args...)
	if code != ExitFailure || strings.Contains(stderr, "resuming") {
		t.Fatalf("first reset: exit %d: %s", code, stderr)
	}
	_, _, stderr = runCLI(t, args...)
	if !strings.Contains(stderr, "resuming: the reset of ") || !strings.Contains(stderr, "failed in phase connect") {
		t.Errorf("second reset does not say where the first stopped:\n%s", stderr)
	}
}

func TestDevNullIsNoTerminal(t *testing.T) {
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if readerIsTerminal(f) {
		t.Error("/dev/null counts as a terminal: reset would ask it for confirmation")
	}
}

// TestResetDryRunWritesNothing: a dry run keeps no journal or debug log
// beside the spec.
func TestResetDryRunWritesNothing(t *testing.T) {
	specPath := planTestSpec(t)
	t.Setenv("TMPDIR", t.TempDir())
	before := tree(t, filepath.Dir(specPath))
	code, _, stderr := runCLI(t, "reset", "-f", specPath, "--dry-run", "--ssh-timeout", "1s", "--accept-new-host-keys")
	if code != ExitFailure {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	sameTree(t, "spec directory", before, tree(t, filepath.Dir(specPath)))
}
