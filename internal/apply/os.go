package apply

import (
	"context"
	"fmt"
	"strings"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
	"kubeup.dev/kubeup/internal/render"
	"kubeup.dev/kubeup/internal/spec"
)

// osDirs are created on every host before files and services need them.
func osDirs() []string {
	return []string{layout.KubeletDir, "/var/log/kubernetes", layout.CNIConfDir, layout.CNIBinDir, layout.ImagesDir}
}

// setupOS prepares a host: directories, and the sandbox adaptations when
// the spec asks for them (/dev/kmsg, the kubelet's own cgroup root).
func setupOS(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	probe := "for d in " + strings.Join(osDirs(), " ") + "; do [ -d $d ] || echo missing; done"
	out, _, err := s.Host().Exec(ctx, probe)
	if err != nil {
		return fmt.Errorf("check directories: %w", err)
	}
	if strings.Contains(string(out), "missing") {
		err := s.Wet("create "+strings.Join(osDirs(), " "), func(h host.Host) error {
			_, _, err := h.Exec(ctx, "mkdir -p "+strings.Join(osDirs(), " "))
			return err
		})
		if err != nil {
			return err
		}
	}
	if runsEtcd(r, r.SpecHost(s.HostName())) {
		if err := ensureEtcdUser(ctx, s); err != nil {
			return err
		}
	}
	if sb := r.Cluster.Spec.Sandbox; sb != nil {
		return sandboxSetup(ctx, r, s, sb)
	}
	return nil
}

// ensureEtcdUser creates the system user and group etcd runs as unless the
// user exists, and records in layout.CreatedUsers that kubeup created it,
// so that reset removes it and never a user it did not make.
func ensureEtcdUser(ctx context.Context, s *phase.Step) error {
	u := host.Quote(render.EtcdUser)
	cmd := fmt.Sprintf(`useradd --system --user-group --no-create-home --home-dir %s --shell "$(command -v nologin || echo /bin/false)" --comment 'etcd (kubeup)' %s && mkdir -p %s && echo %s >> %s`,
		layout.EtcdDataDir, u, layout.KubeupDir, u, layout.CreatedUsers)
	return ensureByProbe(ctx, s, "id -u "+u+" >/dev/null 2>&1", "create system user "+render.EtcdUser, cmd)
}

func sandboxSetup(ctx context.Context, r *remoteops.Run, s *phase.Step, sb *spec.SandboxHosts) error {
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
// files when they changed or are not in effect (forwarding, and the
// settings kubelet checks when it protects kernel defaults). A module that
// is built into the kernel is fine: modprobe's failure then does not count.
func kernelSetup(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	var content []byte
	for _, f := range r.HostFiles(s.HostName()).Files {
		if f.Path == layout.SysctlConfig {
			content = f.Content
		}
	}
	check := sysctlMismatches(content)
	out, _, err := s.Host().Exec(ctx, check)
	if err == nil && strings.TrimSpace(string(out)) == "" && !r.AnyChanged(s.HostName(), layout.SysctlConfig, layout.ModulesLoadConfig) {
		return nil
	}
	cmd := fmt.Sprintf("for m in $(grep -v '^#' %s); do modprobe $m 2>/dev/null || true; done; sysctl -q -p %s",
		layout.ModulesLoadConfig, layout.SysctlConfig)
	err = s.Wet("load kernel modules and apply "+layout.SysctlConfig, func(h host.Host) error {
		_, _, err := h.Exec(ctx, cmd)
		return err
	})
	if err != nil || s.DryRun() {
		return err
	}
	out, _, err = s.Host().Exec(ctx, check)
	if err != nil {
		return fmt.Errorf("read the kernel settings: %w", err)
	}
	if bad := strings.Fields(string(out)); len(bad) > 0 {
		return fmt.Errorf("%s not as %s sets after sysctl: for net.bridge settings load br_netfilter (modprobe br_netfilter); check that nothing else (a later sysctl.d file, a container runtime) sets them",
			strings.Join(bad, ", "), layout.SysctlConfig)
	}
	return nil
}

// sysctlMismatches is a shell command that prints the key of every
// "key = value" line of a sysctl.d file whose value is not in effect.
func sysctlMismatches(conf []byte) string {
	var b strings.Builder
	for _, line := range strings.Split(string(conf), "\n") {
		line = strings.TrimSpace(line)
		key, value, ok := strings.Cut(line, "=")
		if !ok || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";") {
			continue
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		fmt.Fprintf(&b, "[ \"$(sysctl -n %s 2>/dev/null)\" = %s ] || echo %s; ", host.Quote(key), host.Quote(value), host.Quote(key))
	}
	b.WriteString("true")
	return b.String()
}
