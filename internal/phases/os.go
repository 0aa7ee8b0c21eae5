package phases

import (
	"context"
	"fmt"
	"strings"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/spec"
)

// osDirs are created on every host before files and services need them.
var osDirs = []string{layout.KubeletDir, "/var/log/kubernetes", layout.CNIConfDir, layout.CNIBinDir, layout.ImagesDir}

// setupOS prepares a host: directories, and the sandbox adaptations when
// the spec asks for them (/dev/kmsg, the kubelet's own cgroup root).
func setupOS(ctx context.Context, r *Run, s *phase.Step) error {
	probe := "for d in " + strings.Join(osDirs, " ") + "; do [ -d $d ] || echo missing; done"
	out, _, err := s.Host().Exec(ctx, probe)
	if err != nil {
		return fmt.Errorf("check directories: %w", err)
	}
	if strings.Contains(string(out), "missing") {
		err := s.Wet("create "+strings.Join(osDirs, " "), func(h host.Host) error {
			_, _, err := h.Exec(ctx, "mkdir -p "+strings.Join(osDirs, " "))
			return err
		})
		if err != nil {
			return err
		}
	}
	if sb := r.Cluster.Spec.Sandbox; sb != nil {
		return sandboxSetup(ctx, r, s, sb)
	}
	return nil
}

func sandboxSetup(ctx context.Context, r *Run, s *phase.Step, sb *spec.SandboxHosts) error {
	if sb.CreateKmsg {
		if err := ensureByProbe(ctx, s, "[ -e /dev/kmsg ]", "create /dev/kmsg (sandbox)", "mknod /dev/kmsg c 1 11"); err != nil {
			return err
		}
	}
	if sb.PerNodeCgroupRoot && r.Cluster.Spec.Kubelet.CgroupDriver == "cgroupfs" {
		root := "kubeup-" + s.HostName()
		probe := fmt.Sprintf("[ -d /sys/fs/cgroup/memory/%[1]s ] || [ -d /sys/fs/cgroup/%[1]s ]", root)
		cmd := fmt.Sprintf(`for d in $(awk '$3 == "cgroup" {print $2 "/"}' /proc/mounts); do
  mkdir -p "${d}%[1]s" || exit 1
  if [ -f "${d}cpuset.cpus" ]; then cat "${d}cpuset.cpus" > "${d}%[1]s/cpuset.cpus"; cat "${d}cpuset.mems" > "${d}%[1]s/cpuset.mems"; fi
done
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then mkdir -p /sys/fs/cgroup/%[1]s; fi`, root)
		return ensureByProbe(ctx, s, probe, "create cgroup root /"+root+" (sandbox)", cmd)
	}
	return nil
}

// ensureByProbe runs cmd through Wet unless probe succeeds.
func ensureByProbe(ctx context.Context, s *phase.Step, probe, what, cmd string) error {
	if _, _, err := s.Host().Exec(ctx, probe); err == nil {
		return nil
	}
	return s.Wet(what, func(h host.Host) error {
		_, _, err := h.Exec(ctx, cmd)
		return err
	})
}

// kernelSetup loads the modules and applies the sysctls of the rendered
// files when they changed or are not in effect. A module that is built
// into the kernel is fine: modprobe's failure then does not count.
func kernelSetup(ctx context.Context, r *Run, s *phase.Step) error {
	check := "[ \"$(cat /proc/sys/net/ipv4/ip_forward)\" = 1 ] && [ \"$(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null)\" = 1 ]"
	if _, _, err := s.Host().Exec(ctx, check); err == nil && !r.anyChanged(s.HostName(), layout.SysctlConfig, layout.ModulesLoadConfig) {
		return nil
	}
	cmd := fmt.Sprintf("for m in $(grep -v '^#' %s); do modprobe $m 2>/dev/null || true; done; sysctl -q -p %s",
		layout.ModulesLoadConfig, layout.SysctlConfig)
	err := s.Wet("load kernel modules and apply "+layout.SysctlConfig, func(h host.Host) error {
		_, _, err := h.Exec(ctx, cmd)
		return err
	})
	if err != nil || s.DryRun() {
		return err
	}
	if _, _, err := s.Host().Exec(ctx, check); err != nil {
		return fmt.Errorf("net.ipv4.ip_forward and net.bridge.bridge-nf-call-iptables are not 1 after sysctl: load br_netfilter (modprobe br_netfilter) and check %s", layout.SysctlConfig)
	}
	return nil
}
