package render

import (
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"

	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/noderole"
	"kubeup.dev/kubeup/internal/spec"
)

// containerdEndpoint is containerd's CRI socket.
const containerdEndpoint = "unix:///run/containerd/containerd.sock"

// podPidsLimit bounds the processes and threads of one pod (CIS 4.2.13), so
// that a fork bomb cannot exhaust the node's PIDs; as OpenShift's default.
const podPidsLimit = 4096

// kubeletFiles renders kubelet's unit and KubeletConfiguration, plus its
// resolv.conf in the sandbox.
func kubeletFiles(in *input) ([]hostfile.File, error) {
	cfg, err := yamlFile(kubeletConfig(in))
	if err != nil {
		return nil, err
	}
	u, err := unitFile("kubelet", unitData{Exec: layout.Binary("kubelet"), Args: flags(kubeletFlags(in), nil)})
	if err != nil {
		return nil, err
	}
	// The kubelet configuration is root-only (CIS 4.1.9).
	files := []hostfile.File{rootOnly(layout.KubeletConfig, cfg), u}
	if sb := in.sandbox(); sb != nil && len(sb.Nameservers) > 0 {
		rc, err := execute("resolv.conf.tmpl", sb)
		if err != nil {
			return nil, err
		}
		files = append(files, file(layout.KubeletResolvConf, modePublic, rc))
	}
	return files, nil
}

// kubeletFlags holds what the configuration file cannot: the kubeconfigs
// (TLS bootstrap writes kubelet.conf from the bootstrap one) and the node's
// name and address.
func kubeletFlags(in *input) map[string]string {
	return map[string]string{
		"config":               layout.KubeletConfig,
		"bootstrap-kubeconfig": layout.BootstrapKubeletConf,
		"kubeconfig":           layout.KubeletConf,
		"cert-dir":             layout.KubeletPKIDir,
		"hostname-override":    in.h.Name,
		"node-ip":              in.h.Address,
	}
}

// kubeletConfig is the node's KubeletConfiguration: no anonymous access,
// client certificates from the cluster CA, webhook authentication and
// authorization against the API server, client certificate rotation,
// serving certificates requested from the API server (serverTLSBootstrap)
// instead of self-signed ones, strong TLS cipher suites, a PID limit per
// pod, unless the spec turns it off, protected kernel defaults and, in
// static-pods mode, the static pods of layout.ManifestsDir.
func kubeletConfig(in *input) *kubeletv1beta1.KubeletConfiguration {
	c := &kubeletv1beta1.KubeletConfiguration{
		TypeMeta: typeMeta(kubeletv1beta1.SchemeGroupVersion.String(), "KubeletConfiguration"),
		Authentication: kubeletv1beta1.KubeletAuthentication{
			X509:      kubeletv1beta1.KubeletX509Authentication{ClientCAFile: layout.CACert},
			Webhook:   kubeletv1beta1.KubeletWebhookAuthentication{Enabled: ptr(true)},
			Anonymous: kubeletv1beta1.KubeletAnonymousAuthentication{Enabled: ptr(false)},
		},
		Authorization:            kubeletv1beta1.KubeletAuthorization{Mode: kubeletv1beta1.KubeletAuthorizationModeWebhook},
		CgroupDriver:             in.s.Kubelet.CgroupDriver,
		ClusterDNS:               []string{in.dnsIP.String()},
		ClusterDomain:            in.s.Network.DNSDomain,
		ContainerRuntimeEndpoint: containerdEndpoint,
		FailSwapOn:               ptr(true),
		MaxPods:                  in.s.Kubelet.MaxPods,
		RotateCertificates:       true,
		ServerTLSBootstrap:       true,
		// CIS 4.2.6, 4.2.12 and 4.2.13; 4.2.6 of v1.7.0 for the kernel.
		MakeIPTablesUtilChains: ptr(true),
		TLSCipherSuites:        spec.StrongCipherSuites(),
		PodPidsLimit:           ptr(int64(podPidsLimit)),
		ProtectKernelDefaults:  in.s.Kubelet.KernelDefaultsProtected(),
	}
	// Registered tainted, so that no pod lands on a control plane or an
	// etcd-only host before apply labels and taints it (kubeadm does the
	// same for control planes).
	c.RegisterWithTaints = noderole.Taints(in.h)
	if in.s.Kubelet.AllowCgroupV1 {
		// Kubernetes 1.35 makes kubelet refuse cgroup v1 hosts unless this is
		// false; on cgroup v2 hosts the setting has no effect.
		c.FailCgroupV1 = ptr(false)
	}
	if in.s.StaticPods() {
		c.StaticPodPath = layout.ManifestsDir
	}
	applyKubeletSandbox(in, c)
	return c
}

// applyKubeletSandbox adds the node-container adaptations: a cgroup root
// per node because all node containers share one cgroup tree, and upstream
// nameservers because the node's own resolver is a loopback address that
// makes CoreDNS detect a forwarding loop.
func applyKubeletSandbox(in *input, c *kubeletv1beta1.KubeletConfiguration) {
	sb := in.sandbox()
	if sb == nil {
		return
	}
	if sb.PerNodeCgroupRoot {
		c.CgroupRoot = "/kubeup-" + in.h.Name
	}
	if len(sb.Nameservers) > 0 {
		c.ResolverConfig = ptr(layout.KubeletResolvConf)
	}
}

func ptr[T any](v T) *T { return &v }
