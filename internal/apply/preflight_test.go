package apply

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/remoteops/remoteopstest"
	"kubeup.dev/kubeup/internal/spec"
)

// preflightRun runs facts and preflight with per-host fact output.
func preflightRun(t *testing.T, ignore []string, facts map[string]string) error {
	t.Helper()
	return preflightRunIn(t, spec.ModeSystemd, ignore, facts)
}

// preflightRunIn is preflightRun in control-plane mode mode.
func preflightRunIn(t *testing.T, mode string, ignore []string, facts map[string]string) error {
	t.Helper()
	r, fakes := testRun(t)
	r.Cluster.Spec.ControlPlane.Mode = mode
	r.IgnorePreflight = ignore
	for name, f := range fakes {
		out, ok := facts[name]
		if !ok {
			out = strings.Replace(remoteopstest.GoodFacts, "HOST", name, 1)
		}
		f.OnFunc(`^\. /etc/os-release`, func(string, []byte) host.Reply {
			return host.Reply{Stdout: out + "time=" + nowStamp() + "\n"}
		})
	}
	_, err := runPhases(t, r, false, "facts", "preflight")
	return err
}

func nowStamp() string { return fmtFloat(float64(time.Now().UnixNano()) / 1e9) }

func TestPreflightPassesOnGoodHosts(t *testing.T) {
	if err := preflightRun(t, nil, nil); err != nil {
		t.Fatal(err)
	}
}

func TestPreflightFindings(t *testing.T) {
	cases := []struct {
		name  string
		host  string
		edit  func(string) string
		check string
		fix   string
	}{
		{"port in use", "node1", func(s string) string {
			return s + `listen=0.0.0.0:6443 users:(("nginx",pid=5,fd=3))` + "\n"
		}, "Port-6443", "stop it or move it"},
		{"swap", "node2", func(s string) string { return strings.Replace(s, "swaps=0", "swaps=1", 1) }, "Swap", "swapoff -a"},
		{"missing command", "node3", func(s string) string { return strings.Replace(s, "cmd=ctr\n", "", 1) }, "Commands", "missing ctr"},
		{"kernel module", "node2", func(s string) string { return strings.Replace(s, "mod=br_netfilter\n", "", 1) }, "KernelModules", "br_netfilter"},
		{"not root", "node2", func(s string) string { return strings.Replace(s, "euid=0", "euid=1000", 1) }, "Privileges", "password-less sudo"},
		{"no systemd", "node3", func(s string) string {
			return strings.Replace(s, "systemd=systemd 252 (252.38-1~deb12u1)", "systemd=", 1)
		}, "Systemd", "systemd unit"},
		{"systemd without LoadCredential on etcd", "node1", func(s string) string {
			return strings.Replace(s, "systemd=systemd 252 (252.38-1~deb12u1)", "systemd=systemd 245 (245.4-4ubuntu3)", 1)
		}, "Systemd", "LoadCredential="},
		{"foreign etcd data", "node1", func(s string) string { return strings.Replace(s, "etcddata=", "etcddata=member", 1) }, "EtcdDataDir", "kubeup reset"},
		{"other cluster", "node3", func(s string) string { return strings.Replace(s, "mark=", "mark=prod", 1) }, "Cluster", `cluster "prod"`},
		{"cni plugins", "node3", func(s string) string { return strings.Replace(s, "cni=bridge ", "cni=", 1) }, "CNIPlugins", "containernetworking-plugins"},
		{"skipped minor", "node2", func(s string) string { return s + "kubelet=Kubernetes v1.35.4\n" }, "VersionSkew", "skips 1.36"},
		{"duplicate hostname", "node3", func(s string) string { return strings.Replace(s, "hostname=node3", "hostname=node2", 1) }, "Hostname", "hostnamectl"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			facts := map[string]string{c.host: c.edit(strings.Replace(remoteopstest.GoodFacts, "HOST", c.host, 1))}
			err := preflightRun(t, nil, facts)
			var pe *PreflightError
			if !errors.As(err, &pe) {
				t.Fatalf("want a PreflightError, got %v", err)
			}
			msg := err.Error()
			for _, want := range []string{"phase preflight", c.host, "[" + c.check + "]", c.fix, "--ignore-preflight-errors=" + c.check} {
				if !strings.Contains(msg, want) {
					t.Errorf("error lacks %q:\n%s", want, msg)
				}
			}
			if err := preflightRun(t, []string{c.check}, facts); err != nil {
				t.Errorf("ignoring %s still fails: %v", c.check, err)
			}
		})
	}
}

