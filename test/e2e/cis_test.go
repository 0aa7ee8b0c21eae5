//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"
)

// cisHostChecks are the CIS items a running sandbox node shows, each a
// shell command that prints nothing when the item holds on the node.
var cisHostChecks = []struct{ id, what, cmd string }{
	{"1.1.1-1.1.8, 4.1.1", "unit files and static pod manifests 0600 root:root",
		`cd /etc/systemd/system && for f in etcd.service kube-apiserver.service kube-controller-manager.service kube-scheduler.service kubelet.service kube-proxy.service flanneld.service /etc/kubernetes/manifests/*.yaml; do [ -e "$f" ] && find "$f" \( ! -perm 600 -o ! -user root -o ! -group root \) -printf '%p %m %u:%g\n'; done; [ -e kubelet.service ] || echo "no kubelet unit"`},
	{"1.1.9", "CNI configuration 0600", `find /etc/cni/net.d /etc/kube-flannel -type f ! -perm 600 -printf '%p %m\n'`},
	{"1.1.11, 1.1.12", "etcd data dir etcd:etcd 0700", `[ "$(stat -c '%U:%G %a' /var/lib/etcd)" = "etcd:etcd 700" ] || stat -c '%n %U:%G %a' /var/lib/etcd; find /var/lib/etcd ! -user etcd | head -3`},
	{"1.1.19-1.1.21, 4.1.7", "PKI root:root 0600", `find /etc/kubernetes/pki \( ! -user root -o ! -group root \) -printf '%p %u:%g\n'; find /etc/kubernetes/pki -type f ! -perm 600 -printf '%p %m\n'`},
	{"1.1.13-1.1.18, 4.1.3, 4.1.5", "kubeconfigs 0600", `find /etc/kubernetes -maxdepth 1 -name '*.conf' ! -perm 600 -printf '%p %m\n'`},
	{"4.1.9", "kubelet config 0600", `find /var/lib/kubelet/config.yaml ! -perm 600 -printf '%p %m\n'`},
	{"etcd user", "etcd runs as etcd", `u=$(ps -o user= -C etcd | sort -u); [ "$u" = etcd ] || echo "etcd runs as '$u'"; grep -qx etcd /var/lib/kubeup/created-users || echo "etcd user not recorded"`},
	{"etcd credentials", "etcd's keys readable by etcd only in its credentials dir (systemd's, or apply's for the static pod)", `[ -e /run/credentials/etcd.service/server.key ] || [ -e /var/lib/kubeup/etcd-credentials/server.key ] || echo "no etcd credentials"; find /run/credentials/etcd.service -type f \( ! -user etcd -a ! -user root \) -printf '%p %u\n' 2>/dev/null; find /var/lib/kubeup/etcd-credentials -type f \( ! -user etcd -o -perm /077 \) -printf '%p %u %m\n' 2>/dev/null; su -s /bin/sh etcd -c 'cat /etc/kubernetes/pki/etcd/server.key' >/dev/null 2>&1 && echo "etcd reads the key in /etc/kubernetes/pki"; su -s /bin/sh etcd -c 'cat /etc/kubernetes/pki/apiserver-etcd-client.key' >/dev/null 2>&1 && echo "etcd reads the API server's etcd client key"; true`},
	{"4.2.6 of v1.7.0", "protectKernelDefaults off in the sandbox, its sysctls untouched", `grep -q protectKernelDefaults /var/lib/kubelet/config.yaml && echo "sandbox kubelet protects kernel defaults"; grep -q overcommit /etc/sysctl.d/99-kubeup.conf && echo "sandbox sets kubelet's sysctls"; true`},
}

// checkCISOnHost runs cisHostChecks on the control plane node.
func checkCISOnHost(t *testing.T, node string) {
	t.Helper()
	for _, c := range cisHostChecks {
		r := run(t, "", time.Minute, "docker", "exec", node, "sh", "-c", c.cmd)
		if r.code != 0 || strings.TrimSpace(r.out) != "" {
			t.Errorf("CIS %s (%s) on %s: exit %d:\n%s%s", c.id, c.what, node, r.code, r.out, tail(r.err, 5))
		}
	}
}
