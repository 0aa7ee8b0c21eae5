package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/spec"
)

func TestInitWritesAValidSpec(t *testing.T) {
	fakeHome(t)
	path := filepath.Join(t.TempDir(), "cluster.yaml")
	code, out, errOut := runCLI(t, "init", "-f", path)
	if code != ExitOK || !strings.HasPrefix(out, "wrote "+path) {
		t.Fatalf("init: exit %d\n%s%s", code, out, errOut)
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != string(spec.Example()) {
		t.Fatalf("written spec differs from spec.Example() (%v)", err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}
	code, out, errOut = runCLI(t, "validate", "-f", path)
	if code != ExitOK || strings.Contains(out, "warning") {
		t.Errorf("validate the example: exit %d\n%s%s", code, out, errOut)
	}
}

// TestInitExampleValidatesWithoutKeys: on a machine with no ~/.ssh at all
// the example still validates: kubeup tries ssh-agent and the default
// identities when it connects, as OpenSSH does.
func TestInitExampleValidatesWithoutKeys(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	path := filepath.Join(t.TempDir(), "cluster.yaml")
	if code, out, errOut := runCLI(t, "init", "-f", path); code != ExitOK {
		t.Fatalf("init: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut := runCLI(t, "validate", "-f", path)
	if code != ExitOK || strings.Contains(out, "warning") {
		t.Errorf("validate the example without ~/.ssh: exit %d\n%s%s", code, out, errOut)
	}
}

func TestInitToStdout(t *testing.T) {
	code, out, _ := runCLI(t, "init")
	if code != ExitOK || out != string(spec.Example()) {
		t.Errorf("exit %d, stdout is not the example:\n%s", code, out)
	}
}

func TestInitRefusesToOverwrite(t *testing.T) {
	path := writeSpecFile(t, "mine\n")
	code, _, errOut := runCLI(t, "init", "-f", path)
	if code != ExitFailure || !strings.Contains(errOut, "already exists: pass --force to overwrite it") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if b, _ := os.ReadFile(path); string(b) != "mine\n" {
		t.Errorf("file was changed to:\n%s", b)
	}
	if code, _, errOut := runCLI(t, "init", "-f", path, "--force"); code != ExitOK {
		t.Fatalf("--force: exit %d, %s", code, errOut)
	}
	if b, _ := os.ReadFile(path); string(b) != string(spec.Example()) {
		t.Errorf("--force did not write the example")
	}
}

func TestInitUsage(t *testing.T) {
	if code, _, _ := runCLI(t, "init", "extra"); code != ExitUsage {
		t.Errorf("exit %d, want %d", code, ExitUsage)
	}
}
