package reset

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
)

// resetMountRE matches the mount points reset unmounts: pod volumes (and
// /var/lib/kubelet itself, which kubelet bind-mounts onto itself to share
// mounts), pod network namespaces and the CRI plugin's sandbox shared
// memory.
const resetMountRE = `^(/var/lib/kubelet(/|$)|/run/netns/cni-|/run/containerd/io\.containerd\.grpc\.v1\.cri/sandboxes/)`

// mountsProbe prints the mounts reset removes, the pod network
// namespace files, and "netnsdir" when /run/netns is left empty (the
// runtime may have removed the namespaces as it stopped the pods).
func mountsProbe() string {
	return fmt.Sprintf(`awk '{ print $2 }' /proc/mounts | grep -E '%s' | sed 's/^/mount /'
for n in /run/netns/cni-*; do [ -e "$n" ] && echo "netns $n"; done
[ -d /run/netns ] && [ -z "$(ls -A /run/netns)" ] && echo netnsdir; true`, resetMountRE)
}

// resetMounts unmounts everything under /var/lib/kubelet (deepest first),
// the pods' network namespaces and the CRI sandboxes' shared memory, then
// removes the namespace files, on a host whose kubelet is kubeup's.
func (x *resetter) resetMounts(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	if !x.targetOf(r, s.HostName()).pods() {
		return nil
	}
	got, err := remoteops.ProbeHost(ctx, s.Host(), mountsProbe())
	if err != nil {
		return err
	}
	mounts, netns := len(got["mount"]), len(got["netns"])
	if mounts == 0 && netns == 0 {
		if _, empty := got["netnsdir"]; empty {
			return remoteops.WetExec(ctx, s, "remove the empty /run/netns the pods' namespaces were in", "rmdir /run/netns 2>/dev/null; true")
		}
		return nil
	}
	var parts []string
	if mounts > 0 {
		parts = append(parts, fmt.Sprintf("unmount %d mounts under %s, /run/netns and containerd's CRI sandboxes", mounts, layout.KubeletDir))
	}
	if netns > 0 {
		parts = append(parts, fmt.Sprintf("remove %d pod network namespaces /run/netns/cni-*", netns))
	}
	return remoteops.WetExec(ctx, s, strings.Join(parts, " and "), unmountPodsCmd())
}

// unmountPodsCmd unmounts the mounts reset removes, deepest first (lazily
// when busy; one that vanished meanwhile is fine), then removes the pod
// network namespace files (and their directory when that leaves it
// empty).
func unmountPodsCmd() string {
	return fmt.Sprintf(`awk '{ print $2 }' /proc/mounts | grep -E '%s' | sort -r | while read -r m; do %s; done || exit 1
rm -f /run/netns/cni-*; rmdir /run/netns 2>/dev/null; true`, resetMountRE, tolerantUmount("$m"))
}

// resetLinks are the interfaces the components create.
func resetLinks() []string { return catalog.Links(catalog.All()) }

// chainRE matches the names of the iptables chains the components create
// (an extended regular expression, anchored by the caller).
func chainRE() string {
	return "(" + strings.Join(catalog.ChainPrefixes(catalog.All()), "|") + ")"
}

// chainNames says which chains those are, for messages ("KUBE-* and
// FLANNEL-*").
func chainNames() string {
	return strings.Join(catalog.ChainPrefixes(catalog.All()), "* and ") + "*"
}

// linksRE matches the component interfaces in ip's "dev NAME" output.
func linksRE() string {
	var q []string
	for _, l := range resetLinks() {
		q = append(q, strings.ReplaceAll(l, ".", `\.`))
	}
	return "(" + strings.Join(q, "|") + ")"
}

