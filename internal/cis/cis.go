// Package cis checks the files kubeup plans for a cluster against the CIS
// Kubernetes Benchmark items that concern what kubeup renders: control
// plane and worker file modes (1.1, 4.1), API server, controller manager
// and scheduler flags (1.2 to 1.4), etcd (2) and the kubelet and
// kube-proxy configuration (4.2, 4.3). In static-pods mode the control
// plane's and etcd's flags are their static pods' commands and 1.1.1 to
// 1.1.8 concern those pods' specifications (the staged manifests; the
// installed copies in /etc/kubernetes/manifests are written alike, 0600
// and root's). Items are numbered as in CIS
// v1.8.0, as validate's weakening table numbers them; v1.9.0 and v1.10.0
// number 1.2.12 to 1.2.30 one lower (SecurityContextDeny, 1.2.12, left)
// and keep every other number. Each item either has a check or says why
// it does not apply to a kubeup cluster.
package cis

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"
	"sigs.k8s.io/yaml"

	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/plan"
	"kubeup.dev/kubeup/internal/render"
	"kubeup.dev/kubeup/internal/spec"
)

// Item is one benchmark item.
type Item struct {
	// ID is the item's number, such as "1.2.30"; items of older benchmark
	// versions say so ("4.2.6 of v1.7.0").
	ID string
	// What the item asks.
	What string
	// NotApplicable says why the item does not apply to a kubeup cluster;
	// empty when it applies and Check decides.
	NotApplicable string
	// check returns the problems it finds in one host's files.
	check func(h *Host) []string
}

// Host is one host's planned files, indexed for the checks.
type Host struct {
	Spec  spec.Host
	files map[string]hostfile.File
	c     *spec.Cluster
}

// Result is an item's outcome on one host.
type Result struct {
	Item     Item
	Host     string
	Problems []string
}

// Check evaluates every applicable item on every host of a plan and
// returns the failures, in item then host order; none means every
// applicable item passes.
func Check(c *spec.Cluster, hosts []plan.HostFiles) []Result {
	var out []Result
	for _, it := range Items() {
		if it.NotApplicable != "" {
			continue
		}
		for _, hf := range hosts {
			h := &Host{Spec: hf.Host, files: map[string]hostfile.File{}, c: c}
			for _, f := range hf.Files {
				h.files[f.Path] = f
			}
			if p := it.check(h); len(p) > 0 {
				out = append(out, Result{Item: it, Host: hf.Host.Name, Problems: p})
			}
		}
	}
	return out
}

func (r Result) String() string {
	return fmt.Sprintf("CIS %s (%s) on %s: %s", r.Item.ID, r.Item.What, r.Host, strings.Join(r.Problems, "; "))
}

