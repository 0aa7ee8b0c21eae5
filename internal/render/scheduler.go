package render

import (
	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
)

// schedulerFiles renders the scheduler unit (or static pod).
func schedulerFiles(in *input) ([]hostfile.File, error) {
	return runFiles(in, "kube-scheduler", schedulerFlags(), in.s.ControlPlane.SchedulerArgs())
}

// schedulerFlags binds the scheduler's secure port (10259) to loopback as
// kubeadm does: apply checks https://127.0.0.1:10259/readyz from the host
// itself (health paths need no credentials), and metrics stay off the
// network. The controller manager (10257) does the same.
func schedulerFlags() map[string]string {
	return map[string]string{
		"authentication-kubeconfig": layout.SchedulerConf,
		"authorization-kubeconfig":  layout.SchedulerConf,
		"bind-address":              "127.0.0.1",
		"kubeconfig":                layout.SchedulerConf,
		"leader-elect":              "true",
		"profiling":                 "false",
	}
}
