package spec

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// parseIP parses an IPv4 or IPv6 literal without a zone.
func parseIP(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a, true
}

// isDNSName reports whether s is a DNS-1123 subdomain that cannot be
// mistaken for a malformed IP address (its last label is not all digits).
func isDNSName(s string) bool {
	s = strings.ToLower(strings.TrimSuffix(s, "."))
	if len(validation.IsDNS1123Subdomain(s)) > 0 {
		return false
	}
	last := s[strings.LastIndexByte(s, '.')+1:]
	return strings.Trim(last, "0123456789") != ""
}

// validHost reports whether s is an IP literal, localhost or a DNS name.
func validHost(s string) bool {
	_, ip := parseIP(s)
	return ip || s == "localhost" || isDNSName(s)
}

// checkAddress explains why s is not a usable host address, or returns nil.
func checkAddress(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("the address is required: an IP address, a DNS name or localhost")
	case strings.Contains(s, "%"):
		return fmt.Errorf("%q has an IPv6 zone: use an address without %%zone", clip(s))
	case !validHost(s):
		return fmt.Errorf("%q is not an IP address or DNS name", clip(s))
	}
	if ip, ok := parseIP(s); ok {
		return checkUnicast(ip)
	}
	return nil
}

// checkUnicast explains why ip cannot name one machine, or returns nil:
// it is unspecified, multicast, broadcast, link-local or IPv4 written as
// IPv6. Loopback is left to the caller.
func checkUnicast(ip netip.Addr) error {
	const fix = "write the address the machine has on the network the hosts share"
	switch {
	case ip.Is4In6():
		return fmt.Errorf("%s is an IPv4 address written as IPv6: write it as %s", ip, ip.Unmap())
	case ip.IsUnspecified():
		return fmt.Errorf("%s is the unspecified address (any address, for listening): %s", ip, fix)
	case ip.IsMulticast():
		return fmt.Errorf("%s is a multicast address: %s", ip, fix)
	case ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return fmt.Errorf("%s is the broadcast address: %s", ip, fix)
	case ip.IsLinkLocalUnicast():
		return fmt.Errorf("%s is link-local (169.254.0.0/16, fe80::/10): it is not routed and may change; %s", ip, fix)
	}
	return nil
}

// isLoopback reports whether a host address or endpoint host names this
// machine only: localhost or a loopback IP.
func isLoopback(host string) bool {
	if ip, ok := parseIP(host); ok {
		return ip.Unmap().IsLoopback()
	}
	return strings.EqualFold(strings.TrimSuffix(host, "."), "localhost")
}

// splitHostPort splits host[:port], [ipv6][:port] or a bare IPv6 literal.
// port is empty when there is none.
func splitHostPort(s string) (host, port string, err error) {
	switch {
	case strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]"):
		return s[1 : len(s)-1], "", nil
	case strings.HasPrefix(s, "["):
		return net.SplitHostPort(s)
	case strings.Count(s, ":") > 1:
		return s, "", nil
	case strings.Contains(s, ":"):
		return net.SplitHostPort(s)
	}
	return s, "", nil
}

// checkHostPort explains why s is not host[:port], or returns nil; messages
// show example as the right form.
func checkHostPort(s, example string) error {
	if strings.Contains(s, "://") {
		return fmt.Errorf("%q has a URL scheme: write host[:port], such as %s", clip(s), example)
	}
	host, port, err := splitHostPort(s)
	if err != nil {
		return fmt.Errorf("%q is not host[:port] (such as %s): %v", clip(s), example, err)
	}
	if !validHost(host) {
		return fmt.Errorf("%q is not host[:port] (such as %s): %q is not an IP address or DNS name", clip(s), example, clip(host))
	}
	if ip, ok := parseIP(host); ok {
		if err := checkUnicast(ip); err != nil {
			return fmt.Errorf("%q: %w", clip(s), err)
		}
	}
	if port == "" && hasPortSeparator(s) {
		return fmt.Errorf("%q ends in ':' but names no port: write the port after it, such as %s, or leave the ':' out", clip(s), example)
	}
	if port == "" {
		return nil
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("%q: port %q is not a number from 1 to 65535", clip(s), clip(port))
	}
	return nil
}

// hasPortSeparator reports whether s, as splitHostPort reads it, has a ':'
// before a port: [host]:port or host:port, not a bare IPv6 address.
func hasPortSeparator(s string) bool {
	if strings.HasPrefix(s, "[") {
		return !strings.HasSuffix(s, "]")
	}
	return strings.Count(s, ":") == 1
}

// checkEndpoint explains why s is not a usable controlPlane.endpoint, or
// returns nil: host[:port] that every host of a multi-host cluster can
// reach, with an IPv6 address bracketed only when a port follows.
func checkEndpoint(s string, hosts int) error {
	const example = "lb.example.com:6443"
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		inner := s[1 : len(s)-1]
		return fmt.Errorf("%q is bracketed without a port: write %s, or [%s]:%d with the port", clip(s), clip(inner), clip(inner), DefaultAPIServerPort)
	}
	if err := checkHostPort(s, example); err != nil {
		return err
	}
	host, _, _ := splitHostPort(s)
	if hosts > 1 && isLoopback(host) {
		return fmt.Errorf("%q names this machine only: the other %d hosts cannot reach the API server there; write a load balancer or host address they share, such as %s", clip(s), hosts-1, example)
	}
	return nil
}

// checkProxyJump explains why s is not [user@]host[:port], or returns nil.
func checkProxyJump(s string) error {
	const example = "admin@bastion.example.com:22"
	hops := strings.Split(s, ",")
	for i, hop := range hops {
		if err := checkJumpHop(hop, example); err != nil {
			if len(hops) > 1 {
				return fmt.Errorf("hop %d of %q: %w", i+1, clip(s), err)
			}
			return err
		}
	}
	return nil
}

// checkJumpHop checks one [user@]host[:port] of a ProxyJump chain.
func checkJumpHop(s, example string) error {
	if s == "" {
		return fmt.Errorf("an empty jump host: separate hosts with single commas, such as %s,admin@inner.example.com", example)
	}
	if user, rest, ok := strings.Cut(s, "@"); ok {
		if user == "" || strings.ContainsAny(user, " \t:") {
			return fmt.Errorf("%q: the user before @ must be a user name, such as %s", clip(s), example)
		}
		s = rest
	}
	return checkHostPort(s, example)
}
