package apply

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/remoteops/remoteopstest"
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
		etcd := r.SpecHost(name).HasRole(spec.RoleEtcd)
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

// TestKernelSetup: the kernel phase loads the modules and applies the
// sysctl file when a setting is not in effect or either file changed this
// run, then checks again; an unchanged host gets no change, a setting that
// does not take is named, and a dry run runs nothing.
func TestKernelSetup(t *testing.T) {
	const apply = "load kernel modules and apply " + layout.SysctlConfig
	for _, tc := range []struct {
		name          string
		before, after string // the keys not in effect before and after applying
		changed       string // a file written this run
		applyFails    bool
		dryRun        bool
		changes       int
		applies       int // apply commands run
		checks        int // checks run
		err           []string
	}{
		{name: "in effect", checks: 1},
		{name: "not in effect", before: "net.ipv4.ip_forward\n", changes: 1, applies: 1, checks: 2},
		{name: "sysctl file changed", changed: layout.SysctlConfig, changes: 1, applies: 1, checks: 2},
		{name: "modules file changed", changed: layout.ModulesLoadConfig, changes: 1, applies: 1, checks: 2},
		{name: "does not take", before: "net.bridge.bridge-nf-call-iptables\n", after: "net.bridge.bridge-nf-call-iptables\n",
			changes: 1, applies: 1, checks: 2, err: []string{"phase kernel on node2", "net.bridge.bridge-nf-call-iptables not as " + layout.SysctlConfig + " sets", "modprobe br_netfilter"}},
		{name: "apply fails", before: "net.ipv4.ip_forward\n", applyFails: true, changes: 1, applies: 1, checks: 1,
			err: []string{"phase kernel on node2", apply, "sysctl: permission denied"}},
		{name: "dry run", before: "net.ipv4.ip_forward\n", dryRun: true, changes: 1, checks: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, fakes := testRun(t)
			onlyNode2(r)
			f := fakes["node2"]
			applied := false
			f.OnFunc(`sysctl -n `, func(string, []byte) host.Reply {
				if applied {
					return host.Reply{Stdout: tc.after}
				}
				return host.Reply{Stdout: tc.before}
			})
			f.OnFunc(`^for m in \$\(grep -v '\^#' `+layout.ModulesLoadConfig+`\); do modprobe \$m 2>/dev/null \|\| true; done; sysctl -q -p `+layout.SysctlConfig+`$`,
				func(string, []byte) host.Reply {
					if tc.applyFails {
						return host.Reply{Code: 255, Stderr: "sysctl: permission denied on key \"net.ipv4.ip_forward\""}
					}
					applied = true
					return host.Reply{}
				})
			if tc.changed != "" {
				r.MarkChanged("node2", tc.changed)
			}
			rep, err := runPhases(t, r, tc.dryRun, "kernel")
			wantErr(t, err, tc.err...)
			if got := changeList(rep); len(got) != tc.changes || tc.changes == 1 && got[0] != "kernel: "+apply {
				t.Errorf("changes %q, want %d", got, tc.changes)
			}
			checks, applies := remoteopstest.CommandsLike(f, `sysctl -n `), remoteopstest.CommandsLike(f, `^for m in `)
			if len(checks) == 0 || !strings.Contains(checks[0], "net.bridge.bridge-nf-call-iptables") {
				t.Errorf("the check %q does not read the rendered settings", checks)
			}
			if len(applies) != tc.applies || len(checks) != tc.checks {
				t.Errorf("applied %d times and checked %d times, want %d and %d", len(applies), len(checks), tc.applies, tc.checks)
			}
		})
	}
}

