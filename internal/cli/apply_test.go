package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/phase"
)

// tree maps every path below dir to its content's sha256 (directories to
// "dir").
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			out[rel] = "dir"
			return nil
		}
		b, err := os.ReadFile(p)
		sum := sha256.Sum256(b)
		out[rel] = hex.EncodeToString(sum[:])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameTree(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	for p, sum := range after {
		if before[p] != sum {
			t.Errorf("%s: %s was created or changed", what, p)
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			t.Errorf("%s: %s was removed", what, p)
		}
	}
}

// dryRun runs apply --dry-run with an empty artifact cache and a
// temporary directory of its own; the example's hosts do not answer, so
// it fails at connect, after everything it does locally.
func dryRun(t *testing.T, specPath string, args ...string) (stdout, stderr, tmp, cacheDir string) {
	t.Helper()
	tmp, cacheDir = t.TempDir(), filepath.Join(t.TempDir(), "cache")
	t.Setenv("TMPDIR", tmp)
	args = append([]string{"apply", "-f", specPath, "--dry-run", "--cache", cacheDir, "--ssh-timeout", "1s"}, args...)
	code, stdout, stderr := runCLI(t, args...)
	if code != ExitFailure || !strings.Contains(stderr, "connect") {
		t.Fatalf("dry run: exit %d, want %d failing at connect:\n%s", code, ExitFailure, stderr)
	}
	return stdout, stderr, tmp, cacheDir
}

// TestApplyDryRunWritesNothing: a dry run of a new cluster creates no
// state directory, journal or debug log beside the spec, builds nothing
// into the cache, and says what it would create and build; -o json keeps
// stdout JSON lines only. With the state in place, it leaves it as it was
// and has nothing to create.
func TestApplyDryRunWritesNothing(t *testing.T) {
	specPath := planTestSpec(t)
	specDir := filepath.Dir(specPath)
	before := tree(t, specDir)
	stdout, stderr, tmp, cacheDir := dryRun(t, specPath, "-o", "json")
	sameTree(t, "spec directory", before, tree(t, specDir))
	if _, err := os.Stat(cacheDir); !os.IsNotExist(err) {
		t.Errorf("the dry run created the artifact cache: %v", err)
	}
	var reports []string
	for i, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var e phase.Event
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Errorf("stdout line %d is not JSON: %q", i+1, l)
		}
		if e.Kind == phase.KindReport {
			reports = append(reports, e.Message)
		}
	}
	got := strings.Join(reports, "\n")
	for _, want := range []string{
		"dry run: would create " + filepath.Join(specDir, ".kubeup", "demo", "secrets.yaml"),
		"certificates and keys in " + filepath.Join(specDir, ".kubeup", "demo", "pki") + ": ca, ",
		"dry run: would build kubernetes v1.37.2 (amd64): not in the cache",
		"dry run: would build etcd ",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("dry run reports lack %q:\n%s", want, got)
		}
	}
	// Only the debug log is left, in the temporary directory.
	left, _ := os.ReadDir(tmp)
	if len(left) != 1 || !strings.HasPrefix(left[0].Name(), "kubeup-apply-dry-run-") ||
		!strings.Contains(stderr, "debug log: "+filepath.Join(tmp, left[0].Name())) {
		t.Errorf("temporary directory holds %v, want the debug log the output names:\n%s", left, stderr)
	}

	// An existing state is used read-only: nothing to create, nothing changed.
	if code, _, stderr := runCLI(t, "plan", "-f", specPath, "--out", filepath.Join(t.TempDir(), "out")); code != 0 {
		t.Fatalf("plan: %s", stderr)
	}
	before = tree(t, specDir)
	stdout, _, _, _ = dryRun(t, specPath)
	sameTree(t, "state directory", before, tree(t, specDir))
	if strings.Contains(stdout, "would create") || !strings.Contains(stdout, "dry run: would build kubernetes v1.37.2") {
		t.Errorf("dry run with the state in place:\n%s", stdout)
	}
}
