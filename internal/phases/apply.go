package phases

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/spec"
)

// Apply returns apply's phases in order. Phases without a host selector
// run once on this machine (connect, node approval, validation).
func Apply() []phase.Phase[*Run] {
	all := (*Run).allHosts
	return []phase.Phase[*Run]{
		{Name: "connect", Run: connect},
		{Name: "facts", Hosts: all, Run: gatherFacts},
		{Name: "preflight", Hosts: all, Run: runPreflight},
		{Name: "record", Hosts: all, Run: recordInstall},
		{Name: "os", Hosts: all, Run: setupOS},
		{Name: "distribute", Hosts: all, Run: distribute},
		{Name: "containerd/backup", Group: "containerd", Hosts: all, Run: BackupContainerdConfig},
		{Name: "files", Hosts: all, Run: writeFiles},
		{Name: "kernel", Hosts: all, Run: kernelSetup},
		{Name: "containerd", Hosts: all, Run: configureContainerd},
		{Name: "kubelet/static-pods", Group: "kubelet", Hosts: (*Run).staticPodHosts, Run: startKubelet},
		{Name: "etcd/start", Group: "etcd", Hosts: (*Run).etcdHosts, Run: startEtcd},
		{Name: "etcd/wait", Group: "etcd", Hosts: (*Run).etcdHosts, Run: waitEtcd},
		{Name: "control-plane", Hosts: (*Run).controlPlaneHosts, Run: startControlPlane, Concurrency: 1},
		{Name: "addons/bootstrap", Group: "addons", Hosts: (*Run).firstControlPlane, Run: addons(clusterAddons())},
		{Name: "bootstrap/retire", Group: "bootstrap", Run: retireBootstrapObjects},
		{Name: "kubelet", Hosts: all, Run: startKubelet},
		{Name: "network/retire", Group: "network", Hosts: all, Run: retireNetworkUnits},
		{Name: "addons/network", Group: "addons", Hosts: (*Run).firstControlPlane, Run: networkAddon},
		{Name: "network", Hosts: all, Run: startNetwork},
		{Name: "nodes/approve", Group: "nodes", Run: approveNodes},
		{Name: "nodes/roles", Group: "nodes", Run: markNodes},
		{Name: "addons/dns", Group: "addons", Hosts: (*Run).firstControlPlane, Run: addons(dnsAddons())},
		{Name: "kubeconfig", Run: writeKubeconfig},
		{Name: "validate", Run: validateCluster},
	}
}

// startPhase names the apply phase that starts the components of tier t:
// skipping it leaves their files alone too.
func startPhase(t catalog.Tier) string {
	return map[catalog.Tier]string{catalog.Runtime: "containerd", catalog.Datastore: "etcd",
		catalog.ControlPlane: "control-plane", catalog.Node: "kubelet", catalog.Network: "network"}[t]
}

func addons(names []string) func(context.Context, *Run, *phase.Step) error {
	return func(ctx context.Context, r *Run, s *phase.Step) error { return applyAddons(ctx, r, s, names) }
}

// connect dials every host of the spec at once (one connection each,
// reused by every later phase) and reports every host that failed.
func connect(ctx context.Context, r *Run, _ *phase.Step) error {
	return r.dialAll(ctx, r.Cluster.Spec.Hosts, "")
}

// dialAll dials the hosts not connected yet, all at once; each failure
// names its host, followed by hint.
func (r *Run) dialAll(ctx context.Context, hosts []spec.Host, hint string) error {
	var todo []spec.Host
	for _, h := range hosts {
		if r.Host(h.Name) == nil {
			todo = append(todo, h)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	if r.Dialer == nil {
		return errors.New("no dialer configured")
	}
	var wg sync.WaitGroup
	errs := make([]error, len(todo))
	for i, h := range todo {
		wg.Go(func() {
			hh, err := r.Dialer.Dial(ctx, h)
			if err != nil {
				errs[i] = fmt.Errorf("connect to %s: %w%s", h.Name, err, hint)
				return
			}
			r.SetHost(h.Name, hh) // each step logs its host's operations (phase.Step.Host)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
