package spec

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"kubeup.dev/kubeup/internal/versions"
)

// Default values filled in by SetDefaults.
const (
	DefaultPodCIDR              = "10.244.0.0/16"
	DefaultServiceCIDR          = "10.96.0.0/12"
	DefaultNodeCIDRMaskSize     = 24
	DefaultNodeCIDRMaskSizeIPv6 = 64
	DefaultDNSDomain            = "cluster.local"
	DefaultPlugin               = "flannel"
	DefaultFlannelBackend       = "vxlan"
	DefaultSSHUser              = "root"
	DefaultSSHPort              = 22
	DefaultKeyAlgorithm         = "ecdsa"
	DefaultArtifactSource       = "build"
	DefaultMaxPods              = 110
	DefaultCgroupDriver         = "systemd"
	DefaultControlPlaneMode     = ModeSystemd
	DefaultAPIServerPort        = 6443
	DefaultCertValidity         = 365 * 24 * time.Hour
	DefaultCAValidity           = 10 * 365 * 24 * time.Hour
	DefaultBootstrapTokenTTL    = time.Hour
	DefaultMaxUnavailable       = 1
	DefaultDrainTimeout         = 5 * time.Minute
)

// roleAliases maps kube-up's role letters to kubeup roles.
func roleAliases(r Role) []Role {
	switch r {
	case "a":
		return []Role{RoleControlPlane, RoleEtcd}
	case "i":
		return []Role{RoleWorker}
	case "ai":
		return []Role{RoleControlPlane, RoleEtcd, RoleWorker}
	}
	return []Role{r}
}

// SetDefaults fills every empty field with its default and expands role
// aliases. It is idempotent.
func SetDefaults(c *Cluster) {
	s := &c.Spec
	setString(&s.KubernetesVersion, versions.Default())
	setString(&s.Network.PodCIDR, DefaultPodCIDR)
	setString(&s.Network.ServiceCIDR, DefaultServiceCIDR)
	setString(&s.Network.DNSDomain, DefaultDNSDomain)
	setString(&s.Network.Plugin, DefaultPlugin)
	setString(&s.Network.Flannel.Backend, DefaultFlannelBackend)
	if s.Network.NodeCIDRMaskSize == 0 {
		s.Network.NodeCIDRMaskSize = DefaultNodeCIDRMaskSize
		if strings.Contains(s.Network.PodCIDR, ":") {
			s.Network.NodeCIDRMaskSize = DefaultNodeCIDRMaskSizeIPv6
		}
	}
	setString(&s.PKI.KeyAlgorithm, DefaultKeyAlgorithm)
	if s.PKI.CertificateValidity.Duration == 0 {
		s.PKI.CertificateValidity.Duration = DefaultCertValidity
	}
	if s.PKI.CAValidity.Duration == 0 {
		s.PKI.CAValidity.Duration = DefaultCAValidity
	}
	setString(&s.Artifacts.Source, DefaultArtifactSource)
	if s.Kubelet.MaxPods == 0 {
		s.Kubelet.MaxPods = DefaultMaxPods
	}
	setString(&s.Kubelet.CgroupDriver, DefaultCgroupDriver)
	setString(&s.ControlPlane.Mode, DefaultControlPlaneMode)
	if s.Kubelet.BootstrapTokenTTL.Duration == 0 {
		s.Kubelet.BootstrapTokenTTL.Duration = DefaultBootstrapTokenTTL
	}
	if s.Upgrade.MaxUnavailable == 0 {
		s.Upgrade.MaxUnavailable = DefaultMaxUnavailable
	}
	if s.Upgrade.DrainTimeout.Duration == 0 {
		s.Upgrade.DrainTimeout.Duration = DefaultDrainTimeout
	}
	if s.Kubelet.ProtectKernelDefaults == nil {
		on := true
		s.Kubelet.ProtectKernelDefaults = &on
	}
	for i := range s.Hosts {
		defaultHost(&s.Hosts[i])
	}
}