// Items is the benchmark as it applies to kubeup.
func Items() []Item {
	const a, cm, s = spec.ComponentAPIServer, spec.ComponentControllerManager, spec.ComponentScheduler
	return []Item{
		{ID: "1.1.1", What: "API server unit or pod specification 0600", check: onControlPlane(runFile(a, mode0600))},
		{ID: "1.1.2", What: "API server unit or pod specification root:root", check: onControlPlane(runFile(a, rootOwned))},
		{ID: "1.1.3", What: "controller manager unit or pod specification 0600", check: onControlPlane(runFile(cm, mode0600))},
		{ID: "1.1.4", What: "controller manager unit or pod specification root:root", check: onControlPlane(runFile(cm, rootOwned))},
		{ID: "1.1.5", What: "scheduler unit or pod specification 0600", check: onControlPlane(runFile(s, mode0600))},
		{ID: "1.1.6", What: "scheduler unit or pod specification root:root", check: onControlPlane(runFile(s, rootOwned))},
		{ID: "1.1.7", What: "etcd unit or pod specification 0600", check: onEtcd(runFile("etcd", mode0600))},
		{ID: "1.1.8", What: "etcd unit or pod specification root:root", check: onEtcd(runFile("etcd", rootOwned))},
		{ID: "1.1.9", What: "CNI files 0600", check: under0600(layout.CNIConfDir, layout.FlannelDir)},
		{ID: "1.1.10", What: "CNI files root:root", check: rootOwned(layout.FlannelCNIConfig, layout.FlannelNetConf)},
		{ID: "1.1.11", What: "etcd data directory 0700", check: onEtcd(etcdDataDir)},
		{ID: "1.1.12", What: "etcd data directory etcd:etcd", check: onEtcd(etcdDataDir)},
		{ID: "1.1.13", What: "admin.conf 0600", check: onControlPlane(mode0600(layout.AdminConf))},
		{ID: "1.1.14", What: "admin.conf root:root", check: onControlPlane(rootOwned(layout.AdminConf))},
		{ID: "1.1.15", What: "scheduler.conf 0600", check: onControlPlane(mode0600(layout.SchedulerConf))},
		{ID: "1.1.16", What: "scheduler.conf root:root", check: onControlPlane(rootOwned(layout.SchedulerConf))},
		{ID: "1.1.17", What: "controller-manager.conf 0600", check: onControlPlane(mode0600(layout.ControllerManagerConf))},
		{ID: "1.1.18", What: "controller-manager.conf root:root", check: onControlPlane(rootOwned(layout.ControllerManagerConf))},
		{ID: "1.1.19", What: "PKI directory and files root:root (etcd reads copies only it can read)", check: pkiRootOwned},
		{ID: "1.1.20", What: "PKI certificates 0600", check: pkiModes(".crt")},
		{ID: "1.1.21", What: "PKI keys 0600", check: pkiModes(".key")},

		{ID: "1.2.1", What: "anonymous requests reach only the health paths", check: onControlPlane(anonymousHealthOnly)},
		{ID: "1.2.2", What: "no --token-auth-file", check: onControlPlane(flagsClean(a, "1.2.2"))},
		{ID: "1.2.3", What: "DenyServiceExternalIPs admission plugin", check: onControlPlane(flagsSet(a, "1.2.3", "enable-admission-plugins"))},
		{ID: "1.2.4", What: "--kubelet-client-certificate and --kubelet-client-key", check: onControlPlane(flagsSet(a, "1.2.4", "kubelet-client-certificate", "kubelet-client-key"))},
		{ID: "1.2.5", What: "--kubelet-certificate-authority", check: onControlPlane(flagsSet(a, "1.2.5", "kubelet-certificate-authority"))},
		{ID: "1.2.6", What: "--authorization-mode without AlwaysAllow", check: onControlPlane(flagsSet(a, "1.2.6", "authorization-mode"))},
		{ID: "1.2.7", What: "--authorization-mode includes Node", check: onControlPlane(flagsSet(a, "1.2.7", "authorization-mode"))},
		{ID: "1.2.8", What: "--authorization-mode includes RBAC", check: onControlPlane(flagsSet(a, "1.2.8", "authorization-mode"))},
		{ID: "1.2.9", What: "EventRateLimit admission plugin", NotApplicable: "its limits need an admission configuration sized for the cluster's event volume, which kubeup cannot guess; API Priority and Fairness (on by default) already bounds any one client's requests; set it with apiServerExtraArgs admission-control-config-file"},
		{ID: "1.2.10", What: "no AlwaysAdmit admission plugin", check: onControlPlane(flagsSet(a, "1.2.10", "enable-admission-plugins"))},
		{ID: "1.2.11", What: "AlwaysPullImages admission plugin", NotApplicable: "kubeup imports the cluster's images into containerd on each node (bundles and sandboxes have no registry): always pulling would stop every system pod; the Node authorizer and NodeRestriction keep pods from naming other nodes"},
		{ID: "1.2.12", What: "SecurityContextDeny admission plugin", NotApplicable: "the plugin was removed in Kubernetes 1.30 (and from CIS v1.9.0); Pod Security admission, on by default, replaces it"},
		{ID: "1.2.13", What: "ServiceAccount admission plugin", check: onControlPlane(flagsClean(a, "1.2.13"))},
		{ID: "1.2.14", What: "NamespaceLifecycle admission plugin", check: onControlPlane(flagsClean(a, "1.2.14"))},
		{ID: "1.2.15", What: "NodeRestriction admission plugin", check: onControlPlane(flagsSet(a, "1.2.15", "enable-admission-plugins"))},
		{ID: "1.2.16", What: "--profiling=false", check: onControlPlane(flagsSet(a, "1.2.16", "profiling"))},
		{ID: "1.2.17", What: "--audit-log-path", check: onControlPlane(flagsSet(a, "1.2.17", "audit-log-path", "audit-policy-file"))},
		{ID: "1.2.18", What: "--audit-log-maxage 30", check: onControlPlane(flagAtLeast(a, "audit-log-maxage", 30))},
		{ID: "1.2.19", What: "--audit-log-maxbackup 10", check: onControlPlane(flagAtLeast(a, "audit-log-maxbackup", 10))},
		{ID: "1.2.20", What: "--audit-log-maxsize 100", check: onControlPlane(flagAtLeast(a, "audit-log-maxsize", 100))},
		{ID: "1.2.21", What: "--request-timeout as appropriate", check: onControlPlane(flagUnset(a, "request-timeout"))},
		{ID: "1.2.22", What: "--service-account-lookup true", check: onControlPlane(flagsClean(a, "1.2.22"))},
		{ID: "1.2.23", What: "--service-account-key-file", check: onControlPlane(flagsSet(a, "1.2.23", "service-account-key-file"))},
		{ID: "1.2.24", What: "--etcd-certfile and --etcd-keyfile", check: onControlPlane(flagsSet(a, "1.2.24", "etcd-certfile", "etcd-keyfile"))},
		{ID: "1.2.25", What: "--tls-cert-file and --tls-private-key-file", check: onControlPlane(flagsSet(a, "1.2.25", "tls-cert-file", "tls-private-key-file"))},
		{ID: "1.2.26", What: "--client-ca-file", check: onControlPlane(flagsSet(a, "1.2.26", "client-ca-file"))},
		{ID: "1.2.27", What: "--etcd-cafile", check: onControlPlane(flagsSet(a, "1.2.27", "etcd-cafile"))},
		{ID: "1.2.28", What: "--encryption-provider-config", check: onControlPlane(flagsSet(a, "1.2.28", "encryption-provider-config"))},
		{ID: "1.2.29", What: "encryption providers: secrets encrypted, identity only to read old data", check: onControlPlane(encryptionProviders)},
		{ID: "1.2.30", What: "TLS 1.2+ with strong cipher suites only", check: onControlPlane(flagsSet(a, "1.2.30", "tls-min-version", "tls-cipher-suites"))},
		{ID: "1.2.18 of v1.6.0", What: "no --insecure-bind-address", check: onControlPlane(flagsClean(a, "1.2.18 of v1.6.0"))},
		{ID: "1.2.19 of v1.6.0", What: "no --insecure-port", check: onControlPlane(flagsClean(a, "1.2.19 of v1.6.0"))},

		{ID: "1.3.1", What: "--terminated-pod-gc-threshold", check: onControlPlane(flagAtLeast(cm, "terminated-pod-gc-threshold", 1))},
		{ID: "1.3.2", What: "--profiling=false", check: onControlPlane(flagsSet(cm, "1.3.2", "profiling"))},
		{ID: "1.3.3", What: "--use-service-account-credentials=true", check: onControlPlane(flagsSet(cm, "1.3.3", "use-service-account-credentials"))},
		{ID: "1.3.4", What: "--service-account-private-key-file", check: onControlPlane(flagsSet(cm, "1.3.4", "service-account-private-key-file"))},
		{ID: "1.3.5", What: "--root-ca-file", check: onControlPlane(flagsSet(cm, "1.3.5", "root-ca-file"))},
		{ID: "1.3.6", What: "RotateKubeletServerCertificate", check: onControlPlane(flagsClean(cm, "1.3.6"))},
		{ID: "1.3.7", What: "--bind-address=127.0.0.1", check: onControlPlane(flagsSet(cm, "1.3.7", "bind-address"))},
		{ID: "1.4.1", What: "--profiling=false", check: onControlPlane(flagsSet(s, "1.4.1", "profiling"))},
		{ID: "1.4.2", What: "--bind-address=127.0.0.1", check: onControlPlane(flagsSet(s, "1.4.2", "bind-address"))},

		{ID: "2.1", What: "--cert-file and --key-file", check: onEtcd(etcdFlags("cert-file", "key-file"))},
		{ID: "2.2", What: "--client-cert-auth=true", check: onEtcd(etcdFlagIs("client-cert-auth", "true"))},
		{ID: "2.3", What: "--auto-tls not true", check: onEtcd(etcdFlagNot("auto-tls", "true"))},
		{ID: "2.4", What: "--peer-cert-file and --peer-key-file", check: onEtcd(etcdFlags("peer-cert-file", "peer-key-file"))},
		{ID: "2.5", What: "--peer-client-cert-auth=true", check: onEtcd(etcdFlagIs("peer-client-cert-auth", "true"))},
		{ID: "2.6", What: "--peer-auto-tls not true", check: onEtcd(etcdFlagNot("peer-auto-tls", "true"))},
		{ID: "2.7", What: "a CA of etcd's own", check: onEtcd(etcdOwnCA)},

		{ID: "4.1.1", What: "kubelet unit 0600", check: mode0600(layout.Unit("kubelet"))},
		{ID: "4.1.2", What: "kubelet unit root:root", check: rootOwned(layout.Unit("kubelet"))},
		{ID: "4.1.3", What: "kube-proxy kubeconfig 0600", check: mode0600(layout.KubeProxyConf)},
		{ID: "4.1.4", What: "kube-proxy kubeconfig root:root", check: rootOwned(layout.KubeProxyConf)},
		// apply writes bootstrap-kubelet.conf 0600 as a node joins, outside
		// the plan, and kubelet (root) writes kubelet.conf 0600 itself.
		{ID: "4.1.5", What: "kubelet kubeconfigs 0600", check: mode0600(layout.BootstrapKubeletConf, layout.KubeletConf)},
		{ID: "4.1.6", What: "kubelet kubeconfigs root:root (written by apply and by kubelet, both root)", check: rootOwned(layout.Unit("kubelet"))},
		{ID: "4.1.7", What: "client CA file 0600", check: mode0600(layout.CACert)},
		{ID: "4.1.8", What: "client CA file root:root", check: rootOwned(layout.CACert)},
		{ID: "4.1.9", What: "kubelet config.yaml 0600", check: mode0600(layout.KubeletConfig)},
		{ID: "4.1.10", What: "kubelet config.yaml root:root", check: rootOwned(layout.KubeletConfig)},

		{ID: "4.2.1", What: "kubelet anonymous auth off", check: kubelet(func(k *kubeletv1beta1.KubeletConfiguration) bool {
			return k.Authentication.Anonymous.Enabled != nil && !*k.Authentication.Anonymous.Enabled
		})},
		{ID: "4.2.2", What: "kubelet authorization Webhook", check: kubelet(func(k *kubeletv1beta1.KubeletConfiguration) bool {
			return k.Authorization.Mode == kubeletv1beta1.KubeletAuthorizationModeWebhook
		})},
		{ID: "4.2.3", What: "kubelet client CA file", check: kubelet(func(k *kubeletv1beta1.KubeletConfiguration) bool {
			return k.Authentication.X509.ClientCAFile == layout.CACert
		})},
		{ID: "4.2.4", What: "kubelet read-only port 0", check: kubelet(func(k *kubeletv1beta1.KubeletConfiguration) bool { return k.ReadOnlyPort == 0 })},
		{ID: "4.2.5", What: "streaming connection idle timeout not 0 (default 4h)", check: streamingTimeout},
		{ID: "4.2.6", What: "makeIPTablesUtilChains true", check: kubelet(func(k *kubeletv1beta1.KubeletConfiguration) bool {
			return k.MakeIPTablesUtilChains == nil || *k.MakeIPTablesUtilChains
		})},
		{ID: "4.2.6 of v1.7.0", What: "protectKernelDefaults true, with the kernel settings kubelet checks set first", check: protectKernelDefaults},
		{ID: "4.2.7", What: "no --hostname-override", NotApplicable: "kubeup names each node after its host in the spec, the name its kubelet client and serving certificates, CSR approval and node roles all use; the serving certificate comes from the cluster CA (serverTLSBootstrap), so the TLS mismatch this item guards against cannot arise"},
		{ID: "4.2.8", What: "eventRecordQPS not 0 (default 50)", check: kubelet(func(k *kubeletv1beta1.KubeletConfiguration) bool {
			return k.EventRecordQPS == nil || *k.EventRecordQPS > 0
		})},
		{ID: "4.2.9", What: "kubelet serving certificate from the cluster CA (serverTLSBootstrap)", check: kubelet(func(k *kubeletv1beta1.KubeletConfiguration) bool { return k.ServerTLSBootstrap })},
		{ID: "4.2.10", What: "rotateCertificates true", check: kubelet(func(k *kubeletv1beta1.KubeletConfiguration) bool { return k.RotateCertificates })},
		{ID: "4.2.11", What: "RotateKubeletServerCertificate (serverTLSBootstrap)", check: kubelet(func(k *kubeletv1beta1.KubeletConfiguration) bool {
			return k.ServerTLSBootstrap && k.FeatureGates["RotateKubeletServerCertificate"]
		}, "RotateKubeletServerCertificate")},
		{ID: "4.2.12", What: "kubelet strong cipher suites only", check: kubelet(func(k *kubeletv1beta1.KubeletConfiguration) bool {
			return len(k.TLSCipherSuites) > 0 && !slices.ContainsFunc(k.TLSCipherSuites, func(c string) bool { return !slices.Contains(spec.StrongCipherSuites(), c) })
		})},
		{ID: "4.2.13", What: "a limit on pod PIDs", check: kubelet(func(k *kubeletv1beta1.KubeletConfiguration) bool { return k.PodPidsLimit != nil && *k.PodPidsLimit > 0 })},
		{ID: "4.3.1", What: "kube-proxy metrics on localhost", check: kubeProxyMetrics},
	}
}

