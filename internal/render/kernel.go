package render

import (
	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
)

// kernelFiles renders the modules to load at boot (overlay, br_netfilter)
// and the forwarding sysctls. Both are static.
func kernelFiles(*input) ([]hostfile.File, error) {
	mods, err := static("modules-load.conf")
	if err != nil {
		return nil, err
	}
	sysctl, err := static("sysctl.conf")
	if err != nil {
		return nil, err
	}
	return []hostfile.File{
		file(layout.ModulesLoadConfig, modePublic, mods),
		file(layout.SysctlConfig, modePublic, sysctl),
	}, nil
}
