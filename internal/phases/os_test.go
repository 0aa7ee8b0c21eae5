package phases

import (
	"os/exec"
	"strings"
	"testing"
)

// TestSysctlMismatches runs the check on this machine's kernel: a setting
// as it is now passes, one that differs is named, comments are skipped.
func TestSysctlMismatches(t *testing.T) {
	if _, err := exec.LookPath("sysctl"); err != nil {
		t.Skip("no sysctl")
	}
	cur, err := exec.Command("sysctl", "-n", "kernel.pid_max").Output()
	if err != nil {
		t.Skip("cannot read kernel.pid_max:", err)
	}
	conf := "# comment = 1\n; other = 2\nkernel.pid_max = " + strings.TrimSpace(string(cur)) + "\nkernel.pid_max=1\n\n"
	out, err := exec.Command("sh", "-c", sysctlMismatches([]byte(conf))).Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Fields(string(out)); len(got) != 1 || got[0] != "kernel.pid_max" {
		t.Errorf("mismatches = %q, want the one differing kernel.pid_max", got)
	}
	if got := sysctlMismatches(nil); got != "true" {
		t.Errorf("an empty file checks %q, want true", got)
	}
}