// mode0600 checks that each path, when the host receives it, is 0600.
func mode0600(paths ...string) func(*Host) []string {
	return func(h *Host) []string {
		var out []string
		for _, p := range paths {
			if f, ok := h.files[p]; ok && f.Mode.Perm()&^0o600 != 0 {
				out = append(out, fmt.Sprintf("%s is %04o", p, f.Mode.Perm()))
			}
		}
		return out
	}
}

// rootOwned holds for every file kubeup writes: apply writes each as
// root:root, and nothing in the plan names another owner (etcd gets
// systemd credentials instead). It checks that kubeup writes the path at
// all where the item applies, and the e2e test checks owners on a node.
func rootOwned(paths ...string) func(*Host) []string {
	return func(h *Host) []string {
		for _, p := range paths {
			if _, ok := h.files[p]; ok {
				return nil
			}
		}
		return []string{"kubeup writes none of " + strings.Join(paths, ", ")}
	}
}

// runFile runs check on the file that specifies how component runs on
// the host: its unit, or its static pod's staged manifest.
func runFile(component string, check func(paths ...string) func(*Host) []string) func(*Host) []string {
	return func(h *Host) []string {
		if h.staticPod(component) {
			return check(layout.StagedManifest(component))(h)
		}
		return check(layout.Unit(component))(h)
	}
}

