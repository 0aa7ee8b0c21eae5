package render

import (
	"fmt"

	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
)

// Sysctl is one kernel setting of kubeup's sysctl.d file.
type Sysctl struct {
	Key, Value string
}

// KubeletSysctls are the kernel settings kubelet checks at start and, with
// protectKernelDefaults, refuses to start without (setupKernelTunables in
// k8s.io/kubernetes pkg/kubelet/cm/container_manager_linux.go, values from
// k8s.io/component-helpers/node/util/sysctl, v1.34).
func KubeletSysctls() []Sysctl {
	return []Sysctl{
		{"vm.overcommit_memory", "1"},
		{"vm.panic_on_oom", "0"},
		{"kernel.panic", "10"},
		{"kernel.panic_on_oops", "1"},
		{"kernel.keys.root_maxkeys", "1000000"},
		{"kernel.keys.root_maxbytes", "25000000"},
	}
}

// kernelFiles renders the modules to load at boot (overlay, br_netfilter)
// and the sysctls: forwarding always, and kubelet's kernel settings when
// kubelet protects them (CIS 4.2.6 of v1.7.0), so that kubelet finds them
// in place.
func kernelFiles(in *input) ([]hostfile.File, error) {
	mods, err := static("modules-load.conf")
	if err != nil {
		return nil, err
	}
	sysctl, err := static("sysctl.conf")
	if err != nil {
		return nil, err
	}
	if in.s.Kubelet.KernelDefaultsProtected() {
		sysctl = append(sysctl, "# kubelet's protectKernelDefaults: the kernel settings kubelet checks.\n"...)
		for _, s := range KubeletSysctls() {
			sysctl = fmt.Appendf(sysctl, "%s = %s\n", s.Key, s.Value)
		}
	}
	return []hostfile.File{
		file(layout.ModulesLoadConfig, modePublic, mods),
		file(layout.SysctlConfig, modePublic, sysctl),
	}, nil
}
