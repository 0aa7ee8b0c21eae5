// Package render produces every file kubeup writes on a host apart from
// certificates and kubeconfigs: systemd units with their flags (or, in
// static-pods mode, staged static pod manifests with the same flags),
// typed component configurations (kubelet, kube-proxy, encryption,
// audit), containerd, flannel and CNI configuration, kernel settings and
// the addon manifests apply creates in the cluster (in static-pods mode
// with kube-proxy's and flanneld's DaemonSets). Rendering touches no host and is
// deterministic: the same spec and secrets give the same bytes.
package render

import (
	"errors"
	"fmt"
	"io/fs"
	"net/netip"

	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/spec"
	"kubeup.dev/kubeup/internal/state"
	"kubeup.dev/kubeup/internal/versions"
)

// File modes: secrets are readable by root only.
const (
	modePublic fs.FileMode = 0o644
	modeSecret fs.FileMode = 0o600
)

// input is everything one HostFiles call derives from its arguments.
type input struct {
	c     *spec.Cluster
	s     *spec.Spec
	h     spec.Host
	sec   *state.Secrets
	v     versions.Set
	minor int
	dnsIP netip.Addr
}

// generator renders one component's files for a host.
type generator func(in *input) ([]hostfile.File, error)

// HostFiles returns every non-PKI, non-kubeconfig file apply writes on host
// h of cluster c, sorted by path. sec supplies the encryption key; it may be
// nil for hosts that are not control planes. c must be defaulted and valid.
func HostFiles(c *spec.Cluster, h spec.Host, sec *state.Secrets) ([]hostfile.File, error) {
	in, err := newInput(c, h, sec)
	if err != nil {
		return nil, fmt.Errorf("render files for host %s: %w", h.Name, err)
	}
	var files []hostfile.File
	for _, g := range generators(in) {
		out, err := g(in)
		if err != nil {
			return nil, fmt.Errorf("render files for host %s: %w", h.Name, err)
		}
		files = append(files, out...)
	}
	readBy := readers()
	for i := range files {
		files[i].Readers = readBy(files[i].Path)
	}
	hostfile.Sort(files)
	return files, nil
}

// readers returns, for a rendered file's path, the components that read
// it: each unit file and staged static pod manifest its component, and
// the configurations below. Files
// read by no component (kernel settings, CNI configuration, addon
// manifests) have none.
func readers() func(path string) []string {
	byPath := map[string][]string{
		layout.ContainerdConfig:     {"containerd"},
		layout.KubeletConfig:        {"kubelet"},
		layout.KubeletResolvConf:    {"kubelet"},
		layout.KubeProxyConfig:      {"kube-proxy"},
		layout.FlannelNetConf:       {"flanneld"},
		layout.AuditPolicy:          {"kube-apiserver"},
		layout.AuthenticationConfig: {"kube-apiserver"},
		layout.EncryptionConfig:     {"kube-apiserver"},
	}
	for _, k := range catalog.All() {
		byPath[layout.Unit(k.Name)] = []string{k.Name}
		if k.Pod == catalog.StaticPod {
			byPath[layout.StagedManifest(k.Name)] = []string{k.Name}
		}
	}
	return func(path string) []string { return byPath[path] }
}

func newInput(c *spec.Cluster, h spec.Host, sec *state.Secrets) (*input, error) {
	if _, ok := c.Spec.Host(h.Name); !ok {
		return nil, errors.New("the host is not in the spec")
	}
	v, err := versions.For(c.Spec.KubernetesVersion)
	if err != nil {
		return nil, err
	}
	minor, err := versions.Minor(c.Spec.KubernetesVersion)
	if err != nil {
		return nil, err
	}
	dns, err := c.Spec.DNSServiceIP()
	if err != nil {
		return nil, fmt.Errorf("spec.network.serviceCIDR: %w", err)
	}
	if h.HasRole(spec.RoleControlPlane) && (sec == nil || sec.EncryptionKey == "") {
		return nil, errors.New("a control-plane host needs the cluster secrets (encryption key)")
	}
	return &input{c: c, s: &c.Spec, h: h, sec: sec, v: v, minor: minor, dnsIP: dns}, nil
}

// componentGenerators renders each catalog component's files.
func componentGenerators() map[string]generator {
	return map[string]generator{
		"containerd": containerdFiles, "etcd": etcdFiles, "kube-apiserver": apiServerFiles,
		"kube-controller-manager": controllerManagerFiles, "kube-scheduler": schedulerFiles,
		"kubelet": kubeletFiles, "kube-proxy": kubeProxyFiles, "flanneld": flannelFiles,
	}
}

// generators lists what host in.h gets: the kernel settings, the files
// of each component the catalog runs there, and on control planes the
// addon manifests. Only control planes get files that reference CA keys
// or cluster secrets.
func generators(in *input) []generator {
	gs := []generator{kernelFiles}
	byName := componentGenerators()
	for _, k := range catalog.For(in.c, in.h) {
		gs = append(gs, byName[k.Name])
	}
	if in.h.HasRole(spec.RoleControlPlane) {
		gs = append(gs, addonFiles)
	}
	return gs
}

// sandbox returns the sandbox adaptations, or nil on real hosts.
func (in *input) sandbox() *spec.SandboxHosts { return in.s.Sandbox }

func file(path string, mode fs.FileMode, content []byte) hostfile.File {
	return hostfile.File{Path: path, Mode: mode, Content: content}
}

// rootOnly is a file without secrets that CIS asks to be readable by root
// only (0600): units, the kubelet configuration and CNI configuration.
// Being Plain, its changes are still shown.
func rootOnly(path string, content []byte) hostfile.File {
	return hostfile.File{Path: path, Mode: modeSecret, Content: content, Plain: true}
}
