// Package spec defines the kubeup cluster specification (kubeup.dev/v1alpha1,
// kind Cluster): its Go types, defaults, strict loading and validation.
package spec

import "time"

// APIVersion and Kind identify a kubeup cluster spec document.
const (
	APIVersion = "kubeup.dev/v1alpha1"
	Kind       = "Cluster"
)

// Role is what a host does in the cluster.
type Role string

// The roles a host can have. Legacy kube-up aliases (a, i, ai) are expanded
// by Normalize.
const (
	RoleControlPlane Role = "control-plane"
	RoleEtcd         Role = "etcd"
	RoleWorker       Role = "worker"
)

// The ways etcd and the control plane run (spec.controlPlane.mode).
const (
	ModeSystemd    = "systemd"
	ModeStaticPods = "static-pods"
)

// Modes lists the control-plane modes.
func Modes() []string { return []string{ModeSystemd, ModeStaticPods} }

// StaticPods reports whether etcd and the control plane run as static
// pods, and kube-proxy and the network plugin as DaemonSets.
func (s *Spec) StaticPods() bool { return s.ControlPlane.Mode == ModeStaticPods }

// Cluster is the whole spec document.
type Cluster struct {
	APIVersion string   `yaml:"apiVersion" json:"apiVersion"`
	Kind       string   `yaml:"kind" json:"kind"`
	Metadata   Metadata `yaml:"metadata" json:"metadata"`
	Spec       Spec     `yaml:"spec" json:"spec"`
}

// Metadata names the cluster.
type Metadata struct {
	Name string `yaml:"name" json:"name"`
}

// Spec is the desired state of the cluster.
type Spec struct {
	KubernetesVersion string        `yaml:"kubernetesVersion" json:"kubernetesVersion"`
	Hosts             []Host        `yaml:"hosts" json:"hosts"`
	Network           Network       `yaml:"network" json:"network"`
	ControlPlane      ControlPlane  `yaml:"controlPlane" json:"controlPlane"`
	Etcd              Etcd          `yaml:"etcd" json:"etcd"`
	Kubelet           Kubelet       `yaml:"kubelet" json:"kubelet"`
	PKI               PKI           `yaml:"pki" json:"pki"`
	Artifacts         Artifacts     `yaml:"artifacts" json:"artifacts"`
	Upgrade           Upgrade       `yaml:"upgrade" json:"upgrade"`
	Sandbox           *SandboxHosts `yaml:"sandbox,omitempty" json:"sandbox,omitempty"`
}

// Host is one machine kubeup reaches over SSH (or locally when its address
// is "localhost").
type Host struct {
	Name    string `yaml:"name" json:"name"`
	Address string `yaml:"address" json:"address"`
	Roles   []Role `yaml:"roles" json:"roles"`
	SSH     SSH    `yaml:"ssh,omitempty" json:"ssh,omitempty"`
}

// SSH says how to reach a host. Each field left out is taken, as OpenSSH
// does, from the ~/.ssh/config Host entries that match the address, else
// from its default.
type SSH struct {
	// User is the login user (default root).
	User string `yaml:"user,omitempty" json:"user,omitempty"`
	// Port is sshd's port (default 22).
	Port int `yaml:"port,omitempty" json:"port,omitempty"`
	// KeyPath is the private key file; empty tries the keys in ssh-agent
	// and the default identities ~/.ssh/id_ed25519, id_ecdsa and id_rsa.
	KeyPath string `yaml:"keyPath,omitempty" json:"keyPath,omitempty"`
	// ProxyJump is a bastion as [user@]host[:port], or a chain of them
	// separated by commas (the first is dialled first), as OpenSSH's
	// ProxyJump; empty connects directly.
	ProxyJump string `yaml:"proxyJump,omitempty" json:"proxyJump,omitempty"`
	// SudoPasswordFile is a local file (mode 0600) holding the password
	// sudo asks for when the user is not root and sudo needs one; without
	// it kubeup asks once on the terminal. The password is never logged
	// or stored.
	SudoPasswordFile string `yaml:"sudoPasswordFile,omitempty" json:"sudoPasswordFile,omitempty"`
	// KnownHostsPath is the known_hosts file used to verify host keys;
	// empty means the state directory's known_hosts.
	KnownHostsPath string `yaml:"knownHostsPath,omitempty" json:"knownHostsPath,omitempty"`
}

