// Package layout names every path kubeup writes on a host, so that the
// renderer, the PKI, apply and reset agree on one file layout. The PKI
// directory follows kubeadm's /etc/kubernetes/pki layout.
package layout

import "path"

// Directories on a host.
const (
	KubernetesDir = "/etc/kubernetes"
	PKIDir        = "/etc/kubernetes/pki"
	EtcdPKIDir    = "/etc/kubernetes/pki/etcd"
	AddonsDir     = "/etc/kubernetes/addons"
	BinDir        = "/usr/local/bin"
	SystemdDir    = "/etc/systemd/system"
	EtcdDataDir   = "/var/lib/etcd"
	KubeletDir    = "/var/lib/kubelet"
	KubeletPKIDir = "/var/lib/kubelet/pki"
	KubeProxyDir  = "/var/lib/kube-proxy"
	CNIConfDir    = "/etc/cni/net.d"
	CNIBinDir     = "/opt/cni/bin"
	FlannelDir    = "/etc/kube-flannel"
	FlannelRunDir = "/run/flannel"
	ContainerdDir = "/etc/containerd"
	ImagesDir     = "/var/lib/kubeup/images"
	KubeupDir     = "/var/lib/kubeup"
	// ManifestsDir holds the static pod manifests the kubelet runs
	// (kubeadm's directory).
	ManifestsDir = "/etc/kubernetes/manifests"
	// StagedManifestsDir holds the manifests apply plans: a manifest is
	// copied into ManifestsDir (and so restarts its pod) only in the phase
	// that starts its component, one control-plane host at a time.
	StagedManifestsDir = KubeupDir + "/manifests"
	// EtcdCredentialsDir holds, in static-pods mode, the copies of etcd's
	// certificates and keys that only the etcd user reads (what systemd's
	// LoadCredential= makes in systemd mode); /etc/kubernetes/pki stays
	// root's.
	EtcdCredentialsDir = KubeupDir + "/etcd-credentials"
)

// Certificate and key files (kubeadm's names).
const (
	CACert                     = PKIDir + "/ca.crt"
	CAKey                      = PKIDir + "/ca.key"
	APIServerCert              = PKIDir + "/apiserver.crt"
	APIServerKey               = PKIDir + "/apiserver.key"
	APIServerKubeletClientCert = PKIDir + "/apiserver-kubelet-client.crt"
	APIServerKubeletClientKey  = PKIDir + "/apiserver-kubelet-client.key"
	APIServerEtcdClientCert    = PKIDir + "/apiserver-etcd-client.crt"
	APIServerEtcdClientKey     = PKIDir + "/apiserver-etcd-client.key"
	FrontProxyCACert           = PKIDir + "/front-proxy-ca.crt"
	FrontProxyCAKey            = PKIDir + "/front-proxy-ca.key"
	FrontProxyClientCert       = PKIDir + "/front-proxy-client.crt"
	FrontProxyClientKey        = PKIDir + "/front-proxy-client.key"
	ServiceAccountKey          = PKIDir + "/sa.key"
	ServiceAccountPub          = PKIDir + "/sa.pub"
	EtcdCACert                 = EtcdPKIDir + "/ca.crt"
	EtcdCAKey                  = EtcdPKIDir + "/ca.key"
	EtcdServerCert             = EtcdPKIDir + "/server.crt"
	EtcdServerKey              = EtcdPKIDir + "/server.key"
	EtcdPeerCert               = EtcdPKIDir + "/peer.crt"
	EtcdPeerKey                = EtcdPKIDir + "/peer.key"
	EtcdHealthcheckClientCert  = EtcdPKIDir + "/healthcheck-client.crt"
	EtcdHealthcheckClientKey   = EtcdPKIDir + "/healthcheck-client.key"
)

// Kubeconfig files.
const (
	AdminConf             = KubernetesDir + "/admin.conf"
	ControllerManagerConf = KubernetesDir + "/controller-manager.conf"
	SchedulerConf         = KubernetesDir + "/scheduler.conf"
	KubeProxyConf         = KubernetesDir + "/kube-proxy.conf"
	FlannelConf           = KubernetesDir + "/flanneld.conf"
	BootstrapKubeletConf  = KubernetesDir + "/bootstrap-kubelet.conf"
	KubeletConf           = KubernetesDir + "/kubelet.conf"
	// KubeletClientCert is the kubelet's current client certificate and
	// key (a link the kubelet keeps pointing at its newest pair).
	KubeletClientCert = KubeletPKIDir + "/kubelet-client-current.pem"
)

// Configuration files.
const (
	KubeletConfig        = KubeletDir + "/config.yaml"
	KubeletResolvConf    = KubeletDir + "/resolv.conf"
	KubeProxyConfig      = KubeProxyDir + "/config.yaml"
	EncryptionConfig     = KubernetesDir + "/encryption-config.yaml"
	AuthenticationConfig = KubernetesDir + "/authentication-config.yaml"
	AuditPolicy          = KubernetesDir + "/audit-policy.yaml"
	AuditLog             = "/var/log/kubernetes/audit.log"
	ContainerdConfig     = ContainerdDir + "/config.toml"
	FlannelNetConf       = FlannelDir + "/net-conf.json"
	FlannelCNIConfig     = CNIConfDir + "/10-flannel.conflist"
	ModulesLoadConfig    = "/etc/modules-load.d/kubeup.conf"
	SysctlConfig         = "/etc/sysctl.d/99-kubeup.conf"
	KubeupSpecOnHost     = KubeupDir + "/cluster.yaml"
	ClusterMark          = KubeupDir + "/cluster-name"
	// TestImagesList holds the references of the test images kubeup
	// conformance run imported, one a line, so that reset removes them.
	TestImagesList = KubeupDir + "/test-images.list"
	// CreatedUsers names the system users kubeup created on the host (etcd),
	// one a line, so that reset removes those and no user it found there.
	CreatedUsers       = KubeupDir + "/created-users"
	EtcdEnvironmentDir = "/etc/etcd"
)

// Binary returns the installed path of a component binary.
func Binary(name string) string { return path.Join(BinDir, name) }

// StaticPodManifest returns the path of component name's static pod
// manifest, which the kubelet runs.
func StaticPodManifest(name string) string { return path.Join(ManifestsDir, name+".yaml") }

// StagedManifest returns where apply stages component name's manifest.
func StagedManifest(name string) string { return path.Join(StagedManifestsDir, name+".yaml") }

// Unit returns the path of a systemd unit file.
func Unit(name string) string { return path.Join(SystemdDir, name+".service") }

// Addon returns the path of an addon manifest on control-plane hosts.
func Addon(name string) string { return path.Join(AddonsDir, name+".yaml") }
