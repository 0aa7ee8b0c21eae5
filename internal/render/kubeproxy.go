package render

import (
	componentbasev1alpha1 "k8s.io/component-base/config/v1alpha1"
	kubeproxyv1alpha1 "k8s.io/kube-proxy/config/v1alpha1"

	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
)

// kubeProxyFiles renders kube-proxy's KubeProxyConfiguration and, unless
// its DaemonSet runs it, its unit.
func kubeProxyFiles(in *input) ([]hostfile.File, error) {
	cfg, err := yamlFile(kubeProxyConfig(in))
	if err != nil {
		return nil, err
	}
	u, err := unitFiles(in, "kube-proxy", unitData{Exec: layout.Binary("kube-proxy"), Args: flags(kubeProxyFlags(), nil)})
	if err != nil {
		return nil, err
	}
	return append([]hostfile.File{file(layout.KubeProxyConfig, modePublic, cfg)}, u...), nil
}

// kubeProxyFlags name the configuration file alone: it is per host (its
// hostnameOverride is the host's name), in the unit as in the DaemonSet.
func kubeProxyFlags() map[string]string { return map[string]string{"config": layout.KubeProxyConfig} }

// kubeProxyConfig uses iptables mode (IPVS is not available on every
// kernel kubeup targets). In the sandbox, conntrack.maxPerCore 0 leaves
// nf_conntrack_max alone: it is read-only inside a node container.
func kubeProxyConfig(in *input) *kubeproxyv1alpha1.KubeProxyConfiguration {
	c := &kubeproxyv1alpha1.KubeProxyConfiguration{
		TypeMeta:         typeMeta(kubeproxyv1alpha1.SchemeGroupVersion.String(), "KubeProxyConfiguration"),
		ClientConnection: componentbasev1alpha1.ClientConnectionConfiguration{Kubeconfig: layout.KubeProxyConf},
		ClusterCIDR:      in.s.Network.PodCIDR,
		HostnameOverride: in.h.Name,
		Mode:             kubeproxyv1alpha1.ProxyMode("iptables"),
	}
	if sb := in.sandbox(); sb != nil && sb.ConntrackMaxPerCoreZero {
		c.Conntrack.MaxPerCore = ptr[int32](0)
	}
	return c
}
