package upgradeplan

import (
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/spec"
)

func cluster(version string, hosts ...spec.Host) *spec.Cluster {
	c := &spec.Cluster{Spec: spec.Spec{KubernetesVersion: version, Hosts: hosts}}
	spec.SetDefaults(c)
	return c
}

func host(name string, roles ...spec.Role) spec.Host { return spec.Host{Name: name, Roles: roles} }

func TestPlanOrdersTheUpgrade(t *testing.T) {
	cp, w := []spec.Role{spec.RoleControlPlane, spec.RoleEtcd}, []spec.Role{spec.RoleWorker}
	c := cluster("v1.37.2", host("cp1", cp...), host("cp2", cp...), host("cp3", cp...), host("w1", w...), host("w2", w...))
	c.Spec.Upgrade.MaxUnavailable = 2
	p, err := Make(c, map[string]string{"cp1": "v1.37.2", "cp2": "v1.36.3", "cp3": "v1.36.3", "w1": "v1.36.3", "w2": "v1.36.3"})
	if err != nil {
		t.Fatal(err)
	}
	want := `upgrade from v1.36.3, v1.37.2 to v1.37.2, in this order:
1. etcd v3.6.8 -> v3.7.0, one member at a time, each healthy before the next: cp2, cp3
2. control plane v1.36.3 -> v1.37.2, one host at a time, each /readyz before the next: cp2, cp3
3. workers drained (PodDisruptionBudgets respected, timeout 5m0s) and upgraded 2 at a time, each Ready on kubelet v1.37.2 before it is uncordoned: w1, w2
4. CoreDNS v1.14.2 -> v1.14.6, last
`
	if got := p.String(); got != want {
		t.Errorf("plan:\n%s\nwant:\n%s", got, want)
	}
}

func TestPlanRefusesSkipsAndSaysNothingWhenCurrent(t *testing.T) {
	c := cluster("v1.37.2", host("n1", spec.RoleControlPlane, spec.RoleEtcd), host("n2", spec.RoleWorker), host("n3", spec.RoleWorker))
	_, err := Make(c, map[string]string{"n1": "v1.36.3", "n2": "v1.35.4", "n3": "v1.35.4"})
	if err == nil || !strings.Contains(err.Error(), "host n2: v1.35.4 to v1.37.2 skips 1.36") || !strings.Contains(err.Error(), "host n3:") {
		t.Errorf("skip: %v", err)
	}
	p, err := Make(c, map[string]string{"n1": "v1.37.2", "n2": "v1.37.2"})
	if err != nil || len(p.Steps) != 0 || !strings.Contains(p.String(), "nothing to upgrade") {
		t.Errorf("current cluster: %v %v", p, err)
	}
	p, err = Make(c, map[string]string{"n1": "v1.37.2", "n2": "v1.37.2", "n3": "v1.37.1"})
	if err != nil || len(p.Steps) != 1 || strings.Join(p.Steps[0].Hosts, ",") != "n3" || strings.Contains(p.String(), "etcd") {
		t.Errorf("patch upgrade of one worker: %v %v", p, err)
	}
}

func TestDrainsFirst(t *testing.T) {
	for _, tc := range []struct {
		h         spec.Host
		installed string
		want      bool
	}{
		{host("w", spec.RoleWorker), "v1.36.3", true},
		{host("w", spec.RoleWorker), "v1.37.2", false},
		{host("w", spec.RoleWorker), "", false},
		{host("cpw", spec.RoleControlPlane, spec.RoleWorker), "v1.36.3", false},
		{host("ew", spec.RoleEtcd, spec.RoleWorker), "v1.36.3", false},
	} {
		if got := DrainsFirst(tc.h, tc.installed, "v1.37.2"); got != tc.want {
			t.Errorf("DrainsFirst(%v, %q) = %v", tc.h.Roles, tc.installed, got)
		}
	}
}
