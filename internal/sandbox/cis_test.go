package sandbox

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"kubeup.dev/kubeup/internal/cis"
	"kubeup.dev/kubeup/internal/plan"
	"kubeup.dev/kubeup/internal/spec"
)

// TestSpecTurnsOffOnlyKernelDefaults: of the CIS items a kubeup cluster
// meets, the sandbox's spec gives up one alone, kubelet's
// protectKernelDefaults (its settings are not namespaced, so setting them
// in a node container would change the machine), and says so in a
// warning; in either control-plane mode.
func TestSpecTurnsOffOnlyKernelDefaults(t *testing.T) {
	dir := t.TempDir()
	sb := &Sandbox{Name: "cis", SpecPath: filepath.Join(dir, "cis.yaml"), KeyPath: filepath.Join(dir, "key"),
		KnownHostsPath: filepath.Join(dir, "known_hosts"), Nameservers: []string{"10.0.2.3"}}
	for i, roles := range [][]spec.Role{{spec.RoleControlPlane, spec.RoleEtcd, spec.RoleWorker}, {spec.RoleWorker}, {spec.RoleWorker}} {
		sb.Nodes = append(sb.Nodes, &Node{Name: fmt.Sprintf("cis-node%d", i+1), Index: i + 1,
			Address: netip.AddrFrom4([4]byte{172, 30, 0, byte(2 + i)}), Roles: roles})
	}
	for _, mode := range spec.Modes() {
		t.Run(mode, func(t *testing.T) {
			c := clusterSpec(sb)
			c.Spec.ControlPlane.Mode = mode
			checkOnlyKernelDefaults(t, c, filepath.Join(dir, mode), len(sb.Nodes))
		})
	}
}

// checkOnlyKernelDefaults expects cluster c's plan to fail
// protectKernelDefaults alone, once per node, and validate to warn of it.
func checkOnlyKernelDefaults(t *testing.T, c *spec.Cluster, stateDir string, nodes int) {
	t.Helper()
	p, err := plan.ForCluster(stateDir, c, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), nil)
	if err != nil {
		t.Fatal(err)
	}
	fails := cis.Check(c, p.Hosts)
	if len(fails) != nodes {
		t.Errorf("want one failure per node, got %d: %v", len(fails), fails)
	}
	for _, r := range fails {
		if r.Item.ID != "4.2.6 of v1.7.0" {
			t.Errorf("the sandbox gives up more than protectKernelDefaults: %s", r)
		}
	}
	warned := false
	for _, pr := range spec.Validate(c, spec.Options{}) {
		warned = warned || pr.Path == "spec.kubelet.protectKernelDefaults" && pr.Severity == spec.SeverityWarning
	}
	if !warned {
		t.Error("validate does not warn that protectKernelDefaults is off")
	}
}
