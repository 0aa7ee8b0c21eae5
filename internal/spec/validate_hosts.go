package spec

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// hosts checks every host, their uniqueness and the role counts.
func (v *validator) hosts(s *Spec) {
	if len(s.Hosts) == 0 {
		v.errorf("spec.hosts", "no hosts: add at least one, such as {name: node1, address: 192.168.10.11, roles: [ai]}")
		return
	}
	names := map[string]int{}
	addrs := map[string]int{}
	for i := range s.Hosts {
		h := &s.Hosts[i]
		p := pathIndex("spec.hosts", i)
		v.host(p, h)
		v.unique(pathField(p, "name"), "host name", h.Name, names, i)
		v.unique(pathField(p, "address"), "address", addressKey(h.Address), addrs, i)
		if n := len(s.Hosts); n > 1 && isLoopback(h.Address) {
			v.errorf(pathField(p, "address"), "%s names this machine only: the other %d hosts cannot reach it; write the address this host has on the network the hosts share", h.Address, n-1)
		}
	}
	v.oneFamily(s)
	v.roleCounts(s)
}

// firstIPHost returns the index and address of the first host whose
// address is an IP literal (IPv4 written as IPv6 counts as IPv4), or -1.
func firstIPHost(s *Spec) (int, netip.Addr) {
	for i, h := range s.Hosts {
		if ip, ok := parseIP(h.Address); ok {
			return i, ip.Unmap()
		}
	}
	return -1, netip.Addr{}
}

// family names an address's IP family.
func family(ip netip.Addr) string {
	if ip.Unmap().Is4() {
		return "IPv4"
	}
	return "IPv6"
}

// oneFamily checks that every host IP literal is of the first one's
// family: kubeup clusters are single-stack.
func (v *validator) oneFamily(s *Spec) {
	first, ip0 := firstIPHost(s)
	if first < 0 {
		return
	}
	for i := first + 1; i < len(s.Hosts); i++ {
		if ip, ok := parseIP(s.Hosts[i].Address); ok && family(ip) != family(ip0) {
			v.errorf(pathField(pathIndex("spec.hosts", i), "address"), "%s is %s but spec.hosts[%d] (%s) has the %s address %s: clusters are single-stack, so give every host an address of one family",
				ip, family(ip), first, s.Hosts[first].Name, family(ip0), ip0)
		}
	}
}

// host checks one host's name, address, roles and SSH settings.
func (v *validator) host(p string, h *Host) {
	if h.Name == "" {
		v.errorf(pathField(p, "name"), "the host needs a name, such as node1")
	} else {
		v.dnsLabel(pathField(p, "name"), h.Name)
	}
	if err := checkAddress(h.Address); err != nil {
		v.errorf(pathField(p, "address"), "%v", err)
	}
	v.roles(pathField(p, "roles"), h.Roles)
	v.ssh(pathField(p, "ssh"), h)
}

// roles checks that a host has roles and that each is known.
func (v *validator) roles(p string, roles []Role) {
	if len(roles) == 0 {
		v.errorf(p, "the host has no roles: give it control-plane, etcd and/or worker (or kube-up's a, i, ai)")
	}
	for j, r := range roles {
		switch r {
		case RoleControlPlane, RoleEtcd, RoleWorker:
		default:
			v.errorf(pathIndex(p, j), "unknown role %q: use control-plane, etcd or worker (or kube-up's a, i, ai)", r)
		}
	}
}

// ssh checks how a host is reached; local hosts need no key or jump host.
func (v *validator) ssh(p string, h *Host) {
	if u := h.SSH.User; strings.ContainsAny(u, " \t@:/") {
		v.errorf(pathField(p, "user"), "%q is not a user name: write the name alone, such as root", u)
	}
	if port := h.SSH.Port; port < 0 || port > 65535 {
		v.errorf(pathField(p, "port"), "port %d is out of range: use 1 to 65535 (sshd listens on 22 by default)", port)
	}
	if h.IsLocal() {
		return
	}
	if h.SSH.KeyPath != "" { // else ssh-agent and the default identities
		v.file(pathField(p, "keyPath"), h.SSH.KeyPath, sshKeyFile())
	}
	if h.SSH.SudoPasswordFile != "" {
		v.file(pathField(p, "sudoPasswordFile"), h.SSH.SudoPasswordFile, sudoPasswordFile())
	}
	if h.SSH.ProxyJump != "" {
		if err := checkProxyJump(h.SSH.ProxyJump); err != nil {
			v.errorf(pathField(p, "proxyJump"), "%v", err)
		}
	}
}

