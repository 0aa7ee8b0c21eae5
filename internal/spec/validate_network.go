package spec

import (
	"maps"
	"net/netip"
	"slices"
	"strings"
	"unicode"

	"k8s.io/apimachinery/pkg/util/validation"
)

// Limits that Kubernetes components enforce on address ranges.
const (
	// maxServiceBits is the most host bits kube-apiserver accepts in a
	// service CIDR (a /12 for IPv4, a /108 for IPv6).
	maxServiceBits = 20
	// minServiceBits leaves room for the tenth address (cluster DNS).
	minServiceBits = 4
	// maxNodeSubnetBits is the most bits kube-controller-manager accepts
	// between the pod CIDR prefix and the node mask size.
	maxNodeSubnetBits = 16
	// maxMaxPods is the most pods kubeup lets a kubelet run.
	maxMaxPods = 1000
)

// network checks the pod and service ranges, DNS domain and plugin.
func (v *validator) network(s *Spec) {
	n := &s.Network
	pod, podOK := v.cidr("spec.network.podCIDR", n.PodCIDR, DefaultPodCIDR)
	svc, svcOK := v.cidr("spec.network.serviceCIDR", n.ServiceCIDR, DefaultServiceCIDR)
	if podOK && svcOK {
		v.cidrPair(pod, svc)
	}
	if podOK {
		v.nodeSubnets(s, pod)
		v.noHostsIn("spec.network.podCIDR", pod, s)
		v.hostsFamily("spec.network.podCIDR", pod, s, "fd00:10:244::/56", DefaultPodCIDR)
	}
	if svcOK {
		v.serviceSize(svc)
		v.noHostsIn("spec.network.serviceCIDR", svc, s)
		v.hostsFamily("spec.network.serviceCIDR", svc, s, "fd00:10:96::/112", DefaultServiceCIDR)
	}
	v.dnsDomain("spec.network.dnsDomain", n.DNSDomain)
	v.plugin(n)
}

// cidr parses a CIDR that must have no bits set past its prefix.
func (v *validator) cidr(p, s, example string) (netip.Prefix, bool) {
	if s == "" {
		v.errorf(p, "a CIDR is required, such as %s", example)
		return netip.Prefix{}, false
	}
	pfx, err := netip.ParsePrefix(s)
	if err != nil {
		v.errorf(p, "%q is not a CIDR such as %s", s, example)
		return netip.Prefix{}, false
	}
	if m := pfx.Masked(); m != pfx {
		v.errorf(p, "%q has bits set past its /%d prefix: use %s", s, pfx.Bits(), m)
		return netip.Prefix{}, false
	}
	return pfx, true
}

// cidrPair checks that pod and service ranges share a family and are
// disjoint.
func (v *validator) cidrPair(pod, svc netip.Prefix) {
	const p = "spec.network.serviceCIDR"
	if pod.Addr().Is4() != svc.Addr().Is4() {
		v.errorf(p, "%s and podCIDR %s are of different IP families: use IPv4 for both or IPv6 for both", svc, pod)
		return
	}
	if pod.Overlaps(svc) {
		v.errorf(p, "%s overlaps podCIDR %s: choose ranges that do not overlap, such as %s and %s", svc, pod, DefaultServiceCIDR, DefaultPodCIDR)
	}
}

// serviceSize checks that the service range fits what kube-apiserver takes.
func (v *validator) serviceSize(svc netip.Prefix) {
	const p = "spec.network.serviceCIDR"
	bits := svc.Addr().BitLen()
	switch host := bits - svc.Bits(); {
	case host > maxServiceBits:
		v.errorf(p, "%s is too large: kube-apiserver allows at most %d bits of service addresses, so use /%d or longer", svc, maxServiceBits, bits-maxServiceBits)
	case host < minServiceBits:
		v.errorf(p, "%s is too small: the cluster DNS Service takes the 10th address, so use /%d or shorter", svc, bits-minServiceBits)
	}
}

// nodeSubnets checks nodeCIDRMaskSize against the pod range and that the
// range holds one node subnet per host.
func (v *validator) nodeSubnets(s *Spec, pod netip.Prefix) {
	const p = "spec.network.nodeCIDRMaskSize"
	m, bits := s.Network.NodeCIDRMaskSize, pod.Addr().BitLen()
	switch {
	case m <= pod.Bits():
		v.errorf(p, "%d must be greater than the podCIDR prefix length %d: each node gets a /%d out of %s; use %d, for example", m, pod.Bits(), m, pod, min(pod.Bits()+8, bits-2))
		return
	case m > bits-2:
		v.errorf(p, "%d leaves no room for pods: use at most %d (24 is usual for IPv4, 64 for IPv6)", m, bits-2)
		return
	case m-pod.Bits() > maxNodeSubnetBits:
		v.errorf(p, "%d is %d bits longer than podCIDR %s: kube-controller-manager allows at most %d, so use at most %d", m, m-pod.Bits(), pod, maxNodeSubnetBits, pod.Bits()+maxNodeSubnetBits)
		return
	}
	if subnets := 1 << (m - pod.Bits()); len(s.Hosts) > subnets {
		v.errorf("spec.network.podCIDR", "%s holds %d node subnets of /%d but there are %d hosts: use a shorter prefix or a larger nodeCIDRMaskSize", pod, subnets, m, len(s.Hosts))
	}
	v.podsPerNode(s, bits-m, m)
}

