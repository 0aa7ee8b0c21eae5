//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// nodeListing prints what a node holds that kubeup could leave behind,
// in sections, sorted. Left out, because they change by themselves:
// /var/lib/containerd (containerd's own store; its k8s.io containers and
// images are listed instead), /var/lib/systemd (timer stamps, random
// seed), SSH login sessions, network-online.target (a passive target that
// kubelet's unit pulls in and nothing stops; active on any booted host),
// and the built-in iptables chains whose policy is ACCEPT (iptables-nft
// creates them on first use of a table: they filter nothing).
const nodeListing = `echo "## files"
find /etc/kubernetes /etc/systemd/system /var/lib /etc/cni /opt/cni /usr/local/bin /run/flannel /run/netns /etc/containerd \
  /etc/sysctl.d /etc/modules-load.d /var/log/kubernetes /var/log/pods /var/log/containers /usr/libexec/kubernetes /etc/kube-flannel \
  \( -path /var/lib/containerd -o -path /var/lib/systemd \) -prune -o -print 2>/dev/null | sort
echo "## contents"
find /etc/containerd /etc/sysctl.d /etc/modules-load.d /etc/systemd/system /etc/cni -type f -exec sha256sum {} + 2>/dev/null | sort -k2
echo "## unit files"
systemctl list-unit-files --no-legend --no-pager | awk '{ print $1, $2 }' | sort
echo "## units"
systemctl list-units --no-legend --no-pager --plain --state=active,failed,activating | awk '{ print $1, $3, $4 }' |
  grep -vE '^(user@|user-runtime-dir@|session-|run-user|user-0\.slice|user\.slice|network-online\.target)' | sort
echo "## mounts"
awk '{ print $2, $3 }' /proc/mounts | sort
echo "## interfaces"
ip -o link | awk -F': ' '{ print $2 }' | cut -d@ -f1 | sort
echo "## routes"
ip route; ip -6 route
for t in iptables ip6tables; do
  echo "## $t"
  $t-save | awk '/^\*/ { tb = substr($0, 2); next }
    /^:/ { c = substr($1, 2); if (c ~ /^(INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING)$/ && $2 == "ACCEPT") next; print tb, c, $2; next }
    /^-A/ { print tb, $0 }'
done
echo "## containerd k8s.io"
ctr -n k8s.io containers ls -q; ctr -n k8s.io images ls -q
echo "## users and groups"
cut -d: -f1 /etc/passwd | sort; cut -d: -f1 /etc/group | sort | sed 's/^/group /'
echo "## cgroups"
ls -d /sys/fs/cgroup/*/kubeup-* /sys/fs/cgroup/kubeup-* 2>/dev/null | sort`

