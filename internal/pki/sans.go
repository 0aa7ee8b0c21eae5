package pki

import (
	"crypto/x509"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"

	"kubeup.dev/kubeup/internal/spec"
)

// altNames is a canonical (sorted, de-duplicated) set of subject
// alternative names.
type altNames struct {
	dns []string
	ips []netip.Addr
}

// newAltNames sorts names into addresses and DNS names.
func newAltNames(names []string) altNames {
	var a altNames
	for _, n := range names {
		if ip, err := netip.ParseAddr(n); err == nil {
			a.ips = append(a.ips, ip.Unmap())
		} else if n != "" {
			a.dns = append(a.dns, strings.ToLower(n))
		}
	}
	return a.canonical()
}

// altNamesOf returns the SANs of a certificate.
func altNamesOf(cert *x509.Certificate) altNames {
	a := altNames{dns: slices.Clone(cert.DNSNames)}
	for _, ip := range cert.IPAddresses {
		if addr, ok := netip.AddrFromSlice(ip); ok {
			a.ips = append(a.ips, addr.Unmap())
		}
	}
	return a.canonical()
}

func (a altNames) canonical() altNames {
	slices.Sort(a.dns)
	a.dns = slices.Compact(a.dns)
	slices.SortFunc(a.ips, netip.Addr.Compare)
	a.ips = slices.Compact(a.ips)
	return a
}

// netIPs converts the addresses for an x509 template.
func (a altNames) netIPs() []net.IP {
	var out []net.IP
	for _, ip := range a.ips {
		out = append(out, net.IP(ip.AsSlice()))
	}
	return out
}

// keys renders every name as "DNS:name" or "IP:addr", sorted.
func (a altNames) keys() []string {
	var out []string
	for _, d := range a.dns {
		out = append(out, "DNS:"+d)
	}
	for _, ip := range a.ips {
		out = append(out, "IP:"+ip.String())
	}
	return out
}

// diff describes how got differs from want, or returns "" when equal.
func (a altNames) diff(got altNames) string {
	want, have := a.keys(), got.keys()
	var parts []string
	for _, k := range want {
		if !slices.Contains(have, k) {
			parts = append(parts, "+"+k)
		}
	}
	for _, k := range have {
		if !slices.Contains(want, k) {
			parts = append(parts, "-"+k)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "SANs changed: " + strings.Join(parts, " ")
}

// apiServerSANs names every way clients reach the API server.
func apiServerSANs(c *spec.Cluster, _ spec.Host) ([]string, error) {
	ip, err := c.Spec.ServiceIP(1)
	if err != nil {
		return nil, fmt.Errorf("first address of service CIDR %q: %w (fix spec.network.serviceCIDR)",
			c.Spec.Network.ServiceCIDR, err)
	}
	domain := strings.TrimSuffix(c.Spec.Network.DNSDomain, ".")
	names := []string{"kubernetes", "kubernetes.default", "kubernetes.default.svc",
		"kubernetes.default.svc." + domain, ip.String()}
	for _, h := range c.Spec.ControlPlaneHosts() {
		names = append(names, h.Name, h.Address)
	}
	names = append(names, endpointHost(c.Spec.ControlPlane.Endpoint), "127.0.0.1", "localhost")
	return names, nil
}

// etcdSANs names an etcd member for its clients and peers.
func etcdSANs(_ *spec.Cluster, h spec.Host) ([]string, error) {
	return []string{h.Name, h.Address, "localhost", "127.0.0.1", "::1"}, nil
}

// endpointHost strips the port (and IPv6 brackets) from host[:port].
func endpointHost(ep string) string {
	if host, _, err := net.SplitHostPort(ep); err == nil {
		return host
	}
	return strings.TrimSuffix(strings.TrimPrefix(ep, "["), "]")
}
