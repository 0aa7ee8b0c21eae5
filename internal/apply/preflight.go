package apply

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
	"kubeup.dev/kubeup/internal/spec"
	"kubeup.dev/kubeup/internal/versions"
)

// PreflightError lists the failed checks of one host; apply exits with
// code 4 when it sees one.
type PreflightError struct {
	Host     string
	Findings []remoteops.Finding
}

func (e *PreflightError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "preflight checks failed on %s:", e.Host)
	for _, f := range e.Findings {
		b.WriteString("\n  " + f.String())
	}
	b.WriteString("\n  (to go on anyway: --ignore-preflight-errors=" + e.names() + ")")
	return b.String()
}

func (e *PreflightError) names() string {
	var n []string
	for _, f := range e.Findings {
		if !slices.Contains(n, f.Check) {
			n = append(n, f.Check)
		}
	}
	return strings.Join(n, ",")
}

// maxClockSkew is the largest clock difference etcd and certificates
// tolerate comfortably.
const maxClockSkew = 5 * time.Second

type check func(r *remoteops.Run, h spec.Host, f *remoteops.Facts) []remoteops.Finding

// checks are kubeadm's preflight checks adapted to kubeup.
func checks() []check {
	return []check{checkPrivileges, checkSystemd, checkArch, checkCommands, checkKernel, checkSwap,
		checkPorts, checkCNIPlugins, checkHostname, checkEtcdData, checkClusterMark, checkClock, checkCgroup, checkMergedUsr, checkVersionSkew}
}

// runPreflight evaluates every check for one host and fails with a
// *PreflightError unless every error is ignored.
func runPreflight(_ context.Context, r *remoteops.Run, s *phase.Step) error {
	h := r.SpecHost(s.HostName())
	f := r.Facts(h.Name)
	if f == nil {
		return fmt.Errorf("no facts for host %s: run the facts phase first", h.Name)
	}
	var errs []remoteops.Finding
	for _, c := range checks() {
		for _, fd := range c(r, h, f) {
			if fd.Warning || ignored(r, fd.Check) {
				fd.Warning = true
				r.Warn(h.Name, fd)
				continue
			}
			errs = append(errs, fd)
		}
	}
	if len(errs) > 0 {
		return &PreflightError{Host: h.Name, Findings: errs}
	}
	return nil
}

