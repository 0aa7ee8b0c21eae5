package sandbox

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"net/netip"
	"strings"

	"kubeup.dev/kubeup/internal/sandbox/engine"
)

// DefaultPool is where sandboxes take their /24 subnets from when no
// --subnet is given.
const DefaultPool = "172.30.0.0/16"

// Route is one IPv4 route of the machine.
type Route struct {
	Prefix netip.Prefix
	Dev    string
}

// usedRange is address space that is taken, and by what.
type usedRange struct {
	prefix netip.Prefix
	owner  string
}

// usedRanges collects the subnets of Docker networks and the machine's
// routes (except the default route).
func usedRanges(networks []engine.Network, routes []Route) []usedRange {
	var out []usedRange
	for _, n := range networks {
		for _, s := range n.Subnets {
			p, err := netip.ParsePrefix(s)
			if err != nil || !p.Addr().Is4() {
				continue
			}
			out = append(out, usedRange{p.Masked(), fmt.Sprintf("Docker network %q (%s)", n.Name, p)})
		}
	}
	for _, r := range routes {
		if r.Prefix.Bits() == 0 {
			continue
		}
		out = append(out, usedRange{r.Prefix.Masked(), fmt.Sprintf("the route to %s on %s", r.Prefix, r.Dev)})
	}
	return out
}

// collision returns what already uses part of p, if anything.
func collision(p netip.Prefix, used []usedRange) (string, bool) {
	for _, u := range used {
		if u.prefix.Overlaps(p) {
			return u.owner, true
		}
	}
	return "", false
}

// freeSubnet returns the first /24 of DefaultPool that nothing uses.
func freeSubnet(used []usedRange) (netip.Prefix, bool) {
	pool := netip.MustParsePrefix(DefaultPool)
	base := pool.Addr().As4()
	for i := 0; i < 256; i++ {
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{base[0], base[1], byte(i), 0}), 24)
		if _, taken := collision(p, used); !taken {
			return p, true
		}
	}
	return netip.Prefix{}, false
}

// chooseSubnet returns want (checked for collisions and room for nodes
// nodes) or, when want is empty, a free /24 of DefaultPool.
func chooseSubnet(want string, nodes int, used []usedRange) (netip.Prefix, error) {
	if want == "" {
		p, ok := freeSubnet(used)
		if !ok {
			return netip.Prefix{}, fmt.Errorf("every /24 of %s is in use by Docker networks or routes: "+
				"delete unused sandboxes (kubeup sandbox list) or choose a subnet with --subnet", DefaultPool)
		}
		return p, nil
	}
	p, err := netip.ParsePrefix(want)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, fmt.Errorf("--subnet %q is not an IPv4 CIDR such as 172.30.5.0/24", want)
	}
	p = p.Masked()
	if hosts := (1 << (32 - p.Bits())) - 3; hosts < nodes {
		return netip.Prefix{}, fmt.Errorf("--subnet %s holds %d nodes, fewer than --nodes %d: choose a larger subnet (a /24 holds 253)", p, max(hosts, 0), nodes)
	}
	if owner, taken := collision(p, used); taken {
		return netip.Prefix{}, fmt.Errorf("--subnet %s collides with %s: choose another with --subnet%s", p, owner, suggestion(used))
	}
	return p, nil
}

func suggestion(used []usedRange) string {
	if p, ok := freeSubnet(used); ok {
		return fmt.Sprintf(", for example --subnet %s, or leave --subnet out to pick a free one", p)
	}
	return ""
}

// gateway is the first address of p; node i (1-based) gets the (i+1)-th.
func gateway(p netip.Prefix) netip.Addr { return p.Addr().Next() }

// nodeAddr is the fixed address of node i (1-based) in p.
func nodeAddr(p netip.Prefix, i int) netip.Addr {
	a := gateway(p)
	for range i {
		a = a.Next()
	}
	return a
}

// parseRoutes reads the IPv4 routing table in /proc/net/route format.
func parseRoutes(r io.Reader) ([]Route, error) {
	var out []Route
	sc := bufio.NewScanner(r)
	for first := true; sc.Scan(); first = false {
		f := strings.Fields(sc.Text())
		if first || len(f) < 8 {
			continue
		}
		dst, err1 := hexAddr(f[1])
		mask, err2 := hexAddr(f[7])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("parse route %q: bad address", sc.Text())
		}
		bits := 0
		for m := binary.BigEndian.Uint32(mask[:]); m != 0; m <<= 1 {
			bits++
		}
		out = append(out, Route{Prefix: netip.PrefixFrom(netip.AddrFrom4(dst), bits), Dev: f[0]})
	}
	return out, sc.Err()
}

// hexAddr decodes the kernel's little-endian hex IPv4 address.
func hexAddr(s string) ([4]byte, error) {
	var a [4]byte
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 4 {
		return a, fmt.Errorf("bad hex address %q", s)
	}
	a = [4]byte{b[3], b[2], b[1], b[0]}
	return a, nil
}