// TestSetupOS: the os phase creates the directories only when one is
// missing, the etcd user only on an etcd host without it, and in a sandbox
// /dev/kmsg and the kubelet's own cgroup root (with the cgroupfs driver)
// only when missing; an unchanged host gets no change, a dry run runs
// nothing, a failure names the host and what failed.
func TestSetupOS(t *testing.T) {
	const mkdir = "mkdir -p /var/lib/kubelet /var/log/kubernetes /etc/cni/net.d /opt/cni/bin " + layout.ImagesDir
	type state struct{ dirsMissing, userMissing, kmsgMissing, cgroupMissing, mkdirFails bool }
	for _, tc := range []struct {
		name    string
		host    string
		state   state
		sandbox *spec.SandboxHosts
		driver  string
		dryRun  bool
		changes []string
		ran     []string // patterns of the commands that change the host, in order
		err     []string
	}{
		{name: "unchanged worker", host: "node2"},
		{name: "unchanged etcd host", host: "node1"},
		{name: "directories missing", host: "node2", state: state{dirsMissing: true},
			changes: []string{"create " + strings.TrimPrefix(mkdir, "mkdir -p ")}, ran: []string{"^" + regexp.QuoteMeta(mkdir) + "$"}},
		{name: "dry run", host: "node1", state: state{dirsMissing: true, userMissing: true}, dryRun: true,
			changes: []string{"create " + strings.TrimPrefix(mkdir, "mkdir -p "), "create system user etcd"}},
		{name: "sandbox, cgroupfs", host: "node2", state: state{kmsgMissing: true, cgroupMissing: true},
			sandbox: &spec.SandboxHosts{CreateKmsg: true, PerNodeCgroupRoot: true}, driver: "cgroupfs",
			changes: []string{"create /dev/kmsg (sandbox)", "create cgroup root /kubeup-node2 (sandbox)"},
			ran:     []string{`^mknod /dev/kmsg c 1 11$`, `mkdir -p "\$\{d\}kubeup-node2"`}},
		{name: "sandbox, all present", host: "node2", sandbox: &spec.SandboxHosts{CreateKmsg: true, PerNodeCgroupRoot: true}, driver: "cgroupfs"},
		{name: "sandbox, systemd driver", host: "node2", state: state{cgroupMissing: true},
			sandbox: &spec.SandboxHosts{PerNodeCgroupRoot: true}, driver: "systemd"},
		{name: "mkdir fails", host: "node2", state: state{dirsMissing: true, mkdirFails: true},
			changes: []string{"create " + strings.TrimPrefix(mkdir, "mkdir -p ")}, ran: []string{"^mkdir -p "},
			err: []string{"phase os on node2", "create /var/lib/kubelet", "No space left on device"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, fakes := testRun(t)
			onlyHost(r, tc.host)
			r.Cluster.Spec.Sandbox = tc.sandbox
			if tc.driver != "" {
				r.Cluster.Spec.Kubelet.CgroupDriver = tc.driver
			}
			code := func(missing bool) int {
				if missing {
					return 1
				}
				return 0
			}
			f := fakes[tc.host]
			if tc.state.dirsMissing {
				f.On(`^for d in /`, host.Reply{Stdout: "missing\nmissing\n"})
			} else {
				f.On(`^for d in /`, host.Reply{})
			}
			f.On(`^mkdir -p /`, host.Reply{Code: code(tc.state.mkdirFails), Stderr: "mkdir: cannot create directory '/var/lib/kubelet': No space left on device"})
			f.On(`^id -u etcd `, host.Reply{Code: code(tc.state.userMissing)}).On(`^useradd `, host.Reply{})
			f.On(`^\[ -e /dev/kmsg \]$`, host.Reply{Code: code(tc.state.kmsgMissing)}).On(`^mknod `, host.Reply{})
			f.On(`^\[ -d /sys/fs/cgroup/memory/kubeup-`, host.Reply{Code: code(tc.state.cgroupMissing)}).On(`^for d in \$\(awk `, host.Reply{})
			rep, err := runPhases(t, r, tc.dryRun, "os")
			wantErr(t, err, tc.err...)
			checkChanges(t, rep, "os", tc.changes)
			ran := remoteopstest.CommandsLike(f, `^(mkdir|useradd|mknod|for d in \$\(awk)`)
			if len(ran) != len(tc.ran) {
				t.Fatalf("ran %q, want %q", ran, tc.ran)
			}
			for i, p := range tc.ran {
				if !regexp.MustCompile(p).MatchString(ran[i]) {
					t.Errorf("ran %q, want a match of %q", ran[i], p)
				}
			}
		})
	}
}
