package render

import (
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/hostfile"
)

// systemUnitsDir holds the distribution's units, which verify needs in its
// root (sysinit.target and the like).
const systemUnitsDir = "/lib/systemd/system"

// TestUnitsVerify runs systemd-analyze verify on every host's units in a
// private root with the system's units and placeholder binaries, and fails
// on any output: verify reports unknown keys only as warnings.
func TestUnitsVerify(t *testing.T) {
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	if _, err := os.Stat(systemUnitsDir); err != nil {
		t.Skipf("no %s: %v", systemUnitsDir, err)
	}
	for _, v := range variants {
		for host, files := range renderHosts(t, v) {
			t.Run(v+"/"+host, func(t *testing.T) {
				t.Parallel()
				if out, err := verifyUnits(t, units(files)); err != nil || out != "" {
					t.Errorf("systemd-analyze verify: %v\n%s", err, out)
				}
			})
		}
	}
}

// TestUnitsVerifyCatchesWarnings makes sure the harness above fails on a
// warning that leaves the exit code 0.
func TestUnitsVerifyCatchesWarnings(t *testing.T) {
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	bad := hostfile.File{Path: "/etc/systemd/system/bad.service",
		Content: []byte("[Service]\nExecStart=/usr/local/bin/bad\nRestartt=always\n")}
	out, err := verifyUnits(t, []hostfile.File{bad})
	if err != nil || !strings.Contains(out, "Unknown key") {
		t.Errorf("want an unknown-key warning and exit 0, got %v: %q", err, out)
	}
}

// verifyUnits returns systemd-analyze verify's output for units us.
func verifyUnits(t *testing.T, us []hostfile.File) (string, error) {
	t.Helper()
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "lib/systemd"), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-a", systemUnitsDir, filepath.Join(root, "lib/systemd")).CombinedOutput(); err != nil {
		t.Fatalf("copy system units: %v\n%s", err, out)
	}
	var args []string
	for _, u := range us {
		writeRootFile(t, root, u.Path, u.Content, 0o644)
		writeRootFile(t, root, execPath(t, u), []byte("#!/bin/sh\n"), 0o755)
		args = append(args, u.Path)
	}
	cmd := exec.Command("systemd-analyze", append([]string{"verify", "--root=" + root}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// execPath is the binary of the unit's ExecStart line.
func execPath(t *testing.T, u hostfile.File) string {
	t.Helper()
	for _, l := range strings.Split(string(u.Content), "\n") {
		if rest, ok := strings.CutPrefix(l, "ExecStart="); ok {
			return strings.Fields(rest)[0]
		}
	}
	t.Fatalf("%s has no ExecStart", u.Path)
	return ""
}

func writeRootFile(t *testing.T, root, p string, b []byte, mode os.FileMode) {
	t.Helper()
	full := filepath.Join(root, path.Clean(p))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, b, mode); err != nil {
		t.Fatal(err)
	}
}
