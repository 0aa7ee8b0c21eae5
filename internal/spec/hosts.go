package spec

import (
	"net"
	"net/netip"
	"slices"
	"strconv"
)

// HasRole reports whether the host has role r.
func (h Host) HasRole(r Role) bool { return slices.Contains(h.Roles, r) }

// IsLocal reports whether kubeup runs commands for this host locally
// instead of over SSH.
func (h Host) IsLocal() bool { return h.Address == "localhost" }

// HostsWithRole returns the hosts that have role r, in spec order.
func (s *Spec) HostsWithRole(r Role) []Host {
	var out []Host
	for _, h := range s.Hosts {
		if h.HasRole(r) {
			out = append(out, h)
		}
	}
	return out
}

// ControlPlaneHosts returns the control-plane hosts in spec order.
func (s *Spec) ControlPlaneHosts() []Host { return s.HostsWithRole(RoleControlPlane) }

// EtcdHosts returns the etcd hosts in spec order.
func (s *Spec) EtcdHosts() []Host { return s.HostsWithRole(RoleEtcd) }

// Host returns the host named name.
func (s *Spec) Host(name string) (Host, bool) {
	for _, h := range s.Hosts {
		if h.Name == name {
			return h, true
		}
	}
	return Host{}, false
}

// APIServerEndpoint returns host:port clients use to reach the API server:
// controlPlane.endpoint (port 6443 when it has none) or the first
// control-plane host's address.
func (s *Spec) APIServerEndpoint() string {
	ep := s.ControlPlane.Endpoint
	if ep == "" {
		cps := s.ControlPlaneHosts()
		if len(cps) == 0 {
			return ""
		}
		ep = cps[0].Address
	}
	if _, _, err := net.SplitHostPort(ep); err == nil {
		return ep
	}
	return net.JoinHostPort(ep, strconv.Itoa(DefaultAPIServerPort))
}

// APIServerURL returns https://endpoint.
func (s *Spec) APIServerURL() string { return "https://" + s.APIServerEndpoint() }

// ServiceIP returns the n-th address of the service CIDR (1 is the
// kubernetes Service, 10 the cluster DNS Service).
func (s *Spec) ServiceIP(n int) (netip.Addr, error) {
	p, err := netip.ParsePrefix(s.Network.ServiceCIDR)
	if err != nil {
		return netip.Addr{}, err
	}
	a := p.Masked().Addr()
	for range n {
		a = a.Next()
	}
	return a, nil
}

// DNSServiceIP is the cluster DNS Service address (the tenth service IP).
func (s *Spec) DNSServiceIP() (netip.Addr, error) { return s.ServiceIP(10) }