// staticPod reports whether component runs as a static pod on the host's
// cluster.
func (h *Host) staticPod(component string) bool {
	for _, k := range catalog.All() {
		if k.Name == component {
			return k.RunsAs(h.c) == catalog.StaticPod
		}
	}
	return false
}

// under0600 checks every planned file below the directories.
func under0600(dirs ...string) func(*Host) []string {
	return func(h *Host) []string {
		var out []string
		for p, f := range h.files {
			for _, d := range dirs {
				if strings.HasPrefix(p, d+"/") && f.Mode.Perm()&^0o600 != 0 {
					out = append(out, fmt.Sprintf("%s is %04o", p, f.Mode.Perm()))
				}
			}
		}
		slices.Sort(out)
		return out
	}
}

func pkiModes(suffix string) func(*Host) []string {
	return func(h *Host) []string {
		var out []string
		for p, f := range h.files {
			if strings.HasPrefix(p, layout.PKIDir+"/") && strings.HasSuffix(p, suffix) && f.Mode.Perm() != 0o600 {
				out = append(out, fmt.Sprintf("%s is %04o", p, f.Mode.Perm()))
			}
		}
		slices.Sort(out)
		return out
	}
}

func onControlPlane(check func(*Host) []string) func(*Host) []string {
	return func(h *Host) []string {
		if !h.Spec.HasRole(spec.RoleControlPlane) {
			return nil
		}
		return check(h)
	}
}

