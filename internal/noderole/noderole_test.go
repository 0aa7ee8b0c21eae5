package noderole

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"kubeup.dev/kubeup/internal/spec"
)

func TestLabelsAndTaintsFollowRoles(t *testing.T) {
	cp, etcd, worker := spec.RoleControlPlane, spec.RoleEtcd, spec.RoleWorker
	cases := []struct {
		roles  []spec.Role
		labels []string
		taint  string // "" = none
	}{
		{[]spec.Role{cp, etcd}, []string{ControlPlane, Etcd}, ControlPlane},
		{[]spec.Role{cp, etcd, worker}, []string{ControlPlane, Etcd, Worker}, ""},
		{[]spec.Role{etcd}, []string{Etcd}, Etcd},
		{[]spec.Role{etcd, worker}, []string{Etcd, Worker}, ""},
		{[]spec.Role{worker}, []string{Worker}, ""},
		{[]spec.Role{cp}, []string{ControlPlane}, ControlPlane},
	}
	for _, c := range cases {
		h := spec.Host{Name: "h", Roles: c.roles}
		if got := Labels(h); !slices.Equal(got, c.labels) {
			t.Errorf("%v: labels %v, want %v", c.roles, got, c.labels)
		}
		got := Taints(h)
		switch {
		case c.taint == "" && len(got) != 0:
			t.Errorf("%v: taints %v, want none", c.roles, got)
		case c.taint != "" && (len(got) != 1 || got[0].Key != c.taint || got[0].Effect != corev1.TaintEffectNoSchedule):
			t.Errorf("%v: taints %v, want %s:NoSchedule", c.roles, got, c.taint)
		}
	}
}