// TestResetLeavesNothing is issue 6's reset test on a sandbox of 1 control
// plane and 2 workers: every node's listing taken before apply equals the
// one after apply, a reset of one worker (drained and deleted first) and a
// reset of the whole cluster; a second reset changes nothing; the local
// admin kubeconfig goes and the CA stays.
func TestResetLeavesNothing(t *testing.T) {
	const nodes = 3
	kubeup, dir, name, specPath := newSandbox(t, "rs", nodes, 1)

	before := listNodes(t, kubeup, dir, name, nodes)
	must(t, dir, 15*time.Minute, kubeup, "apply", "-f", specPath)

	if r := run(t, dir, time.Minute, kubeup, "reset", "-f", specPath); r.code != 2 || !strings.Contains(r.err, "--yes") {
		t.Errorf("reset without a terminal or --yes: exit %d, want 2 and a hint to pass --yes:\n%s", r.code, tail(r.err, 10))
	}
	dry := must(t, dir, 5*time.Minute, kubeup, "reset", "-f", specPath, "--dry-run")
	if !strings.Contains(dry.out, "nothing changed") || !strings.Contains(dry.err, "stop and disable kubelet") {
		t.Errorf("dry run does not list the changes:\n%s\n%s", dry.out, tail(dry.err, 40))
	}

	worker := name + "-node3"
	one := must(t, dir, 10*time.Minute, kubeup, "reset", "-f", specPath, "--host", worker, "--yes")
	t.Logf("reset of worker %s took %.1fs", worker, one.took.Seconds())
	checkNodeGone(t, dir, name, worker)

	all := must(t, dir, 10*time.Minute, kubeup, "reset", "-f", specPath, "--yes")
	t.Logf("reset of the whole cluster took %.1fs", all.took.Seconds())
	again := must(t, dir, 5*time.Minute, kubeup, "reset", "-f", specPath, "--yes")
	if !strings.Contains(again.out, "nothing to reset") {
		t.Errorf("second reset changed something:\n%s\n%s", again.out, tail(again.err, 40))
	}

	after := listNodes(t, kubeup, dir, name, nodes)
	for i := range nodes {
		if d := diffListings(before[i], after[i]); d != "" {
			t.Errorf("node%d differs after apply and reset (- before only, + after only):\n%s", i+1, d)
		}
	}
	state := filepath.Join(dir, ".kubeup", name)
	if _, err := os.Stat(filepath.Join(state, "admin.conf")); !os.IsNotExist(err) {
		t.Errorf("the admin kubeconfig is left after reset: %v", err)
	}
	if _, err := os.Stat(filepath.Join(state, "pki", "ca.crt")); err != nil {
		t.Errorf("reset removed the CA from the state directory: %v", err)
	}
}

// listNodes takes every node's listing over SSH.
func listNodes(t *testing.T, kubeup, dir, name string, nodes int) []string {
	t.Helper()
	out := make([]string, nodes)
	for i := range nodes {
		out[i] = must(t, dir, 2*time.Minute, kubeup, "sandbox", "ssh", name, fmt.Sprintf("node%d", i+1), "--", "sh", "-c", shellQuote(nodeListing)).out
	}
	return out
}

// checkNodeGone: a worker reset on its own is no longer a Node.
func checkNodeGone(t *testing.T, dir, name, worker string) {
	t.Helper()
	kubectl := filepath.Join(cacheRoot(t), "artifacts", k8sVersion(), "amd64", "bin", "kubectl")
	kubeconfig := filepath.Join(dir, ".kubeup", name, "admin.conf")
	r := must(t, dir, time.Minute, kubectl, "--kubeconfig", kubeconfig, "get", "nodes", "-o", "name")
	if strings.Contains(r.out, worker) {
		t.Errorf("node %s still exists after its reset:\n%s", worker, r.out)
	}
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// diffListings returns the lines only in a ("- ") and only in b ("+ "),
// each under its section, or "" when both hold the same lines.
func diffListings(a, b string) string {
	count := map[string]int{}
	walk := func(s string, delta int) {
		sec := ""
		for _, l := range strings.Split(s, "\n") {
			if strings.HasPrefix(l, "## ") {
				sec = l
				continue
			}
			count[sec+"\x00"+l] += delta
		}
	}
	walk(a, 1)
	walk(b, -1)
	var out []string
	for _, s := range []struct {
		text string
		sign int
	}{{a, 1}, {b, -1}} {
		sec := ""
		for _, l := range strings.Split(s.text, "\n") {
			if strings.HasPrefix(l, "## ") {
				sec = l
				continue
			}
			k := sec + "\x00" + l
			if count[k]*s.sign > 0 {
				mark := "-"
				if s.sign < 0 {
					mark = "+"
				}
				out = append(out, fmt.Sprintf("%s %s %s", sec, mark, l))
				count[k] -= s.sign
			}
		}
	}
	return strings.Join(out, "\n")
}

func TestDiffListings(t *testing.T) {
	a := "## files\n/a\n/b\n## units\nx active\n"
	b := "## files\n/a\n## units\nx active\ny failed\n"
	want := "## files - /b\n## units + y failed"
	if got := diffListings(a, b); got != want {
		t.Errorf("diff:\n%s\nwant:\n%s", got, want)
	}
	if d := diffListings(a, a); d != "" {
		t.Errorf("equal listings differ: %s", d)
	}
}
