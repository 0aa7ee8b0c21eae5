// Package noderole states once what a host's roles mean for its Node:
// the node-role labels apply puts on it and the taints it registers with
// (and apply keeps), so that ordinary pods land only on workers.
package noderole

import (
	corev1 "k8s.io/api/core/v1"

	"kubeup.dev/kubeup/internal/spec"
)

// The node-role label keys, also the keys of the role taints.
const (
	ControlPlane = "node-role.kubernetes.io/control-plane"
	Worker       = "node-role.kubernetes.io/worker"
	Etcd         = "node-role.kubernetes.io/etcd"
)

// Labels are the node-role labels of h, in a fixed order.
func Labels(h spec.Host) []string {
	var out []string
	for _, r := range []struct {
		role spec.Role
		key  string
	}{{spec.RoleControlPlane, ControlPlane}, {spec.RoleEtcd, Etcd}, {spec.RoleWorker, Worker}} {
		if h.HasRole(r.role) {
			out = append(out, r.key)
		}
	}
	return out
}

// Taints keep ordinary pods off a host that is not a worker: a control
// plane gets kubeadm's control-plane taint, an etcd-only host the etcd
// taint (its disk and memory belong to etcd). Workers get none.
func Taints(h spec.Host) []corev1.Taint {
	switch {
	case h.HasRole(spec.RoleWorker):
		return nil
	case h.HasRole(spec.RoleControlPlane):
		return []corev1.Taint{{Key: ControlPlane, Effect: corev1.TaintEffectNoSchedule}}
	case h.HasRole(spec.RoleEtcd):
		return []corev1.Taint{{Key: Etcd, Effect: corev1.TaintEffectNoSchedule}}
	}
	return nil
}
