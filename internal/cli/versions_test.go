package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kubeup.dev/kubeup/internal/spec"
	"kubeup.dev/kubeup/internal/versions"
)

func TestVersionsTable(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	if err := writeVersions(&b, now, false); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 1+len(versions.Releases()) || !strings.HasPrefix(lines[0], "MINOR") {
		t.Fatalf("table:\n%s", b.String())
	}
	for i, want := range [][]string{
		{"1.37", "v1.37.2 (default)", "2027-10-28", "supported", "v3.7.0", "v1.14.6", "2.4.2", "v1.5.3", "v1.10.0"},
		{"1.35", "v1.35.4", "2027-02-28", "supported", "v3.6.6", "v1.13.1"},
		{"1.34", "v1.34.4", "2026-10-27", "end of life: upgrade source only"},
	} {
		line := lines[map[int]int{0: 1, 1: 3, 2: 4}[i]]
		for _, w := range want {
			if !strings.Contains(line, w) {
				t.Errorf("line %q lacks %q", line, w)
			}
		}
	}
	b.Reset()
	if err := writeVersions(&b, time.Date(2027, 1, 20, 0, 0, 0, 0, time.UTC), true); err != nil {
		t.Fatal(err)
	}
	var rows []versionRow
	if err := json.Unmarshal(b.Bytes(), &rows); err != nil || len(rows) != 4 {
		t.Fatalf("json %v: %s", err, b.String())
	}
	if rows[0].Patch != "v1.37.2" || !rows[0].Default || rows[2].Minor != 35 || rows[2].Status != "supported, end of life near" {
		t.Errorf("json rows %+v", rows)
	}
	if code, out, _ := runCLI(t, "versions", "--default"); code != ExitOK || out != versions.Default()+"\n" {
		t.Errorf("versions --default: exit %d %q", code, out)
	}
	if code, _, stderr := runCLI(t, "versions", "-o", "yaml"); code != ExitUsage || !strings.Contains(stderr, "use text or json") {
		t.Errorf("-o yaml: exit %d %s", code, stderr)
	}
}

// TestApplyRefusesVersionsOutOfSupport: apply and plan refuse a spec on a
// minor past its end of life before touching any host, naming the field,
// the window with its dates and the upgrade to make; the spec validates
// (status and reset of such a cluster still work).
func TestApplyRefusesVersionsOutOfSupport(t *testing.T) {
	fakeHome(t)
	doc := strings.Replace(string(spec.Example()), "kubernetesVersion: v1.37.2", "kubernetesVersion: v1.34.4", 1)
	specPath := writeSpecFile(t, doc)
	for _, args := range [][]string{
		{"apply", "-f", specPath, "--ssh-timeout", "1s"},
		{"plan", "-f", specPath, "--out", filepath.Join(t.TempDir(), "p")},
	} {
		code, _, stderr := runCLI(t, args...)
		for _, want := range []string{"spec.kubernetesVersion", "kubernetes 1.34 reached its end of life on 2026-10-27", "1.37 (until 2027-10-28)", "upgrades to v1.35.4"} {
			if code != ExitInvalid || !strings.Contains(stderr, want) {
				t.Errorf("%s: exit %d, stderr lacks %q:\n%s", args[0], code, want, stderr)
			}
		}
		if strings.Contains(stderr, "connect") {
			t.Errorf("%s touched a host:\n%s", args[0], stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(specPath), ".kubeup")); !os.IsNotExist(err) {
		t.Errorf("a refused apply made state: %v", err)
	}
	if code, _, stderr := runCLI(t, "validate", "-f", specPath); code != ExitOK {
		t.Errorf("validate of a 1.34 spec: exit %d %s", code, stderr)
	}
}