func TestPreflightClockSkew(t *testing.T) {
	r, fakes := testRun(t)
	for name, f := range fakes {
		out := strings.Replace(remoteopstest.GoodFacts, "HOST", name, 1)
		skewed := name == "node2"
		f.OnFunc(`^\. /etc/os-release`, func(string, []byte) host.Reply {
			ts := float64(time.Now().UnixNano()) / 1e9
			if skewed {
				ts += 60
			}
			return host.Reply{Stdout: out + "time=" + fmtFloat(ts) + "\n"}
		})
	}
	_, err := runPhases(t, r, false, "facts", "preflight")
	if err == nil || !strings.Contains(err.Error(), "[ClockSkew]") || !strings.Contains(err.Error(), "node2") || !strings.Contains(err.Error(), "NTP") {
		t.Fatalf("want a clock skew error on node2, got %v", err)
	}
	r.IgnorePreflight = []string{"all"}
	if _, err := runPhases(t, r, false, "preflight"); err != nil {
		t.Fatalf("--ignore-preflight-errors=all still fails: %v", err)
	}
	if w := r.Warnings(); len(w) == 0 || !strings.Contains(strings.Join(w, "\n"), "ClockSkew") {
		t.Errorf("ignored error not kept as a warning: %v", w)
	}
}

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'f', 6, 64) }

// TestPreflightOldSystemdWorker: a worker runs no etcd, so systemd older
// than LoadCredential= is fine there.
func TestPreflightOldSystemdWorker(t *testing.T) {
	old := strings.Replace(strings.Replace(remoteopstest.GoodFacts, "HOST", "node2", 1), "systemd=systemd 252 (252.38-1~deb12u1)", "systemd=systemd 245 (245.4-4ubuntu3)", 1)
	if err := preflightRun(t, nil, map[string]string{"node2": old}); err != nil {
		t.Errorf("systemd 245 on a worker: %v", err)
	}
}

// TestPreflightMergedUsr: a host whose /lib and /bin are not links into
// /usr fails in static-pods mode only (its pods run the host's iptables
// from /usr), naming the directories and both ways out.
func TestPreflightMergedUsr(t *testing.T) {
	facts := map[string]string{"node2": strings.Replace(remoteopstest.GoodFacts, "HOST", "node2", 1) + "splitusr=/bin /lib\n"}
	if err := preflightRunIn(t, spec.ModeSystemd, nil, facts); err != nil {
		t.Errorf("systemd mode: %v", err)
	}
	err := preflightRunIn(t, spec.ModeStaticPods, nil, facts)
	if err == nil || !strings.Contains(err.Error(), "[MergedUsr]") || !strings.Contains(err.Error(), "/bin, /lib are not links into /usr") ||
		!strings.Contains(err.Error(), "spec.controlPlane.mode systemd") {
		t.Errorf("static-pods mode: %v", err)
	}
}

// TestPreflightCgroupV1: the kubelet of 1.35 and later refuses cgroup v1
// hosts, so preflight fails there naming the host and both ways out,
// unless spec.kubelet.allowCgroupV1 opts in; 1.34 (an upgrade source) is
// only warned about.
func TestPreflightCgroupV1(t *testing.T) {
	v1 := map[string]string{"node3": strings.Replace(strings.Replace(remoteopstest.GoodFacts, "HOST", "node3", 1), "cgroup=cgroup2fs", "cgroup=tmpfs", 1)}
	for _, tc := range []struct {
		version string
		allow   bool
		fails   bool
	}{{"v1.37.2", false, true}, {"v1.35.4", false, true}, {"v1.37.2", true, false}, {"v1.34.4", false, false}} {
		r, fakes := testRun(t)
		r.Cluster.Spec.KubernetesVersion, r.Cluster.Spec.Kubelet.AllowCgroupV1 = tc.version, tc.allow
		for name, f := range fakes {
			out, ok := v1[name]
			if !ok {
				out = strings.Replace(remoteopstest.GoodFacts, "HOST", name, 1)
			}
			f.OnFunc(`^\. /etc/os-release`, func(string, []byte) host.Reply { return host.Reply{Stdout: out + "time=" + nowStamp() + "\n"} })
		}
		_, err := runPhases(t, r, false, "facts", "preflight")
		if !tc.fails {
			if err != nil {
				t.Errorf("%s, allowCgroupV1 %v: %v", tc.version, tc.allow, err)
			}
			continue
		}
		for _, want := range []string{"node3", "[CgroupV1]", "kubelet of Kubernetes " + tc.version + " refuses", "systemd.unified_cgroup_hierarchy=1", "spec.kubelet.allowCgroupV1: true"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s on cgroup v1: error lacks %q: %v", tc.version, want, err)
			}
		}
	}
}