func onEtcd(check func(*Host) []string) func(*Host) []string {
	return func(h *Host) []string {
		if !h.Spec.HasRole(spec.RoleEtcd) || h.c.Spec.Etcd.External != nil {
			return nil
		}
		return check(h)
	}
}

// unit returns the directives of a planned unit: "ExecStart" holds the
// command line's words, flags as "--name=value".
func (h *Host) unit(name string) (map[string][]string, bool) {
	f, ok := h.files[layout.Unit(name)]
	if !ok {
		return nil, false
	}
	out := map[string][]string{}
	text := strings.ReplaceAll(string(f.Content), "\\\n", " ")
	for _, line := range strings.Split(text, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok || strings.HasPrefix(k, "#") {
			continue
		}
		if k == "ExecStart" {
			out[k] = strings.Fields(v)
			continue
		}
		out[k] = append(out[k], v)
	}
	return out, true
}

// pod returns component's planned static pod.
func (h *Host) pod(component string) (*corev1.Pod, error) {
	var pod corev1.Pod
	if err := h.decode(layout.StagedManifest(component), &pod); err != nil {
		return nil, err
	}
	if len(pod.Spec.Containers) != 1 {
		return nil, fmt.Errorf("the %s pod has %d containers, not one", component, len(pod.Spec.Containers))
	}
	return &pod, nil
}

