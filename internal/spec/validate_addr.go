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
		return fmt.Errorf("%q has an IPv6 zone: use an address without %%zone", s)
	case !validHost(s):
		return fmt.Errorf("%q is not an IP address or DNS name", s)
	}
	return nil
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
		return fmt.Errorf("%q has a URL scheme: write host[:port], such as %s", s, example)
	}
	host, port, err := splitHostPort(s)
	if err != nil {
		return fmt.Errorf("%q is not host[:port] (such as %s): %v", s, example, err)
	}
	if !validHost(host) {
		return fmt.Errorf("%q is not host[:port] (such as %s): %q is not an IP address or DNS name", s, example, host)
	}
	if port == "" {
		return nil
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("%q: port %q is not a number from 1 to 65535", s, port)
	}
	return nil
}

// checkProxyJump explains why s is not [user@]host[:port], or returns nil.
func checkProxyJump(s string) error {
	const example = "admin@bastion.example.com:22"
	if strings.Contains(s, ",") {
		return fmt.Errorf("%q: only one jump host is supported, such as %s", s, example)
	}
	if user, rest, ok := strings.Cut(s, "@"); ok {
		if user == "" || strings.ContainsAny(user, " \t:") {
			return fmt.Errorf("%q: the user before @ must be a user name, such as %s", s, example)
		}
		s = rest
	}
	return checkHostPort(s, example)
}