func ignored(r *remoteops.Run, name string) bool {
	for _, n := range r.IgnorePreflight {
		if strings.EqualFold(n, "all") || strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

func fail(check, format string, args ...any) []remoteops.Finding {
	return []remoteops.Finding{{Check: check, Message: fmt.Sprintf(format, args...)}}
}

func warnf(check, format string, args ...any) []remoteops.Finding {
	return []remoteops.Finding{{Check: check, Message: fmt.Sprintf(format, args...), Warning: true}}
}

func checkPrivileges(_ *remoteops.Run, _ spec.Host, f *remoteops.Facts) []remoteops.Finding {
	if f.EffectiveUID != 0 {
		return fail("Privileges", "commands run as uid %d, not root: use ssh.user root or a user with password-less sudo", f.EffectiveUID)
	}
	return nil
}

// minSystemdEtcd is the first systemd with LoadCredential=, through which
// etcd, running as the etcd user, reads its root-only certificates.
const minSystemdEtcd = 247

func checkSystemd(r *remoteops.Run, h spec.Host, f *remoteops.Facts) []remoteops.Finding {
	if f.Systemd == "" {
		return fail("Systemd", "systemd was not found: kubeup runs every component as a systemd unit")
	}
	if !runsEtcd(r, h) {
		return nil
	}
	var v int
	if _, err := fmt.Sscanf(f.Systemd, "systemd %d", &v); err == nil && v < minSystemdEtcd {
		return fail("Systemd", "%s is older than %d: etcd runs as the etcd user and reads its root-only certificates through LoadCredential=, which systemd %d added; upgrade the OS (Debian 11, Ubuntu 22.04, RHEL 9 or newer)",
			f.Systemd, minSystemdEtcd, minSystemdEtcd)
	}
	return nil
}

// runsEtcd reports whether kubeup runs an etcd member on h.
func runsEtcd(r *remoteops.Run, h spec.Host) bool {
	return h.HasRole(spec.RoleEtcd) && r.Cluster.Spec.Etcd.External == nil
}

func checkArch(r *remoteops.Run, _ spec.Host, f *remoteops.Facts) []remoteops.Finding {
	if r.Artifacts != nil && r.Artifacts.Arch != "" && f.Architecture() != r.Artifacts.Arch {
		return fail("Arch", "host is %s but the artifacts are for %s", f.Architecture(), r.Artifacts.Arch)
	}
	return nil
}

func checkCommands(_ *remoteops.Run, _ spec.Host, f *remoteops.Facts) []remoteops.Finding {
	var out []remoteops.Finding
	var missing []string
	for _, c := range remoteops.RequiredCommands() {
		if !f.Commands[c] {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		out = fail("Commands", "missing %s: install them (Debian: apt-get install containerd iptables iproute2 mount util-linux coreutils tar)", strings.Join(missing, ", "))
	}
	for _, c := range remoteops.OptionalCommands() {
		if !f.Commands[c] {
			out = append(out, warnf("Commands", "%s is missing (kubectl port-forward and conntrack cleanup need it)", c)...)
		}
	}
	return out
}

func checkKernel(r *remoteops.Run, _ spec.Host, f *remoteops.Facts) []remoteops.Finding {
	need := []string{"overlay", "br_netfilter"}
	if r.Cluster.Spec.Network.Flannel.Backend == "vxlan" {
		need = append(need, "vxlan")
	}
	if missing := lacking(need, f.Modules); len(missing) > 0 {
		return fail("KernelModules", "kernel lacks %s (neither loaded, built in nor loadable): install a kernel with them", strings.Join(missing, ", "))
	}
	return nil
}

func checkSwap(_ *remoteops.Run, _ spec.Host, f *remoteops.Facts) []remoteops.Finding {
	if f.Swaps > 0 {
		return fail("Swap", "swap is on: run swapoff -a and remove swap from /etc/fstab (kubelet refuses to run with swap)")
	}
	return nil
}

func checkPorts(r *remoteops.Run, h spec.Host, f *remoteops.Facts) []remoteops.Finding {
	var out []remoteops.Finding
	ports := catalog.Ports(r.ComponentsOn(h))
	for _, l := range f.Listeners {
		comp, needed := ports[l.Port]
		if needed && !catalog.Owns(r.Components, l.Process) {
			out = append(out, fail(fmt.Sprintf("Port-%d", l.Port), "port %d (%s) is in use by %q: stop it or move it", l.Port, comp, l.Process)...)
		}
	}
	return out
}

func checkHostname(r *remoteops.Run, h spec.Host, f *remoteops.Facts) []remoteops.Finding {
	for _, other := range r.Cluster.Spec.Hosts {
		of := r.Facts(other.Name)
		if other.Name != h.Name && of != nil && of.Hostname != "" && of.Hostname == f.Hostname {
			return fail("Hostname", "hostname %q is also the hostname of host %s: give every machine its own hostname (hostnamectl set-hostname)", f.Hostname, other.Name)
		}
	}
	return nil
}

func checkEtcdData(r *remoteops.Run, h spec.Host, f *remoteops.Facts) []remoteops.Finding {
	if !h.HasRole(spec.RoleEtcd) || len(f.EtcdData) == 0 || f.ClusterMark == r.Cluster.Metadata.Name {
		return nil
	}
	return fail("EtcdDataDir", "/var/lib/etcd is not empty and not this cluster's: move it away or run kubeup reset on that host")
}

func checkClusterMark(r *remoteops.Run, _ spec.Host, f *remoteops.Facts) []remoteops.Finding {
	if f.ClusterMark != "" && f.ClusterMark != r.Cluster.Metadata.Name {
		return fail("Cluster", "host belongs to kubeup cluster %q: reset it with that cluster's spec first", f.ClusterMark)
	}
	return nil
}

func checkClock(_ *remoteops.Run, _ spec.Host, f *remoteops.Facts) []remoteops.Finding {
	skew := f.ClockSkew
	if skew < 0 {
		skew = -skew
	}
	if skew > maxClockSkew {
		return fail("ClockSkew", "clock differs from this machine's by %s (at most %s): run NTP (systemd-timesyncd or chrony) on every host", skew.Round(time.Millisecond), maxClockSkew)
	}
	return nil
}

// refusesCgroupV1 is the first minor whose kubelet refuses cgroup v1
// hosts unless told otherwise (failCgroupV1).
const refusesCgroupV1 = 35

func checkCgroup(r *remoteops.Run, _ spec.Host, f *remoteops.Facts) []remoteops.Finding {
	if f.CgroupFS == "" || f.CgroupV2() {
		return nil
	}
	k := r.Cluster.Spec.KubernetesVersion
	minor, err := versions.Minor(k)
	switch {
	case err == nil && minor >= refusesCgroupV1 && !r.Cluster.Spec.Kubelet.AllowCgroupV1:
		return fail("CgroupV1", "the host runs cgroup v1, which the kubelet of Kubernetes %s refuses: boot it with cgroup v2 "+
			"(systemd.unified_cgroup_hierarchy=1 on the kernel command line), or set spec.kubelet.allowCgroupV1: true to run on v1 anyway (deprecated)", k)
	case r.Cluster.Spec.Kubelet.AllowCgroupV1:
		return nil // spec validation warned about the opt-in
	}
	return warnf("CgroupV1", "cgroup v1 is deprecated in Kubernetes %s: boot with systemd.unified_cgroup_hierarchy=1 when you can", k)
}

// checkVersionSkew refuses to move a host's Kubernetes by more than the
// version skew policy allows (versions.CheckUpgrade): before any host
// changes, so that a skipped minor leaves the whole cluster as it was.
func checkVersionSkew(r *remoteops.Run, _ spec.Host, f *remoteops.Facts) []remoteops.Finding {
	warn, err := versions.CheckUpgrade(f.Kubelet, r.Cluster.Spec.KubernetesVersion)
	switch {
	case err != nil:
		return fail("VersionSkew", "the host runs Kubernetes %s: %v", f.Kubelet, err)
	case warn != "":
		return warnf("VersionSkew", "%s", warn)
	}
	return nil
}

// cniPlugins are the reference plugins flannel's CNI config delegates to.
func cniPlugins() []string { return []string{"bridge", "host-local", "loopback", "portmap"} }

func checkCNIPlugins(_ *remoteops.Run, _ spec.Host, f *remoteops.Facts) []remoteops.Finding {
	if missing := lacking(cniPlugins(), f.CNIPlugins); len(missing) > 0 {
		return fail("CNIPlugins", "/opt/cni/bin lacks %s: install the CNI plugins (Debian: apt-get install containernetworking-plugins && ln -s /usr/lib/cni/* /opt/cni/bin/)", strings.Join(missing, ", "))
	}
	return nil
}

// lacking returns, in order, the names in need that are not true in have.
func lacking(need []string, have map[string]bool) []string {
	var out []string
	for _, n := range need {
		if !have[n] {
			out = append(out, n)
		}
	}
	return out
}

// checkMergedUsr: in static-pods mode the kube-proxy and flannel pods run
// the host's iptables from the host's /usr, which holds all of it only on
// a merged-/usr system.
func checkMergedUsr(r *remoteops.Run, _ spec.Host, f *remoteops.Facts) []remoteops.Finding {
	if !r.Cluster.Spec.StaticPods() || len(f.SplitUsr) == 0 {
		return nil
	}
	what := strings.Join(f.SplitUsr, ", ") + " are not links"
	if len(f.SplitUsr) == 1 {
		what = f.SplitUsr[0] + " is not a link"
	}
	return fail("MergedUsr", "%s into /usr: the kube-proxy and flannel pods of static-pods mode run the host's iptables from its /usr; "+
		"use a merged-/usr system (Debian 12, Ubuntu 22.04, RHEL 9 and later; usrmerge) or spec.controlPlane.mode systemd", what)
}
