// Package apply holds kubeup apply's phases, one file each, over the run
// state of package remoteops. Every change to a host goes through the
// phase runner's Step.Wet, so --dry-run lists it; every phase is
// idempotent, so a re-run after any failure converges.
package apply

import (
	"context"

	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
	"kubeup.dev/kubeup/internal/spec"
)

// Phases returns apply's phases in order. Phases without a host selector
// run once on this machine (connect, node approval, validation).
func Phases() []phase.Phase[*remoteops.Run] {
	all, now := (*remoteops.Run).AllHosts, (*remoteops.Run).HostsNow
	return []phase.Phase[*remoteops.Run]{
		{Name: "connect", Run: remoteops.Connect},
		{Name: "facts", Hosts: all, Run: remoteops.GatherFacts},
		{Name: "preflight", Hosts: all, Run: runPreflight},
		{Name: "record", Hosts: all, Run: recordInstall},
		{Name: "os", Hosts: all, Run: setupOS},
		{Name: "distribute", Hosts: now, Run: distribute},
		{Name: "containerd/backup", Group: "containerd", Hosts: all, Run: backupContainerdConfig},
		{Name: "files", Hosts: now, Run: writeFiles},
		{Name: "kernel", Hosts: now, Run: kernelSetup},
		{Name: "containerd", Hosts: now, Run: configureContainerd},
		{Name: "kubelet/static-pods", Group: "kubelet", Hosts: staticPodHosts, Run: startKubelet},
		{Name: "etcd/start", Group: "etcd", Hosts: (*remoteops.Run).EtcdHosts, Run: startEtcd},
		{Name: "etcd/wait", Group: "etcd", Hosts: (*remoteops.Run).EtcdHosts, Run: waitEtcd},
		{Name: "control-plane", Hosts: controlPlaneHosts, Run: startControlPlane, Concurrency: 1},
		{Name: "addons/bootstrap", Group: "addons", Hosts: firstControlPlane, Run: addons(clusterAddons())},
		{Name: "bootstrap/retire", Group: "bootstrap", Run: retireBootstrapObjects},
		{Name: "kubelet", Hosts: now, Run: startKubelet},
		{Name: "network/retire", Group: "network", Hosts: all, Run: retireNetworkUnits},
		{Name: "addons/network", Group: "addons", Hosts: networkAddonNow, Run: networkAddon},
		{Name: "network", Hosts: now, Run: startNetwork},
		{Name: "nodes/approve", Group: "nodes", Run: approveNodes},
		{Name: "nodes/roles", Group: "nodes", Run: markNodes},
		{Name: "upgrade/controllers", Group: "upgrade", Hosts: whenWorkersWait, Run: waitControllers},
		{Name: "upgrade/workers", Group: "upgrade", Hosts: (*remoteops.Run).UpgradingWorkers, Run: upgradeWorker, Limit: maxUnavailable},
		{Name: "upgrade/uncordon", Group: "upgrade", Run: uncordonUpgraded},
		{Name: "upgrade/network", Group: "upgrade", Hosts: whenWorkersWait, Run: networkAddon},
		{Name: "addons/dns", Group: "addons", Hosts: firstControlPlane, Run: addons(dnsAddons())},
		{Name: "kubeconfig", Run: writeKubeconfig},
		{Name: "validate", Run: remoteops.Validate},
	}
}

// startPhase names the apply phase that starts the components of tier t:
// skipping it leaves their files alone too.
func startPhase(t catalog.Tier) string {
	return map[catalog.Tier]string{catalog.Runtime: "containerd", catalog.Datastore: "etcd",
		catalog.ControlPlane: "control-plane", catalog.Node: "kubelet", catalog.Network: "network"}[t]
}

func addons(names []string) func(context.Context, *remoteops.Run, *phase.Step) error {
	return func(ctx context.Context, r *remoteops.Run, s *phase.Step) error { return applyAddons(ctx, r, s, names) }
}

// unitsOf names the components of host hostName in tier t, in start order.
func unitsOf(r *remoteops.Run, hostName string, t catalog.Tier) []string {
	return catalog.Names(catalog.InTier(r.ComponentsOn(r.SpecHost(hostName)), t))
}

// controlPlaneHosts returns the connected control-plane hosts, in spec
// order.
func controlPlaneHosts(r *remoteops.Run) []host.Host { return r.HostsWith(spec.RoleControlPlane) }

// firstControlPlane is where cluster-wide kubectl work runs.
func firstControlPlane(r *remoteops.Run) []host.Host {
	cps := controlPlaneHosts(r)
	if len(cps) == 0 {
		return nil
	}
	return cps[:1]
}