func defaultHost(h *Host) {
	var roles []Role
	seen := map[Role]bool{}
	for _, r := range h.Roles {
		for _, x := range roleAliases(r) {
			if !seen[x] {
				seen[x] = true
				roles = append(roles, x)
			}
		}
	}
	h.Roles = roles
}

func setString(p *string, def string) {
	if *p == "" {
		*p = def
	}
}

// zeroHint says what to write instead of an explicit zero in the field
// named field (as YAML names it) of struct type owner, for each field that
// takes a default when it is zero: a number, a duration, or a string
// written out as "" (SetDefaults fills it, or the ssh fields that
// ~/.ssh/config and kubeup's defaults give); it returns "" for every other
// field. An omitted field takes its default; a zero written out is refused
// rather than replaced silently.
func zeroHint(owner reflect.Type, field string) string {
	switch owner.Name() + "." + field {
	case "SSH.port":
		return fmt.Sprintf("use a port from 1 to 65535, or leave port out for the default %d", DefaultSSHPort)
	case "Network.nodeCIDRMaskSize":
		return fmt.Sprintf("use a prefix length longer than podCIDR's, or leave nodeCIDRMaskSize out for the default (%d, or %d for IPv6)",
			DefaultNodeCIDRMaskSize, DefaultNodeCIDRMaskSizeIPv6)
	case "Kubelet.maxPods":
		return fmt.Sprintf("use 1 to %d, or leave maxPods out for the default %d", maxMaxPods, DefaultMaxPods)
	case "Kubelet.bootstrapTokenTTL":
		return "use 1m to 24h, or leave bootstrapTokenTTL out for the default " + shortDuration(DefaultBootstrapTokenTTL)
	case "Upgrade.maxUnavailable":
		return fmt.Sprintf("use 1 or more worker hosts, or leave maxUnavailable out for the default %d", DefaultMaxUnavailable)
	case "Upgrade.drainTimeout":
		return "use 10s to 2h, or leave drainTimeout out for the default " + shortDuration(DefaultDrainTimeout)
	case "PKI.certificateValidity":
		return "use at least 1h, or leave certificateValidity out for the default " + shortDuration(DefaultCertValidity)
	case "PKI.caValidity":
		return "use at least 1h, or leave caValidity out for the default " + shortDuration(DefaultCAValidity)
	}
	return stringZeroHint(owner.Name() + "." + field)
}

// stringZeroHint is zeroHint for the string fields with a default, named
// Type.field.
func stringZeroHint(field string) string {
	defaults := map[string]string{
		"Spec.kubernetesVersion": versions.Default(),
		"Network.podCIDR":        DefaultPodCIDR,
		"Network.serviceCIDR":    DefaultServiceCIDR,
		"Network.dnsDomain":      DefaultDNSDomain,
		"Network.plugin":         DefaultPlugin,
		"Flannel.backend":        DefaultFlannelBackend,
		"Kubelet.cgroupDriver":   DefaultCgroupDriver,
		"ControlPlane.mode":      DefaultControlPlaneMode,
		"PKI.keyAlgorithm":       DefaultKeyAlgorithm,
		"Artifacts.source":       DefaultArtifactSource,
	}
	_, name, _ := strings.Cut(field, ".")
	if def, ok := defaults[field]; ok {
		return fmt.Sprintf("write a value, or leave %s out for the default %s", name, def)
	}
	switch field {
	case "SSH.user":
		return "write a user name, or leave user out for ~/.ssh/config's User, else " + DefaultSSHUser
	case "SSH.keyPath":
		return "name a private key file, or leave keyPath out for ssh-agent's keys and ~/.ssh/config's IdentityFile, else ~/.ssh/id_ed25519, id_ecdsa and id_rsa"
	case "SSH.proxyJump":
		return "leave proxyJump out to connect directly (or through ~/.ssh/config's ProxyJump), or write none to connect directly whatever ~/.ssh/config says"
	case "SSH.sudoPasswordFile":
		return "name a file (mode 0600) holding the sudo password, or leave sudoPasswordFile out to be asked once on the terminal"
	case "SSH.knownHostsPath":
		return "name a known_hosts file, or leave knownHostsPath out for the state directory's known_hosts"
	}
	return ""
}
