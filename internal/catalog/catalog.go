// Package catalog states once what each component kubeup runs on a host
// is: the hosts it runs on, the binaries it needs, how it runs in each
// control-plane mode, whether kubeup installs its systemd unit, the ports
// it listens on and the process name that holds them, its health URL, and
// the links and chains it creates. Distribution, preflight, status, reset and the phases
// that start units derive their lists from it, so adding a component is
// one entry here plus its render files.
package catalog

import (
	"slices"

	"kubeup.dev/kubeup/internal/spec"
)

// Tier orders the start of components: a tier starts once the tiers
// before it run.
type Tier int

// The tiers in start order.
const (
	Runtime      Tier = iota // the container runtime
	Datastore                // etcd
	ControlPlane             // API server, controller manager, scheduler
	Node                     // the kubelet
	Network                  // kube-proxy and the network plugin
)

// Runner is how a component runs.
type Runner int

// The runners.
const (
	Unit      Runner = iota // a systemd unit on the host
	StaticPod               // a static pod the host's kubelet runs from /etc/kubernetes/manifests
	DaemonSet               // a pod of a DaemonSet on every node
)

func (r Runner) String() string {
	return [...]string{"systemd unit", "static pod", "DaemonSet"}[r]
}

// Component is one program kubeup runs on hosts.
type Component struct {
	// Name is the component's name and its systemd unit's.
	Name string
	// Tier says when it starts.
	Tier Tier
	// Binaries are the artifacts it needs on the host when it runs as a
	// unit (manifest names; cni/NAME are CNI plugins).
	Binaries []string
	// Tools are those of Binaries the host needs however the component
	// runs: clients kubeup uses for health checks and plugins the runtime
	// executes.
	Tools []string
	// Pod is how it runs in static-pods mode; Unit for the components that
	// stay on the host (the runtime and the kubelet).
	Pod Runner
	// OwnUnit says kubeup writes its unit file; false for units the OS
	// package ships (containerd).
	OwnUnit bool
	// Ports it listens on, which preflight wants free.
	Ports []int
	// Links are the network interfaces it creates (reset deletes them).
	Links []string
	// ChainPrefixes begin the names of the iptables chains it creates in
	// any table (reset deletes them and the rules that jump to them).
	ChainPrefixes []string
	// Health is the URL, on the host itself, that answers 200 while the
	// component is healthy; empty for a component without one (the
	// runtime, flanneld). Health paths need no credentials.
	Health string
	// On reports whether the component runs on host h of cluster c.
	On func(c *spec.Cluster, h spec.Host) bool
}

// RunsOn reports whether the component runs on host h of cluster c.
func (k Component) RunsOn(c *spec.Cluster, h spec.Host) bool { return k.On(c, h) }

// RunsAs says how the component runs in cluster c.
func (k Component) RunsAs(c *spec.Cluster) Runner {
	if c.Spec.StaticPods() {
		return k.Pod
	}
	return Unit
}

// HostBinaries are the artifacts the component needs on the host in
// cluster c: all its binaries when it runs as a unit, else its tools.
func (k Component) HostBinaries(c *spec.Cluster) []string {
	if k.RunsAs(c) == Unit {
		return k.Binaries
	}
	return k.Tools
}

// EveryHost runs a component on every host (every host is a node).
func EveryHost(*spec.Cluster, spec.Host) bool { return true }

// ControlPlanes runs a component on the control-plane hosts.
func ControlPlanes(_ *spec.Cluster, h spec.Host) bool { return h.HasRole(spec.RoleControlPlane) }

// EtcdMembers runs a component on the etcd hosts when kubeup runs etcd
// (not an external one).
func EtcdMembers(c *spec.Cluster, h spec.Host) bool {
	return h.HasRole(spec.RoleEtcd) && c.Spec.Etcd.External == nil
}

