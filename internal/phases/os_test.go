package phases

import (
	"os/exec"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/spec"
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

// TestOSCreatesEtcdUser: the os phase creates the etcd user on the etcd
// host that lacks it and records that kubeup made it; a host where the
// user exists, and a worker, are left alone.
func TestOSCreatesEtcdUser(t *testing.T) {
	r, fakes := testRun(t)
	for _, f := range fakes {
		f.On(`^for d in `, host.Reply{}).On(`^mkdir -p `, host.Reply{}).On(`^useradd `, host.Reply{})
		f.On(`^id -u etcd `, host.Reply{Code: 1})
	}
	if _, err := runPhases(t, r, false, "os"); err != nil {
		t.Fatal(err)
	}
	for name, f := range fakes {
		var created string
		for _, c := range f.Commands() {
			if strings.HasPrefix(c, "useradd ") {
				created = c
			}
		}
		etcd := r.specHost(name).HasRole(spec.RoleEtcd)
		if (created != "") != etcd {
			t.Errorf("%s: useradd run = %v, want %v", name, created != "", etcd)
		}
		if etcd && (!strings.Contains(created, "--system") || !strings.Contains(created, ">> "+layout.CreatedUsers)) {
			t.Errorf("%s: the etcd user is not a system user recorded in %s: %s", name, layout.CreatedUsers, created)
		}
	}

	r, fakes = testRun(t)
	for _, f := range fakes {
		f.On(`^for d in `, host.Reply{}).On(`^id -u etcd `, host.Reply{Stdout: "998\n"})
	}
	if _, err := runPhases(t, r, false, "os"); err != nil {
		t.Fatalf("an existing etcd user: %v", err)
	}
}
