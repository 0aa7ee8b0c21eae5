package remoteops

import (
	"bufio"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/phase"
)

// Facts is what kubeup learns about a host in one round trip.
type Facts struct {
	OS           string          // "debian 12"
	Arch         string          // uname -m
	Kernel       string          // uname -r
	CgroupFS     string          // cgroup2fs (v2) or tmpfs (v1)
	Systemd      string          // "systemd 252 (252.x)"
	Hostname     string          // hostname
	Addresses    []string        // CIDR forms from ip -o addr
	ClockSkew    time.Duration   // host clock minus local clock
	Swaps        int             // active swap devices
	Listeners    []Listener      // TCP listeners
	EtcdData     []string        // entries of /var/lib/etcd
	ClusterMark  string          // the cluster name kubeup recorded on the host, if any
	Commands     map[string]bool // required commands present
	Modules      map[string]bool // kernel feature present: loaded, built-in or loadable
	CNIPlugins   map[string]bool // files in /opt/cni/bin
	IPForward    string
	Containerd   string // systemctl is-active containerd
	EffectiveUID int
	// SplitUsr lists the directories of /bin, /sbin and /lib that are not
	// links into /usr (none on a merged-/usr system).
	SplitUsr []string
	// Kubelet is the version of the kubelet kubeup installed (v1.36.3),
	// empty when there is none: the Kubernetes version the host is on.
	Kubelet string
}

// Listener is a listening TCP socket and its process.
type Listener struct {
	Port    int
	Process string
}

// CgroupV2 reports whether the host runs the unified cgroup hierarchy.
func (f *Facts) CgroupV2() bool { return f.CgroupFS == "cgroup2fs" }

// Architecture maps uname -m to Go's architecture names.
func (f *Facts) Architecture() string {
	switch f.Arch {
	case "x86_64":
		return "amd64"
	case "aarch64":
		return "arm64"
	}
	return f.Arch
}

// RequiredCommands must exist on every host.
func RequiredCommands() []string {
	return []string{"systemctl", "iptables", "ip", "mount", "sha256sum", "nsenter", "ctr", "containerd", "tar"}
}

// OptionalCommands only warn when missing.
func OptionalCommands() []string { return []string{"conntrack", "socat", "ethtool", "ebtables"} }

// kernelFeatures are checked as loaded, built in, or loadable.
func kernelFeatures() []string { return []string{"overlay", "br_netfilter", "vxlan"} }

// factsScript prints key=value lines; it changes nothing.
func factsScript() string {
	var b strings.Builder
	b.WriteString(`. /etc/os-release 2>/dev/null; echo "os=$ID $VERSION_ID"
echo "arch=$(uname -m)"; echo "kernel=$(uname -r)"
echo "cgroup=$(stat -fc %T /sys/fs/cgroup 2>/dev/null)"
echo "systemd=$(systemctl --version 2>/dev/null | head -n1)"
echo "hostname=$(hostname)"
echo "addrs=$(ip -o addr show 2>/dev/null | awk '{print $4}' | tr '\n' ' ')"
echo "swaps=$(tail -n +2 /proc/swaps 2>/dev/null | wc -l)"
ss -ltnpH 2>/dev/null | awk '{print "listen=" $4 " " $6}'
echo "etcddata=$(ls -A /var/lib/etcd 2>/dev/null | tr '\n' ' ')"
echo "mark=$(cat /var/lib/kubeup/cluster-name 2>/dev/null)"
echo "ipforward=$(cat /proc/sys/net/ipv4/ip_forward 2>/dev/null)"
echo "containerd=$(systemctl is-active containerd 2>/dev/null)"
echo "euid=$(id -u)"
echo "cni=$(ls /opt/cni/bin 2>/dev/null | tr '\n' ' ')"
echo "kubelet=$(` + layout.Binary("kubelet") + ` --version 2>/dev/null)"
echo "splitusr=$(for d in bin sbin lib; do [ "$(readlink /$d)" = "usr/$d" ] || echo /$d; done | tr '\n' ' ')"
`)
	for _, c := range append(RequiredCommands(), OptionalCommands()...) {
		fmt.Fprintf(&b, "command -v %s >/dev/null 2>&1 && echo cmd=%s\n", c, c)
	}
	for _, m := range kernelFeatures() {
		fmt.Fprintf(&b, "{ [ -d /sys/module/%[1]s ] || grep -qw %[1]s /proc/filesystems 2>/dev/null || modinfo %[1]s >/dev/null 2>&1 || { [ %[1]s = br_netfilter ] && [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]; }; } && echo mod=%[1]s\n", m)
	}
	b.WriteString(`echo "time=$(date +%s.%N)"` + "\n")
	return b.String()
}