// All lists every component in start order (tier, then the order within
// a tier that units start in).
func All() []Component {
	return []Component{
		{Name: "containerd", Tier: Runtime, On: EveryHost},
		{Name: "etcd", Tier: Datastore, Binaries: []string{"etcd", "etcdctl"}, Tools: []string{"etcdctl"},
			Pod: StaticPod, OwnUnit: true, Ports: []int{2379, 2380}, Health: "http://127.0.0.1:2381/health", On: EtcdMembers},
		{Name: "kube-apiserver", Tier: ControlPlane, Binaries: []string{"kube-apiserver", "kubectl"}, Tools: []string{"kubectl"},
			Pod: StaticPod, OwnUnit: true, Ports: []int{6443}, Health: "https://127.0.0.1:6443/readyz", On: ControlPlanes},
		{Name: "kube-controller-manager", Tier: ControlPlane, Binaries: []string{"kube-controller-manager"},
			Pod: StaticPod, OwnUnit: true, Ports: []int{10257}, Health: "https://127.0.0.1:10257/healthz", On: ControlPlanes},
		{Name: "kube-scheduler", Tier: ControlPlane, Binaries: []string{"kube-scheduler"},
			Pod: StaticPod, OwnUnit: true, Ports: []int{10259}, Health: "https://127.0.0.1:10259/healthz", On: ControlPlanes},
		{Name: "kubelet", Tier: Node, Binaries: []string{"kubelet", "kubectl"},
			OwnUnit: true, Ports: []int{10250}, ChainPrefixes: []string{"KUBE-"}, Health: "http://127.0.0.1:10248/healthz", On: EveryHost},
		{Name: "kube-proxy", Tier: Network, Binaries: []string{"kube-proxy"},
			Pod: DaemonSet, OwnUnit: true, ChainPrefixes: []string{"KUBE-"}, Health: "http://127.0.0.1:10256/healthz", On: EveryHost},
		// flanneld makes the VXLAN devices; its CNI plugin (through the
		// bridge plugin) the cni0 bridge.
		{Name: "flanneld", Tier: Network, Binaries: []string{"flanneld", "cni/flannel"}, Tools: []string{"cni/flannel"},
			Pod: DaemonSet, OwnUnit: true, Links: []string{"cni0", "flannel.1", "flannel-v6.1"},
			ChainPrefixes: []string{"FLANNEL-"}, On: EveryHost},
	}
}

// For lists the components that run on host h, in start order.
func For(c *spec.Cluster, h spec.Host) []Component {
	var out []Component
	for _, k := range All() {
		if k.RunsOn(c, h) {
			out = append(out, k)
		}
	}
	return out
}

// Names returns the components' names, in their order.
func Names(ks []Component) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.Name
	}
	return out
}

// InTier keeps the components of tier t.
func InTier(ks []Component, t Tier) []Component {
	return slices.DeleteFunc(slices.Clone(ks), func(k Component) bool { return k.Tier != t })
}

// RunningAs keeps the components that run as r in cluster c.
func RunningAs(c *spec.Cluster, ks []Component, r Runner) []Component {
	return slices.DeleteFunc(slices.Clone(ks), func(k Component) bool { return k.RunsAs(c) != r })
}

// OwnUnits keeps the components whose unit file kubeup writes.
func OwnUnits(ks []Component) []Component {
	return slices.DeleteFunc(slices.Clone(ks), func(k Component) bool { return !k.OwnUnit })
}

// Binaries lists the artifacts the components need on the hosts of
// cluster c, sorted, once each.
func Binaries(c *spec.Cluster, ks []Component) []string {
	out := union(ks, func(k Component) []string { return k.HostBinaries(c) })
	slices.Sort(out)
	return out
}

// Ports maps each port the components listen on to the component.
func Ports(ks []Component) map[int]string {
	out := map[int]string{}
	for _, k := range ks {
		for _, p := range k.Ports {
			out[p] = k.Name
		}
	}
	return out
}

// stopRank orders tiers for stopping: the kubelet first (so that it
// restarts no pod while the rest goes), then what depends on the others
// before what they depend on.
func stopRank(t Tier) int {
	return map[Tier]int{Node: 0, Network: 1, ControlPlane: 2, Datastore: 3, Runtime: 4}[t]
}

// StopOrder orders components for stopping: by stopRank, and within a
// tier in reverse start order.
func StopOrder(ks []Component) []Component {
	out := slices.Clone(ks)
	slices.Reverse(out)
	slices.SortStableFunc(out, func(a, b Component) int { return stopRank(a.Tier) - stopRank(b.Tier) })
	return out
}

// processNameMax is how much of a process name ss, ps and pgrep show.
const processNameMax = 15

// ProcessName is the name ss, ps and pgrep show for the process of the
// component called name: the kernel keeps its first 15 characters.
func ProcessName(name string) string { return name[:min(len(name), processNameMax)] }

// Owns reports whether a process name (as ss shows it, cut to 15
// characters) is one of the components'.
func Owns(ks []Component, process string) bool {
	return slices.ContainsFunc(ks, func(k Component) bool { return ProcessName(k.Name) == process })
}

// Links lists the interfaces the components create, once each, in order.
func Links(ks []Component) []string { return union(ks, func(k Component) []string { return k.Links }) }

// ChainPrefixes lists the iptables chain name prefixes of the components,
// once each, in order.
func ChainPrefixes(ks []Component) []string {
	return union(ks, func(k Component) []string { return k.ChainPrefixes })
}

func union(ks []Component, field func(Component) []string) []string {
	var out []string
	for _, k := range ks {
		for _, v := range field(k) {
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	return out
}