// networkProbe prints the CNI interfaces, the veths on cni0, the routes
// into the pod network through other devices (flannel's host-gw routes,
// and any the host has of its own), and the iptables chains KUBE-* and
// FLANNEL-* of every table.
func networkProbe(podCIDRs []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `for l in %s; do [ -e "/sys/class/net/$l" ] && echo "link $l"; done
[ -e /sys/class/net/cni0 ] && ip -o link show master cni0 | awk -F': ' '{ split($2, a, "@"); print "veth", a[1] }'
`, strings.Join(resetLinks(), " "))
	for _, c := range podCIDRs {
		fmt.Fprintf(&b, "ip %s -o route show root %s | grep -vE ' dev %s( |$)' | sed 's/^/route %s /'\n", ipFamily(c), host.Quote(c), linksRE(), c)
	}
	for _, t := range iptablesTools() {
		fmt.Fprintf(&b, `command -v %[1]s-save >/dev/null 2>&1 && %[1]s-save 2>/dev/null | awk '/^\*/ { tb = substr($0, 2) } /^:%[2]s/ { print "chain %[1]s", tb, substr($1, 2) }'`+"\n", t, chainRE())
	}
	b.WriteString("true")
	return b.String()
}

// iptablesTools are the iptables front ends kube-proxy, kubelet and
// flanneld use: whichever backend iptables points to.
func iptablesTools() []string { return []string{"iptables", "ip6tables"} }

func ipFamily(cidr string) string {
	if strings.Contains(cidr, ":") {
		return "-6"
	}
	return "-4"
}

