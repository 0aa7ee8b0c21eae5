package render

import (
	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
)

// schedulerFiles renders the scheduler unit.
func schedulerFiles(in *input) ([]hostfile.File, error) {
	u, err := unitFile("kube-scheduler", unitData{Exec: layout.Binary("kube-scheduler"),
		Args: flags(schedulerFlags(), in.s.ControlPlane.SchedulerArgs())})
	if err != nil {
		return nil, err
	}
	return []hostfile.File{u}, nil
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