// GatherFacts runs the facts phase on one host.
func GatherFacts(ctx context.Context, r *Run, s *phase.Step) error {
	start := r.Now()
	out, _, err := s.Host().Exec(ctx, factsScript())
	if err != nil {
		return fmt.Errorf("read host facts: %w", err)
	}
	mid := start.Add(r.Now().Sub(start) / 2)
	f, err := parseFacts(string(out), mid)
	if err != nil {
		return err
	}
	r.setFacts(s.HostName(), f)
	s.Log().Debug("facts", "os", f.OS, "arch", f.Arch, "kernel", f.Kernel, "cgroup", f.CgroupFS, "skew", f.ClockSkew)
	return nil
}

// parseFacts reads factsScript's output; local is the local time when the
// host read its clock.
func parseFacts(out string, local time.Time) (*Facts, error) {
	f := &Facts{Commands: map[string]bool{}, Modules: map[string]bool{}, CNIPlugins: map[string]bool{}, EffectiveUID: -1}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		if err := f.set(k, strings.TrimSpace(v), local); err != nil {
			return nil, err
		}
	}
	return f, sc.Err()
}

func (f *Facts) set(k, v string, local time.Time) error {
	switch k {
	case "os":
		f.OS = v
	case "arch":
		f.Arch = v
	case "kernel":
		f.Kernel = v
	case "cgroup":
		f.CgroupFS = v
	case "systemd":
		f.Systemd = v
	case "hostname":
		f.Hostname = v
	case "addrs":
		f.Addresses = strings.Fields(v)
	case "swaps":
		f.Swaps, _ = strconv.Atoi(v)
	case "listen":
		f.Listeners = append(f.Listeners, parseListener(v))
	case "etcddata":
		f.EtcdData = strings.Fields(v)
	case "mark":
		f.ClusterMark = v
	case "ipforward":
		f.IPForward = v
	case "containerd":
		f.Containerd = v
	case "euid":
		f.EffectiveUID, _ = strconv.Atoi(v)
	case "cni":
		for _, p := range strings.Fields(v) {
			f.CNIPlugins[p] = true
		}
	case "splitusr":
		f.SplitUsr = strings.Fields(v)
	case "kubelet":
		f.Kubelet = strings.TrimPrefix(v, "Kubernetes ")
	case "cmd":
		f.Commands[v] = true
	case "mod":
		f.Modules[v] = true
	case "time":
		return f.setClock(v, local)
	}
	return nil
}

func (f *Facts) setClock(v string, local time.Time) error {
	secs, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return fmt.Errorf("read host clock %q: %w", v, err)
	}
	host := time.Unix(0, int64(secs*1e9))
	f.ClockSkew = host.Sub(local)
	return nil
}

// parseListener reads "0.0.0.0:6443 users:(("kube-apiserver",pid=1,fd=3))".
func parseListener(v string) Listener {
	addr, proc, _ := strings.Cut(v, " ")
	var l Listener
	if i := strings.LastIndex(addr, ":"); i >= 0 {
		l.Port, _ = strconv.Atoi(addr[i+1:])
	}
	if _, rest, ok := strings.Cut(proc, `(("`); ok {
		l.Process, _, _ = strings.Cut(rest, `"`)
	}
	return l
}