// podCIDRs splits the spec's pod network (dual-stack has two).
func podCIDRs(r *remoteops.Run) []string {
	var out []string
	for _, c := range strings.Split(r.Cluster.Spec.Network.PodCIDR, ",") {
		if c = strings.TrimSpace(c); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// resetNetwork deletes, on a host whose pod network is kubeup's, the CNI
// interfaces and veths, flannel's routes into the pod network, and the
// iptables chains KUBE-* and FLANNEL-* with the rules that jump to them,
// for iptables and ip6tables.
func (x *resetter) resetNetwork(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	if !x.targetOf(r, s.HostName()).network() {
		return nil
	}
	got, err := remoteops.ProbeHost(ctx, s.Host(), networkProbe(podCIDRs(r)))
	if err != nil {
		return err
	}
	if err := deleteLinks(ctx, s, got); err != nil {
		return err
	}
	if err := deleteRoutes(ctx, s, flannelRoutes(got["route"], hostAddresses(r))); err != nil {
		return err
	}
	return deleteChains(ctx, s, got["chain"])
}

// hostAddresses are the spec's host addresses: flannel's host-gw routes
// go through them.
func hostAddresses(r *remoteops.Run) []string {
	var out []string
	for _, h := range r.Cluster.Spec.Hosts {
		out = append(out, h.Address)
	}
	return out
}

// podRoute is one route into the pod network: its family's pod CIDR and
// the route as ip prints it.
type podRoute struct {
	cidr  string
	route []string
}

// flannelRoutes picks, from the probe's "route CIDR ROUTE..." lines, the
// routes flannel's host-gw backend makes: a node's subnet (/24, or /64
// for IPv6) through another host of the cluster. Any other route into
// the pod network (a blackhole, a host route, one through a router that
// is not a cluster host) is the host's own and stays.
func flannelRoutes(lines [][]string, hosts []string) []podRoute {
	var out []podRoute
	for _, f := range lines {
		if len(f) < 4 {
			continue
		}
		dst, rest := f[1], f[2:]
		_, bits, ok := strings.Cut(dst, "/")
		if !ok || (bits != "24" && bits != "64") {
			continue
		}
		if i := slices.Index(rest, "via"); i < 0 || i+1 >= len(rest) || !slices.Contains(hosts, rest[i+1]) {
			continue
		}
		out = append(out, podRoute{cidr: f[0], route: f[1:]})
	}
	return out
}

func deleteLinks(ctx context.Context, s *phase.Step, got map[string][][]string) error {
	var links []string
	for _, k := range []string{"veth", "link"} {
		for _, f := range got[k] {
			links = append(links, f[0])
		}
	}
	if len(links) == 0 {
		return nil
	}
	return remoteops.WetExec(ctx, s, "delete network interfaces "+remoteops.ListedNames(links, 8), deleteLinksCmd())
}

// deleteLinksCmd deletes the veths on cni0, then the CNI interfaces.
func deleteLinksCmd() string {
	return fmt.Sprintf(`for l in $([ -e /sys/class/net/cni0 ] && ip -o link show master cni0 | awk -F': ' '{ split($2, a, "@"); print a[1] }') %s; do
  [ -e "/sys/class/net/$l" ] || continue; ip link delete "$l" || [ ! -e "/sys/class/net/$l" ] || exit 1; done`, strings.Join(resetLinks(), " "))
}

// deleteRoutes deletes flannel's routes that outlive the CNI interfaces
// (host-gw routes through the node's own NIC), one change per pod CIDR;
// a route that is already gone is fine.
func deleteRoutes(ctx context.Context, s *phase.Step, routes []podRoute) error {
	byCIDR := map[string][]podRoute{}
	for _, rt := range routes {
		byCIDR[rt.cidr] = append(byCIDR[rt.cidr], rt)
	}
	for _, c := range slices.Sorted(maps.Keys(byCIDR)) {
		var names, cmds []string
		for _, rt := range byCIDR[c] {
			names = append(names, strings.Join(rt.route, " "))
			cmds = append(cmds, deleteRouteCmd(c, rt.route))
		}
		what := fmt.Sprintf("delete flannel's routes into the pod network %s: %s", c, remoteops.ListedNames(names, 4))
		if err := remoteops.WetExec(ctx, s, what, strings.Join(cmds, "\n")); err != nil {
			return err
		}
	}
	return nil
}

// deleteRouteCmd deletes one route by its destination, gateway and
// device; it fails only when the route is still there.
func deleteRouteCmd(cidr string, route []string) string {
	dst, sel := route[0], []string{route[0]}
	for i := 1; i+1 < len(route); i++ {
		if route[i] == "via" || route[i] == "dev" {
			sel = append(sel, route[i], route[i+1])
		}
	}
	q := remoteops.QuoteWords(sel)
	return fmt.Sprintf(`ip %[1]s route del %[2]s 2>/dev/null || [ -z "$(ip %[1]s -o route show exact %[3]s)" ] || { echo "route %[2]s is still there" >&2; exit 1; }`,
		ipFamily(cidr), q, host.Quote(dst))
}

// chainRestore removes, through TOOL-restore --noflush in one
// transaction per tool, every rule of other chains that jumps to a chain
// of the components, then flushes and deletes those chains.
func chainRestore() string {
	return fmt.Sprintf(`/^\*/ { print; n = 0; next }
/^:%[1]s/ { c[n++] = substr($1, 2); next }
/^-A / { if ($2 !~ /^%[1]s/ && $0 ~ / -[jg] %[1]s/) { sub(/^-A /, "-D "); print }; next }
/^COMMIT/ { for (i = 0; i < n; i++) print "-F " c[i]; for (i = 0; i < n; i++) print "-X " c[i]; print; next }`, chainRE())
}

// deleteChains removes the chains of the probe's "chain TOOL TABLE NAME"
// lines, one change per tool, and checks that none is left.
func deleteChains(ctx context.Context, s *phase.Step, chains [][]string) error {
	byTool := map[string]map[string]int{} // tool -> table -> chains
	for _, f := range chains {
		if len(f) < 3 {
			continue
		}
		if byTool[f[0]] == nil {
			byTool[f[0]] = map[string]int{}
		}
		byTool[f[0]][f[1]]++
	}
	for _, tool := range iptablesTools() {
		tables := byTool[tool]
		if len(tables) == 0 {
			continue
		}
		if err := remoteops.WetExec(ctx, s, deleteChainsWhat(tool, tables), deleteChainsCmd(tool)); err != nil {
			return err
		}
	}
	return nil
}

func deleteChainsWhat(tool string, tables map[string]int) string {
	var parts []string
	total := 0
	for _, t := range slices.Sorted(maps.Keys(tables)) {
		parts = append(parts, fmt.Sprintf("%s %d", t, tables[t]))
		total += tables[t]
	}
	return fmt.Sprintf("remove %d %s chains %s (%s) and the rules that jump to them", total, tool, chainNames(), strings.Join(parts, ", "))
}

func deleteChainsCmd(tool string) string {
	return fmt.Sprintf(`%[1]s-save | awk '%[2]s' | %[1]s-restore --noflush || exit 1
left=$(%[1]s-save | grep -E '^:%[3]s' | cut -d' ' -f1 | tr '\n' ' ')
[ -z "$left" ] || { echo "chains left after %[1]s-restore: $left" >&2; exit 1; }`, tool, chainRestore(), chainRE())
}