// unique reports value when an earlier host (recorded in seen) has it.
func (v *validator) unique(p, what, value string, seen map[string]int, i int) {
	if value == "" {
		return
	}
	if j, ok := seen[value]; ok {
		v.errorf(p, "%s %q is also used by spec.hosts[%d]: each host needs its own", what, value, j)
		return
	}
	seen[value] = i
}

// addressKey normalizes an address for comparison: IPs in canonical form,
// names in lower case.
func addressKey(a string) string {
	if ip, ok := parseIP(a); ok {
		return ip.Unmap().String()
	}
	return strings.ToLower(strings.TrimSuffix(a, "."))
}

// dnsLabel checks a DNS-1123 label (cluster and host names).
func (v *validator) dnsLabel(p, s string) {
	if len(validation.IsDNS1123Label(s)) == 0 {
		return
	}
	const rule message = "use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit"
	if low := strings.ToLower(s); len(validation.IsDNS1123Label(low)) == 0 {
		v.errorf(p, "%q is not a valid name: %s, such as %q", s, rule, low)
		return
	}
	v.errorf(p, "%q is not a valid name: %s", s, rule)
}

// roleCounts checks that the cluster has a control plane and etcd.
func (v *validator) roleCounts(s *Spec) {
	if len(s.ControlPlaneHosts()) == 0 {
		v.errorf("spec.hosts", "no host has the control-plane role: give one host roles [control-plane, etcd] (kube-up's a)")
	}
	if len(s.HostsWithRole(RoleWorker)) == 0 {
		v.warnf("spec.hosts", "no host has the worker role: only pods that tolerate the control-plane taint can run")
	}
	if s.Etcd.External != nil {
		return
	}
	switch n := len(s.EtcdHosts()); {
	case n == 0:
		v.errorf("spec.hosts", "no host has the etcd role: give one or three hosts the etcd role, or set spec.etcd.external")
	case n%2 == 0:
		v.warnf("spec.hosts", "%d hosts have the etcd role: an even count tolerates no more failures than %d would; use %d or %d", n, n-1, n-1, n+1)
	}
}

// etcd checks an external etcd: https endpoints and client files.
func (v *validator) etcd(s *Spec) {
	ext := s.Etcd.External
	if ext == nil {
		return
	}
	const p = "spec.etcd.external"
	for i, h := range s.Hosts {
		if h.HasRole(RoleEtcd) {
			v.errorf(pathField(pathIndex("spec.hosts", i), "roles"), "the host has the etcd role but %s is set: remove the role or unset external", p)
		}
	}
	if len(ext.Endpoints) == 0 {
		v.errorf(pathField(p, "endpoints"), "at least one endpoint is required, such as https://etcd1.example.com:2379")
	}
	for i, ep := range ext.Endpoints {
		if err := checkEtcdEndpoint(ep); err != nil {
			v.errorf(pathIndex(pathField(p, "endpoints"), i), "%v", err)
		}
	}
	v.file(pathField(p, "caFile"), ext.CAFile, etcdCAFile())
	v.file(pathField(p, "certFile"), ext.CertFile, etcdCertFile())
	v.file(pathField(p, "keyFile"), ext.KeyFile, etcdKeyFile())
}

// checkEtcdEndpoint explains why ep is not https://host:port, or returns nil.
func checkEtcdEndpoint(ep string) error {
	const example = "https://etcd1.example.com:2379"
	u, err := url.Parse(ep)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not a URL such as %s", clip(ep), example)
	}
	if u.Scheme != "https" {
		return fmt.Errorf("%q must use https (kubeup connects to etcd with client certificates), such as %s", clip(ep), example)
	}
	if !validHost(u.Hostname()) {
		return fmt.Errorf("%q: %q is not an IP address or DNS name", clip(ep), clip(u.Hostname()))
	}
	if ip, ok := parseIP(u.Hostname()); ok {
		if err := checkUnicast(ip); err != nil {
			return fmt.Errorf("%q: %w", clip(ep), err)
		}
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%q: port %q is not a number from 1 to 65535", clip(ep), clip(port))
		}
	}
	if strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.User != nil {
		return fmt.Errorf("%q: write only scheme, host and port, such as %s", clip(ep), example)
	}
	return nil
}