// podsPerNode warns when maxPods exceeds the addresses of a node subnet
// with hostBits host bits (less the network, gateway and broadcast).
func (v *validator) podsPerNode(s *Spec, hostBits, m int) {
	if hostBits >= 20 {
		return
	}
	usable := 1<<hostBits - 3
	if mp := int(s.Kubelet.MaxPods); mp > usable && mp <= maxMaxPods {
		v.warnf("spec.kubelet.maxPods", "%d pods do not fit a /%d node subnet (%d pod addresses): lower maxPods or nodeCIDRMaskSize", mp, m, usable)
	}
}

// noHostsIn reports host and endpoint IP literals inside a cluster range.
func (v *validator) noHostsIn(p string, pfx netip.Prefix, s *Spec) {
	for i, h := range s.Hosts {
		if ip, ok := parseIP(h.Address); ok && pfx.Contains(ip) {
			v.errorf(p, "%s contains %s, the address of spec.hosts[%d] (%s): choose a range no host is in", pfx, ip, i, h.Name)
		}
	}
	host, _, err := splitHostPort(s.ControlPlane.Endpoint)
	if ip, ok := parseIP(host); err == nil && ok && pfx.Contains(ip) {
		v.errorf(p, "%s contains %s, the control-plane endpoint: choose a range it is not in", pfx, ip)
	}
}

// hostsFamily checks that a cluster range is of the hosts' IP family;
// example6 and example4 are ranges to suggest.
func (v *validator) hostsFamily(p string, pfx netip.Prefix, s *Spec, example6, example4 string) {
	i, ip := firstIPHost(s)
	if i < 0 || family(ip) == family(pfx.Addr()) {
		return
	}
	example := example4
	if !ip.Is4() {
		example = example6
	}
	v.errorf(p, "%s is %s but the hosts have %s addresses (spec.hosts[%d] is %s): use an %s range, such as %s",
		pfx, family(pfx.Addr()), family(ip), i, ip, family(ip), example)
}

// dnsDomain checks the cluster DNS domain.
func (v *validator) dnsDomain(p, d string) {
	switch {
	case d == "":
		v.errorf(p, "the cluster DNS domain is required, such as %s", DefaultDNSDomain)
	case len(validation.IsDNS1123Subdomain(d)) > 0:
		v.errorf(p, "%q is not a DNS domain: use lowercase labels of letters, digits and '-' separated by dots, such as %s", d, DefaultDNSDomain)
	}
}

// plugin checks the network plugin and its settings.
func (v *validator) plugin(n *Network) {
	if n.Plugin != "flannel" {
		v.errorf("spec.network.plugin", "unknown network plugin %q: use flannel", n.Plugin)
		return
	}
	if b := n.Flannel.Backend; !slices.Contains([]string{"vxlan", "host-gw"}, b) {
		v.errorf("spec.network.flannel.backend", "unknown flannel backend %q: use vxlan, or host-gw when all hosts share one L2 network", b)
	}
}

// controlPlane checks the API server endpoint and extra flags.
func (v *validator) controlPlane(s *Spec) {
	const p = "spec.controlPlane"
	cp := &s.ControlPlane
	cps := s.ControlPlaneHosts()
	switch {
	case cp.Endpoint == "" && len(cps) > 1:
		v.warnf(pathField(p, "endpoint"), "%d control-plane hosts but no endpoint: every client uses %s, a single point of failure; put a load balancer in front and set its host[:port]", len(cps), cps[0].Name)
	case cp.Endpoint != "":
		v.endpoint(pathField(p, "endpoint"), cp.Endpoint, s)
	}
	for _, m := range argMapsOf(cp) {
		v.extraArgs(pathField(p, m.safeName), m.safe)
		v.extraArgs(pathField(p, m.unsafeName), m.unsafe)
		v.unsafeArgs(p, m)
	}
}

// endpoint checks controlPlane.endpoint: its form, that the hosts can
// reach it, and that an IP literal is of the hosts' family.
func (v *validator) endpoint(p, ep string, s *Spec) {
	if err := checkEndpoint(ep, len(s.Hosts)); err != nil {
		v.errorf(p, "%v", err)
		return
	}
	host, _, _ := splitHostPort(ep)
	epIP, ok := parseIP(host)
	i, ip := firstIPHost(s)
	if ok && i >= 0 && family(epIP) != family(ip) {
		v.errorf(p, "%s is %s but the hosts have %s addresses (spec.hosts[%d] is %s): the API server listens on the hosts' family; use an %s address",
			epIP, family(epIP), family(ip), i, ip, family(ip))
	}
}

// extraArgs checks that flag names are single words without leading
// dashes or a value.
func (v *validator) extraArgs(p string, args map[string]string) {
	for _, k := range slices.Sorted(maps.Keys(args)) {
		name, value, hasValue := strings.Cut(strings.TrimLeft(k, "-"), "=")
		switch {
		case name == "":
			v.errorf(pathKey(p, k), "%q is not a flag name, such as v", k)
		case strings.ContainsFunc(k, unicode.IsSpace):
			v.errorf(pathKey(p, k), "%q holds white space: a flag name is one word, such as v", k)
		case hasValue:
			v.errorf(pathKey(p, k), "%q holds '=': write the flag name as the key and its value as the value, such as %s: %q", k, name, value)
		case strings.HasPrefix(k, "-"):
			v.errorf(pathKey(p, k), "write the flag name without dashes: %s", name)
		}
	}
}