// command returns the words of component's command line: its unit's
// ExecStart, or its static pod's container command.
func (h *Host) command(component string) ([]string, error) {
	if h.staticPod(component) {
		pod, err := h.pod(component)
		if err != nil {
			return nil, err
		}
		return pod.Spec.Containers[0].Command, nil
	}
	u, ok := h.unit(component)
	if !ok || len(u["ExecStart"]) == 0 {
		return nil, fmt.Errorf("no %s unit", component)
	}
	return u["ExecStart"], nil
}

// flags returns the --name=value flags of component's command line.
func (h *Host) flags(component string) (map[string]string, error) {
	words, err := h.command(component)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, w := range words[1:] {
		name, v, _ := strings.Cut(strings.TrimPrefix(w, "--"), "=")
		out[name] = strings.Trim(v, `"`)
	}
	return out, nil
}

// withFlags runs check on the flags of component's command line.
func withFlags(component string, check func(f map[string]string) []string) func(*Host) []string {
	return func(h *Host) []string {
		f, err := h.flags(component)
		if err != nil {
			return []string{err.Error()}
		}
		return check(f)
	}
}

// flagsSet checks that the component sets each flag and that no rule of
// validate's weakening table for item id finds a set flag weak.
func flagsSet(component, id string, names ...string) func(*Host) []string {
	return withFlags(component, func(f map[string]string) []string {
		return append(flagsPresent(f, names), weakened(component, id, f)...)
	})
}

func flagsPresent(f map[string]string, names []string) []string {
	var out []string
	for _, n := range names {
		if f[n] == "" {
			out = append(out, "--"+n+" is not set")
		}
	}
	return out
}

// flagsClean checks only that no weakening rule of item id fires: the
// item holds by the component's default.
func flagsClean(component, id string) func(*Host) []string {
	return withFlags(component, func(f map[string]string) []string { return weakened(component, id, f) })
}

func weakened(component, id string, f map[string]string) []string {
	var out []string
	for _, w := range spec.Weakenings(component, f) {
		if w.CIS == "CIS "+id {
			out = append(out, fmt.Sprintf("--%s=%s: %s", w.Flag, w.Value, w.Fix))
		}
	}
	return out
}

func flagAtLeast(component, name string, least int) func(*Host) []string {
	return withFlags(component, func(f map[string]string) []string {
		var n int
		if _, err := fmt.Sscanf(f[name], "%d", &n); err != nil || n < least {
			return []string{fmt.Sprintf("--%s=%q, want at least %d", name, f[name], least)}
		}
		return nil
	})
}

func flagUnset(component, name string) func(*Host) []string {
	return withFlags(component, func(f map[string]string) []string {
		if v, ok := f[name]; ok {
			return []string{fmt.Sprintf("--%s=%s replaces the default", name, v)}
		}
		return nil
	})
}

func anonymousHealthOnly(h *Host) []string {
	f, err := h.flags(spec.ComponentAPIServer)
	if err != nil {
		return []string{err.Error()}
	}
	if v, ok := f["anonymous-auth"]; ok {
		if v == "false" {
			return nil
		}
		return []string{"--anonymous-auth=" + v}
	}
	cfg, ok := h.files[f["authentication-config"]]
	if !ok {
		return []string{"neither --anonymous-auth=false nor an authentication configuration"}
	}
	var out []string
	for _, p := range []string{"/healthz", "/livez", "/readyz"} {
		if !strings.Contains(string(cfg.Content), "path: "+p) {
			out = append(out, "the anonymous authenticator does not name "+p)
		}
	}
	if strings.Count(string(cfg.Content), "path: ") != 3 {
		out = append(out, "the anonymous authenticator answers paths other than the three health paths")
	}
	return out
}

