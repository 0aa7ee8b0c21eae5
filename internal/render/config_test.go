package render

import (
	"testing"

	kubeproxyv1alpha1 "k8s.io/kube-proxy/config/v1alpha1"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"
	"sigs.k8s.io/yaml"

	"kubeup.dev/kubeup/internal/layout"
)

// decodeStrict decodes rendered YAML into a typed value, failing on fields
// the type does not know.
func decodeStrict(t *testing.T, b []byte, into any) {
	t.Helper()
	if err := yaml.UnmarshalStrict(b, into); err != nil {
		t.Fatalf("decode %T: %v\n%s", into, err, b)
	}
}

func TestKubeletConfigRoundTrip(t *testing.T) {
	for _, v := range variants {
		c := loadSpec(t, v)
		dns, _ := c.Spec.DNSServiceIP()
		for host, files := range renderHosts(t, v) {
			var k kubeletv1beta1.KubeletConfiguration
			decodeStrict(t, fileAt(t, files, layout.KubeletConfig).Content, &k)
			checks := map[string]bool{
				"kind":                   k.Kind == "KubeletConfiguration" && k.APIVersion == "kubelet.config.k8s.io/v1beta1",
				"anonymous disabled":     k.Authentication.Anonymous.Enabled != nil && !*k.Authentication.Anonymous.Enabled,
				"webhook authn":          k.Authentication.Webhook.Enabled != nil && *k.Authentication.Webhook.Enabled,
				"webhook authz":          k.Authorization.Mode == kubeletv1beta1.KubeletAuthorizationModeWebhook,
				"client CA":              k.Authentication.X509.ClientCAFile == layout.CACert,
				"cluster DNS":            len(k.ClusterDNS) == 1 && k.ClusterDNS[0] == dns.String(),
				"cluster domain":         k.ClusterDomain == c.Spec.Network.DNSDomain,
				"cgroup driver":          k.CgroupDriver == c.Spec.Kubelet.CgroupDriver,
				"max pods":               k.MaxPods == c.Spec.Kubelet.MaxPods,
				"fail on swap":           k.FailSwapOn != nil && *k.FailSwapOn,
				"rotate certificates":    k.RotateCertificates,
				"serving cert bootstrap": k.ServerTLSBootstrap,
				"runtime endpoint":       k.ContainerRuntimeEndpoint == "unix:///run/containerd/containerd.sock",
				"no read-only port":      k.ReadOnlyPort == 0,
			}
			for name, ok := range checks {
				if !ok {
					t.Errorf("%s/%s kubelet config: %s is wrong", v, host, name)
				}
			}
		}
	}
}

func TestKubeletFailCgroupV1From135(t *testing.T) {
	for v, want := range map[string]bool{"basic": false, "external": false, "ha": true} {
		for host, files := range renderHosts(t, v) {
			var k kubeletv1beta1.KubeletConfiguration
			decodeStrict(t, fileAt(t, files, layout.KubeletConfig).Content, &k)
			got := k.FailCgroupV1 != nil && !*k.FailCgroupV1
			if got != want || (!want && k.FailCgroupV1 != nil) {
				t.Errorf("%s/%s: failCgroupV1 = %v, want false set: %v", v, host, k.FailCgroupV1, want)
			}
		}
	}
}

func TestKubeProxyConfigRoundTrip(t *testing.T) {
	for _, v := range variants {
		c := loadSpec(t, v)
		for host, files := range renderHosts(t, v) {
			var p kubeproxyv1alpha1.KubeProxyConfiguration
			decodeStrict(t, fileAt(t, files, layout.KubeProxyConfig).Content, &p)
			if p.Kind != "KubeProxyConfiguration" || p.Mode != "iptables" ||
				p.ClusterCIDR != c.Spec.Network.PodCIDR || p.HostnameOverride != host ||
				p.ClientConnection.Kubeconfig != layout.KubeProxyConf {
				t.Errorf("%s/%s kube-proxy config: %+v", v, host, p)
			}
			sandbox := c.Spec.Sandbox != nil
			if got := p.Conntrack.MaxPerCore; (got != nil) != sandbox || (got != nil && *got != 0) {
				t.Errorf("%s/%s: conntrack.maxPerCore = %v, want 0 only in the sandbox", v, host, got)
			}
		}
	}
}
