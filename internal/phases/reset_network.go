package phases

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/phase"
)

// resetMountRE matches the mount points reset unmounts: pod volumes (and
// /var/lib/kubelet itself, which kubelet bind-mounts onto itself to share
// mounts), pod network namespaces and the CRI plugin's sandbox shared
// memory.
const resetMountRE = `^(/var/lib/kubelet(/|$)|/run/netns/cni-|/run/containerd/io\.containerd\.grpc\.v1\.cri/sandboxes/)`

// mountsProbe prints the mounts reset removes and the pod network
// namespace files.
func mountsProbe() string {
	return fmt.Sprintf(`awk '{ print $2 }' /proc/mounts | grep -E '%s' | sed 's/^/mount /'
for n in /run/netns/cni-*; do [ -e "$n" ] && echo "netns $n"; done; true`, resetMountRE)
}

// resetMounts unmounts everything under /var/lib/kubelet (deepest first),
// the pods' network namespaces and the CRI sandboxes' shared memory, then
// removes the namespace files.
func resetMounts(ctx context.Context, r *Run, s *phase.Step) error {
	got, err := probeHost(ctx, s.Host(), mountsProbe())
	if err != nil {
		return err
	}
	mounts, netns := len(got["mount"]), len(got["netns"])
	if mounts == 0 && netns == 0 {
		return nil
	}
	var parts []string
	if mounts > 0 {
		parts = append(parts, fmt.Sprintf("unmount %d mounts under %s, /run/netns and containerd's CRI sandboxes", mounts, layout.KubeletDir))
	}
	if netns > 0 {
		parts = append(parts, fmt.Sprintf("remove %d pod network namespaces /run/netns/cni-*", netns))
	}
	return wetExec(ctx, s, strings.Join(parts, " and "), unmountPodsCmd())
}

// unmountPodsCmd unmounts the mounts reset removes, deepest first (lazily
// when busy), then removes the pod network namespace files (and their
// directory when that leaves it empty).
func unmountPodsCmd() string {
	return fmt.Sprintf(`awk '{ print $2 }' /proc/mounts | grep -E '%s' | sort -r | while read -r m; do umount "$m" 2>/dev/null || umount -l "$m" || exit 1; done || exit 1
rm -f /run/netns/cni-*; rmdir /run/netns 2>/dev/null; true`, resetMountRE)
}

// resetLinks are the interfaces flannel and the bridge CNI plugin create.
func resetLinks() []string {
	return []string{"cni0", "flannel.1", "flannel-v6.1"}
}

// networkProbe prints the CNI interfaces, the veths on cni0, the routes
// into the pod network through other devices (host-gw), and the iptables
// chains KUBE-* and FLANNEL-* of every table.
func networkProbe(podCIDRs []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `for l in %s; do [ -e "/sys/class/net/$l" ] && echo "link $l"; done
[ -e /sys/class/net/cni0 ] && ip -o link show master cni0 | awk -F': ' '{ split($2, a, "@"); print "veth", a[1] }'
`, strings.Join(resetLinks(), " "))
	for _, c := range podCIDRs {
		fmt.Fprintf(&b, "ip %s -o route show root %s | grep -vE ' dev (cni0|flannel[.-])' | sed 's/^/route %s /'\n", ipFamily(c), host.Quote(c), c)
	}
	for _, t := range iptablesTools() {
		fmt.Fprintf(&b, `command -v %[1]s-save >/dev/null 2>&1 && %[1]s-save 2>/dev/null | awk '/^\*/ { tb = substr($0, 2) } /^:(KUBE-|FLANNEL-)/ { print "chain %[1]s", tb, substr($1, 2) }'`+"\n", t)
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
func (r *Run) podCIDRs() []string {
	var out []string
	for _, c := range strings.Split(r.Cluster.Spec.Network.PodCIDR, ",") {
		if c = strings.TrimSpace(c); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// resetNetwork deletes the CNI interfaces and veths, the routes into the
// pod network, and the iptables chains KUBE-* and FLANNEL-* with the rules
// that jump to them, for iptables and ip6tables.
func resetNetwork(ctx context.Context, r *Run, s *phase.Step) error {
	got, err := probeHost(ctx, s.Host(), networkProbe(r.podCIDRs()))
	if err != nil {
		return err
	}
	if err := deleteLinks(ctx, s, got); err != nil {
		return err
	}
	if err := deleteRoutes(ctx, s, got["route"]); err != nil {
		return err
	}
	return deleteChains(ctx, s, got["chain"])
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
	return wetExec(ctx, s, "delete network interfaces "+listedNames(links, 8), deleteLinksCmd())
}

// deleteLinksCmd deletes the veths on cni0, then the CNI interfaces.
func deleteLinksCmd() string {
	return fmt.Sprintf(`for l in $([ -e /sys/class/net/cni0 ] && ip -o link show master cni0 | awk -F': ' '{ split($2, a, "@"); print a[1] }') %s; do
  [ -e "/sys/class/net/$l" ] || continue; ip link delete "$l" || [ ! -e "/sys/class/net/$l" ] || exit 1; done`, strings.Join(resetLinks(), " "))
}

// deleteRoutes flushes the routes into the pod network that outlive the
// CNI interfaces (flannel's host-gw routes through the node's own NIC).
func deleteRoutes(ctx context.Context, s *phase.Step, routes [][]string) error {
	byCIDR := map[string][]string{}
	for _, f := range routes {
		if len(f) >= 2 {
			byCIDR[f[0]] = append(byCIDR[f[0]], strings.Join(f[1:], " "))
		}
	}
	for _, c := range slices.Sorted(maps.Keys(byCIDR)) {
		what := fmt.Sprintf("delete routes into the pod network %s: %s", c, listedNames(byCIDR[c], 4))
		if err := wetExec(ctx, s, what, fmt.Sprintf("ip %s route flush root %s", ipFamily(c), host.Quote(c))); err != nil {
			return err
		}
	}
	return nil
}

// chainRestore removes, through TOOL-restore --noflush in one
// transaction per tool, every rule of other chains that jumps to a chain
// KUBE-* or FLANNEL-*, then flushes and deletes those chains.
const chainRestore = `/^\*/ { print; n = 0; next }
/^:(KUBE-|FLANNEL-)/ { c[n++] = substr($1, 2); next }
/^-A / { if ($2 !~ /^(KUBE-|FLANNEL-)/ && $0 ~ / -[jg] (KUBE-|FLANNEL-)/) { sub(/^-A /, "-D "); print }; next }
/^COMMIT/ { for (i = 0; i < n; i++) print "-F " c[i]; for (i = 0; i < n; i++) print "-X " c[i]; print; next }`

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
		if err := wetExec(ctx, s, deleteChainsWhat(tool, tables), deleteChainsCmd(tool)); err != nil {
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
	return fmt.Sprintf("remove %d %s chains KUBE-* and FLANNEL-* (%s) and the rules that jump to them", total, tool, strings.Join(parts, ", "))
}

func deleteChainsCmd(tool string) string {
	return fmt.Sprintf(`%[1]s-save | awk '%[2]s' | %[1]s-restore --noflush || exit 1
left=$(%[1]s-save | grep -E '^:(KUBE-|FLANNEL-)' | cut -d' ' -f1 | tr '\n' ' ')
[ -z "$left" ] || { echo "chains left after %[1]s-restore: $left" >&2; exit 1; }`, tool, chainRestore)
}