// decode reads the planned YAML file at path into v; it returns the
// problem when the host lacks the file or it does not parse.
func (h *Host) decode(path string, v any) error {
	f, ok := h.files[path]
	if !ok {
		return fmt.Errorf("no %s", path)
	}
	if err := yaml.Unmarshal(f.Content, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func encryptionProviders(h *Host) []string {
	var cfg struct {
		Resources []struct {
			Resources []string         `json:"resources"`
			Providers []map[string]any `json:"providers"`
		} `json:"resources"`
	}
	if err := h.decode(layout.EncryptionConfig, &cfg); err != nil {
		return []string{err.Error()}
	}
	for _, r := range cfg.Resources {
		if slices.Contains(r.Resources, "secrets") && len(r.Providers) > 0 {
			for name := range r.Providers[0] {
				if slices.Contains([]string{"aescbc", "aesgcm", "secretbox", "kms"}, name) {
					return nil
				}
				return []string{"secrets are written with " + name}
			}
		}
	}
	return []string{"secrets have no provider"}
}

func etcdDataDir(h *Host) []string {
	if h.staticPod("etcd") {
		return etcdPodDataDir(h)
	}
	u, ok := h.unit("etcd")
	if !ok {
		return []string{"no etcd unit"}
	}
	f, _ := h.flags("etcd")
	var out []string
	want := map[string]string{"User": "etcd", "Group": "etcd", "StateDirectory": strings.TrimPrefix(layout.EtcdDataDir, "/var/lib/"), "StateDirectoryMode": "0700"}
	for k, v := range want {
		if got := u[k]; len(got) != 1 || got[0] != v {
			out = append(out, fmt.Sprintf("%s=%v, want %s", k, got, v))
		}
	}
	if f["data-dir"] != layout.EtcdDataDir {
		out = append(out, "--data-dir="+f["data-dir"])
	}
	slices.Sort(out)
	return out
}

// etcdPodDataDir: etcd's static pod keeps its data in the host's data
// directory. The pod runs etcd as root; the directory's mode and owner are
// apply's to set, as the e2e test checks on a node.
func etcdPodDataDir(h *Host) []string {
	pod, err := h.pod("etcd")
	if err != nil {
		return []string{err.Error()}
	}
	f, _ := h.flags("etcd")
	var out []string
	if f["data-dir"] != layout.EtcdDataDir {
		out = append(out, "--data-dir="+f["data-dir"])
	}
	if !slices.ContainsFunc(pod.Spec.Volumes, func(v corev1.Volume) bool {
		return v.HostPath != nil && v.HostPath.Path == layout.EtcdDataDir
	}) {
		out = append(out, "the etcd pod does not keep its data in the host's "+layout.EtcdDataDir)
	}
	return out
}

// etcdTLSFlags are the etcd flags that name its certificates and keys.
func etcdTLSFlags() []string {
	return []string{"cert-file", "key-file", "trusted-ca-file", "peer-cert-file", "peer-key-file", "peer-trusted-ca-file"}
}

// pkiRootOwned: etcd, the one component that does not run as root, must
// not need its certificates chowned: it reads each through a credential,
// a copy only it reads (systemd's LoadCredential= for the unit, apply's
// copies in layout.EtcdCredentialsDir for the static pod) of a file in
// /etc/kubernetes/pki.
func pkiRootOwned(h *Host) []string {
	if !h.Spec.HasRole(spec.RoleEtcd) || h.c.Spec.Etcd.External != nil {
		return nil
	}
	dir, creds, err := h.etcdCredentials()
	if err != nil {
		return []string{err.Error()}
	}
	f, _ := h.flags("etcd")
	var out []string
	for _, flag := range etcdTLSFlags() {
		name, in := strings.CutPrefix(f[flag], dir+"/")
		p, ok := creds[name]
		if !in || !ok || !strings.HasPrefix(p, layout.PKIDir+"/") {
			out = append(out, fmt.Sprintf("--%s=%s is not a credential copied from %s", flag, f[flag], layout.PKIDir))
		}
	}
	return out
}

// etcdCredentials returns the directory etcd reads its credentials from
// and, for each credential, the file it copies: the unit's
// LoadCredential= lines, or the static pod's credentials annotation.
func (h *Host) etcdCredentials() (dir string, creds map[string]string, err error) {
	creds = map[string]string{}
	if h.staticPod("etcd") {
		pod, err := h.pod("etcd")
		if err != nil {
			return "", nil, err
		}
		for _, pair := range strings.Split(pod.Annotations[render.CredentialsAnnotation], ",") {
			name, p, _ := strings.Cut(pair, "=")
			creds[name] = p
		}
		return layout.EtcdCredentialsDir, creds, nil
	}
	u, ok := h.unit("etcd")
	if !ok {
		return "", nil, fmt.Errorf("no etcd unit")
	}
	for _, c := range u["LoadCredential"] {
		name, p, _ := strings.Cut(c, ":")
		creds[name] = p
	}
	return "/run/credentials/etcd.service", creds, nil
}

func etcdFlags(names ...string) func(*Host) []string {
	return withFlags("etcd", func(f map[string]string) []string { return flagsPresent(f, names) })
}

func etcdFlagIs(name, want string) func(*Host) []string {
	return withFlags("etcd", func(f map[string]string) []string {
		if f[name] != want {
			return []string{fmt.Sprintf("--%s=%q, want %s", name, f[name], want)}
		}
		return nil
	})
}

func etcdFlagNot(name, bad string) func(*Host) []string {
	return withFlags("etcd", func(f map[string]string) []string {
		if f[name] == bad {
			return []string{fmt.Sprintf("--%s=%s", name, bad)}
		}
		return nil
	})
}

// etcdOwnCA: etcd trusts the etcd CA, whose certificate differs from the
// cluster CA's.
func etcdOwnCA(h *Host) []string {
	etcdCA, ok := h.files[layout.EtcdCACert]
	clusterCA := h.files[layout.CACert]
	if !ok || string(etcdCA.Content) == string(clusterCA.Content) {
		return []string{"etcd has no CA of its own"}
	}
	dir, creds, err := h.etcdCredentials()
	if err != nil {
		return []string{err.Error()}
	}
	f, _ := h.flags("etcd")
	for _, flag := range []string{"trusted-ca-file", "peer-trusted-ca-file"} {
		name, _ := strings.CutPrefix(f[flag], dir+"/")
		if creds[name] != layout.EtcdCACert {
			return []string{"etcd does not trust " + layout.EtcdCACert}
		}
	}
	return nil
}

// kubelet checks the host's KubeletConfiguration with ok; gates are
// feature gates that default to true when the configuration leaves them
// out.
func kubelet(ok func(*kubeletv1beta1.KubeletConfiguration) bool, gates ...string) func(*Host) []string {
	return func(h *Host) []string {
		k, err := h.kubeletConfig()
		if err != nil {
			return []string{err.Error()}
		}
		for _, g := range gates {
			if _, set := k.FeatureGates[g]; !set {
				if k.FeatureGates == nil {
					k.FeatureGates = map[string]bool{}
				}
				k.FeatureGates[g] = true
			}
		}
		if !ok(k) {
			return []string{"the kubelet configuration does not meet it"}
		}
		return nil
	}
}

func (h *Host) kubeletConfig() (*kubeletv1beta1.KubeletConfiguration, error) {
	var k kubeletv1beta1.KubeletConfiguration
	if err := h.decode(layout.KubeletConfig, &k); err != nil {
		return nil, err
	}
	return &k, nil
}

func protectKernelDefaults(h *Host) []string {
	k, err := h.kubeletConfig()
	if err != nil {
		return []string{err.Error()}
	}
	if !k.ProtectKernelDefaults {
		return []string{"protectKernelDefaults is false"}
	}
	sysctl := string(h.files[layout.SysctlConfig].Content)
	var out []string
	for _, s := range render.KubeletSysctls() {
		if line := s.Key + " = " + s.Value; !strings.Contains(sysctl, "\n"+line+"\n") {
			out = append(out, layout.SysctlConfig+" lacks "+line)
		}
	}
	return out
}

// streamingTimeout: left out, the timeout is 4h; written, it must not be 0.
func streamingTimeout(h *Host) []string {
	k, err := h.kubeletConfig()
	if err != nil {
		return []string{err.Error()}
	}
	set := strings.Contains(string(h.files[layout.KubeletConfig].Content), "streamingConnectionIdleTimeout:")
	if set && k.StreamingConnectionIdleTimeout.Duration == 0 {
		return []string{"streamingConnectionIdleTimeout is 0"}
	}
	return nil
}

func kubeProxyMetrics(h *Host) []string {
	var cfg struct {
		MetricsBindAddress string `json:"metricsBindAddress"`
	}
	if err := h.decode(layout.KubeProxyConfig, &cfg); err != nil {
		return []string{err.Error()}
	}
	if cfg.MetricsBindAddress != "" && !strings.HasPrefix(cfg.MetricsBindAddress, "127.0.0.1:") {
		return []string{"metricsBindAddress " + cfg.MetricsBindAddress}
	}
	return nil
}