// Network holds the cluster's address ranges and pod network plugin.
type Network struct {
	PodCIDR          string  `yaml:"podCIDR" json:"podCIDR"`
	ServiceCIDR      string  `yaml:"serviceCIDR" json:"serviceCIDR"`
	NodeCIDRMaskSize int     `yaml:"nodeCIDRMaskSize" json:"nodeCIDRMaskSize"`
	DNSDomain        string  `yaml:"dnsDomain" json:"dnsDomain"`
	Plugin           string  `yaml:"plugin" json:"plugin"`
	Flannel          Flannel `yaml:"flannel" json:"flannel"`
}

// Flannel configures the flannel pod network.
type Flannel struct {
	Backend string `yaml:"backend" json:"backend"`
}

// ControlPlane configures the API server endpoint and control-plane
// components.
type ControlPlane struct {
	// Endpoint is host[:port] of a load balancer in front of several
	// control-plane hosts; empty means the first control-plane host.
	Endpoint string `yaml:"endpoint" json:"endpoint"`
	// Mode is how etcd and the control plane run: "systemd" (units on
	// the host, the default) or "static-pods" (kubeadm's layout: static
	// pods in /etc/kubernetes/manifests, kube-proxy and the network plugin
	// as DaemonSets).
	Mode string `yaml:"mode,omitempty" json:"mode,omitempty"`
	// APIServerExtraArgs are extra kube-apiserver flags (name without "--").
	APIServerExtraArgs map[string]string `yaml:"apiServerExtraArgs,omitempty" json:"apiServerExtraArgs,omitempty"`
	// ControllerManagerExtraArgs are extra kube-controller-manager flags.
	ControllerManagerExtraArgs map[string]string `yaml:"controllerManagerExtraArgs,omitempty" json:"controllerManagerExtraArgs,omitempty"`
	// SchedulerExtraArgs are extra kube-scheduler flags.
	SchedulerExtraArgs map[string]string `yaml:"schedulerExtraArgs,omitempty" json:"schedulerExtraArgs,omitempty"`
	// APIServerUnsafeExtraArgs are kube-apiserver flags that weaken a
	// security setting kubeup makes (validate refuses them in
	// apiServerExtraArgs); each is used, with a warning, merged after the
	// safe ones.
	APIServerUnsafeExtraArgs map[string]string `yaml:"apiServerUnsafeExtraArgs,omitempty" json:"apiServerUnsafeExtraArgs,omitempty"`
	// ControllerManagerUnsafeExtraArgs are the controller manager's unsafe
	// flags, as APIServerUnsafeExtraArgs.
	ControllerManagerUnsafeExtraArgs map[string]string `yaml:"controllerManagerUnsafeExtraArgs,omitempty" json:"controllerManagerUnsafeExtraArgs,omitempty"`
	// SchedulerUnsafeExtraArgs are the scheduler's unsafe flags, as
	// APIServerUnsafeExtraArgs.
	SchedulerUnsafeExtraArgs map[string]string `yaml:"schedulerUnsafeExtraArgs,omitempty" json:"schedulerUnsafeExtraArgs,omitempty"`
}

// Etcd configures the etcd cluster; by default kubeup runs etcd on the hosts
// with the etcd role.
type Etcd struct {
	External *ExternalEtcd `yaml:"external" json:"external"`
}

// ExternalEtcd points the API server at an etcd cluster kubeup does not manage.
type ExternalEtcd struct {
	Endpoints []string `yaml:"endpoints" json:"endpoints"`
	CAFile    string   `yaml:"caFile" json:"caFile"`
	CertFile  string   `yaml:"certFile" json:"certFile"`
	KeyFile   string   `yaml:"keyFile" json:"keyFile"`
}

