package render

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"

	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/spec"
)

// controlPlaneOnly are files a host of cluster c without the
// control-plane role must never receive.
func controlPlaneOnly(c *spec.Cluster) []string {
	out := []string{
		runFile(c, "kube-apiserver"), runFile(c, "kube-controller-manager"), runFile(c, "kube-scheduler"),
		layout.EncryptionConfig, layout.AuditPolicy, layout.AuthenticationConfig, layout.Addon(AddonCoreDNS),
	}
	if c.Spec.StaticPods() {
		out = append(out, layout.Addon(AddonNetwork))
	}
	return out
}

// privateKeys are the CA and signing keys only control planes may use.
func privateKeys() []string {
	return []string{layout.CAKey, layout.EtcdCAKey, layout.FrontProxyCAKey, layout.ServiceAccountKey}
}

// TestWorkersGetNoControlPlaneFiles checks that hosts without the
// control-plane role get no control-plane unit or secret and no file that
// refers to a CA or signing key, and that control planes do.
func TestWorkersGetNoControlPlaneFiles(t *testing.T) {
	for _, v := range variants {
		c := loadSpec(t, v)
		for host, files := range renderHosts(t, v) {
			h, _ := c.Spec.Host(host)
			cp := h.HasRole(spec.RoleControlPlane)
			for _, p := range controlPlaneOnly(c) {
				if hasFile(files, p) != cp {
					t.Errorf("%s/%s: has %s = %v, control plane = %v", v, host, p, !cp, cp)
				}
			}
			if cp {
				continue
			}
			for _, f := range files {
				if f.Secret() {
					t.Errorf("%s/%s: worker receives secret file %s", v, host, f.Path)
				}
				for _, k := range privateKeys() {
					if strings.Contains(string(f.Content), k) {
						t.Errorf("%s/%s: %s refers to %s", v, host, f.Path, k)
					}
				}
			}
		}
	}
}

func TestEtcdOnlyOnEtcdHosts(t *testing.T) {
	for _, v := range variants {
		c := loadSpec(t, v)
		for host, files := range renderHosts(t, v) {
			h, _ := c.Spec.Host(host)
			want := h.HasRole(spec.RoleEtcd) && c.Spec.Etcd.External == nil
			if hasFile(files, runFile(c, "etcd")) != want {
				t.Errorf("%s/%s: %s present = %v, want %v", v, host, runFile(c, "etcd"), !want, want)
			}
		}
	}
}

func TestEtcdInitialClusterHasEveryMember(t *testing.T) {
	files := renderHosts(t, "ha")["cp2"]
	u := string(fileAt(t, files, layout.Unit("etcd")).Content)
	want := "--initial-cluster=cp1=https://10.0.0.11:2380,cp2=https://10.0.0.12:2380,cp3=https://10.0.0.13:2380 \\\n"
	if !strings.Contains(u, want) || !strings.Contains(u, "--name=cp2 \\\n") {
		t.Errorf("etcd unit of cp2 lacks %q or its name:\n%s", want, u)
	}
	api := string(fileAt(t, files, layout.Unit("kube-apiserver")).Content)
	servers := "--etcd-servers=https://10.0.0.11:2379,https://10.0.0.12:2379,https://10.0.0.13:2379 \\\n"
	if !strings.Contains(api, servers) {
		t.Errorf("apiserver lacks %q", servers)
	}
}

func TestExternalEtcdFlags(t *testing.T) {
	api := string(fileAt(t, renderHosts(t, "external")["master"], layout.Unit("kube-apiserver")).Content)
	for _, want := range []string{
		"--etcd-servers=https://10.1.9.1:2379,https://10.1.9.2:2379 \\",
		"--etcd-cafile=/etc/etcd-external/ca.pem \\",
		"--etcd-certfile=/etc/etcd-external/client.pem \\",
		"--etcd-keyfile=/etc/etcd-external/client-key.pem \\",
	} {
		if !strings.Contains(api, want) {
			t.Errorf("apiserver lacks %q", want)
		}
	}
}

// TestNonWorkersRegisterTainted: a control plane that is not a worker
// registers with the control-plane NoSchedule taint, an etcd-only host
// with the etcd one; workers without.
func TestNonWorkersRegisterTainted(t *testing.T) {
	for _, v := range variants {
		c := loadSpec(t, v)
		for host, files := range renderHosts(t, v) {
			h, _ := c.Spec.Host(host)
			want := ""
			switch {
			case h.HasRole(spec.RoleWorker):
			case h.HasRole(spec.RoleControlPlane):
				want = "node-role.kubernetes.io/control-plane"
			case h.HasRole(spec.RoleEtcd):
				want = "node-role.kubernetes.io/etcd"
			}
			var k kubeletv1beta1.KubeletConfiguration
			decodeStrict(t, fileAt(t, files, layout.KubeletConfig).Content, &k)
			got := ""
			if len(k.RegisterWithTaints) == 1 && k.RegisterWithTaints[0].Effect == corev1.TaintEffectNoSchedule {
				got = k.RegisterWithTaints[0].Key
			}
			if got != want || (want == "" && len(k.RegisterWithTaints) > 0) {
				t.Errorf("%s/%s: registerWithTaints %v, want %q", v, host, k.RegisterWithTaints, want)
			}
		}
	}
}