// Kubelet holds node agent settings applied to every host.
type Kubelet struct {
	MaxPods      int32  `yaml:"maxPods" json:"maxPods"`
	CgroupDriver string `yaml:"cgroupDriver" json:"cgroupDriver"`
	// BootstrapTokenTTL is how long the bootstrap token apply makes for a
	// joining node stays valid if the join fails half way (default 1h);
	// apply deletes it as soon as the node holds its client certificate.
	BootstrapTokenTTL Duration `yaml:"bootstrapTokenTTL" json:"bootstrapTokenTTL"`
	// ProtectKernelDefaults makes kubelet refuse to start when the kernel
	// settings it needs differ, instead of changing them itself (CIS 4.2.6
	// of v1.7.0); kubeup then writes those settings to its sysctl.d file
	// and applies them first. Default true. The sandbox sets false: its
	// node containers share the machine's kernel, whose settings these
	// are not namespaced.
	ProtectKernelDefaults *bool `yaml:"protectKernelDefaults,omitempty" json:"protectKernelDefaults,omitempty"`
	// AllowCgroupV1 lets the kubelet of Kubernetes 1.35 and later run on
	// cgroup v1 hosts (failCgroupV1: false), which it refuses by default;
	// without it apply's preflight fails on such a host. Upstream
	// deprecated cgroup v1: boot hosts with cgroup v2 instead where you can.
	AllowCgroupV1 bool `yaml:"allowCgroupV1,omitempty" json:"allowCgroupV1,omitempty"`
}

// KernelDefaultsProtected reports whether kubelet protects the kernel
// defaults: ProtectKernelDefaults, true when unset.
func (k *Kubelet) KernelDefaultsProtected() bool {
	return k.ProtectKernelDefaults == nil || *k.ProtectKernelDefaults
}

// Upgrade says how apply moves a running cluster to a new Kubernetes
// version: control-plane hosts one at a time, then workers in batches.
type Upgrade struct {
	// MaxUnavailable is how many worker hosts are drained and upgraded at
	// once (default 1).
	MaxUnavailable int `yaml:"maxUnavailable" json:"maxUnavailable"`
	// DrainTimeout bounds the drain of one worker: evicting its pods
	// (PodDisruptionBudgets respected) and waiting for them to go
	// (default 5m).
	DrainTimeout Duration `yaml:"drainTimeout" json:"drainTimeout"`
}

// PKI configures certificate generation.
type PKI struct {
	// KeyAlgorithm is "ecdsa" (P-256, the default) or "rsa" (2048 bits).
	KeyAlgorithm string `yaml:"keyAlgorithm" json:"keyAlgorithm"`
	// CertificateValidity is the lifetime of leaf certificates (default 8760h).
	CertificateValidity Duration `yaml:"certificateValidity" json:"certificateValidity"`
	// CAValidity is the lifetime of CA certificates (default 87600h).
	CAValidity Duration `yaml:"caValidity" json:"caValidity"`
}

// Artifacts says where binaries and images come from.
type Artifacts struct {
	// Source is build, release or bundle.
	Source string `yaml:"source" json:"source"`
	// Bundle is the offline bundle file when Source is bundle.
	Bundle string `yaml:"bundle,omitempty" json:"bundle,omitempty"`
	// Mirrors overrides download base URLs per source name (kubernetes,
	// etcd, flannel, containerd, cni) when Source is release.
	Mirrors map[string]string `yaml:"mirrors,omitempty" json:"mirrors,omitempty"`
	// Checksums gives the sha256 of release files whose project publishes
	// none (flannel's flannel-vX-linux-ARCH.tar.gz), by file name, when
	// Source is release; check each against the release by other means.
	Checksums map[string]string `yaml:"checksums,omitempty" json:"checksums,omitempty"`
}

// SandboxHosts carries the adaptations that only nested node containers
// (kubeup sandbox) need. Real hosts leave it unset.
type SandboxHosts struct {
	// PerNodeCgroupRoot gives each kubelet its own cgroupRoot /kubeup-<host>
	// because all node containers share one cgroup tree.
	PerNodeCgroupRoot bool `yaml:"perNodeCgroupRoot" json:"perNodeCgroupRoot"`
	// RestrictOOMScoreAdj sets containerd's restrict_oom_score_adj.
	RestrictOOMScoreAdj bool `yaml:"restrictOOMScoreAdj" json:"restrictOOMScoreAdj"`
	// ConntrackMaxPerCoreZero leaves nf_conntrack_max alone in kube-proxy.
	ConntrackMaxPerCoreZero bool `yaml:"conntrackMaxPerCoreZero" json:"conntrackMaxPerCoreZero"`
	// Nameservers go into a resolv.conf for kubelet instead of Docker's
	// loopback resolver (which makes CoreDNS detect a loop).
	Nameservers []string `yaml:"nameservers,omitempty" json:"nameservers,omitempty"`
	// CreateKmsg makes /dev/kmsg when it is missing.
	CreateKmsg bool `yaml:"createKmsg" json:"createKmsg"`
}

// Duration is a time.Duration written as a Go duration string ("8760h").
type Duration struct {
	time.Duration
}
