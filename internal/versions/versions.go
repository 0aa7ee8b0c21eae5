// Package versions maps a Kubernetes version to the versions of everything
// deployed with it (etcd, CoreDNS, pause, flannel, CNI plugins, containerd)
// and names the container images the rendered manifests reference.
package versions

import (
	"fmt"
	"strings"
)

// Set is the component versions that go with one Kubernetes version.
type Set struct {
	Kubernetes   string // v1.34.4
	Etcd         string // v3.6.5
	CoreDNS      string // v1.12.4
	Pause        string // 3.10.1
	Flannel      string // v0.26.7
	CNIPlugins   string // v1.6.2 (release path; builds use Debian's)
	FlannelCNI   string // v1.7.1-flannel2 (release path)
	Containerd   string // 1.7.28 (release path; sandbox nodes use Debian's)
	Runc         string
	SmokeImage   string // kubeup's own test image tag
	Architecture string // amd64
}

// Supported Kubernetes minor versions, inclusive.
const (
	MinMinor = 32
	MaxMinor = 36
)

// For returns the component versions for Kubernetes version k (vX.Y.Z).
func For(k string) (Set, error) {
	minor, err := Minor(k)
	if err != nil {
		return Set{}, err
	}
	if minor < MinMinor || minor > MaxMinor {
		return Set{}, fmt.Errorf("kubernetes %s is not supported: use v1.%d to v1.%d", k, MinMinor, MaxMinor)
	}
	s := Set{
		Kubernetes:   k,
		Etcd:         "v3.6.5",
		CoreDNS:      "v1.12.4",
		Pause:        "3.10.1",
		Flannel:      "v0.26.7",
		CNIPlugins:   "v1.6.2",
		FlannelCNI:   "v1.7.1-flannel2",
		Containerd:   "1.7.28",
		Runc:         "v1.3.0",
		SmokeImage:   "v1",
		Architecture: "amd64",
	}
	if minor <= 32 {
		s.Etcd = "v3.5.21"
		s.Pause = "3.10"
	}
	return s, nil
}

// Minor returns the minor number of a "v1.Y.Z" version.
func Minor(k string) (int, error) {
	var maj, min, patch int
	rest := strings.TrimPrefix(k, "v")
	if rest == k {
		return 0, fmt.Errorf("version %q must start with v (for example v1.34.4)", k)
	}
	n, err := fmt.Sscanf(rest, "%d.%d.%d", &maj, &min, &patch)
	if err != nil || n != 3 || fmt.Sprintf("%d.%d.%d", maj, min, patch) != rest || maj != 1 {
		return 0, fmt.Errorf("version %q is not of the form v1.MINOR.PATCH (for example v1.34.4)", k)
	}
	return min, nil
}

// Image names as the rendered manifests, kubelet and containerd use them.
func (s Set) PauseImage() string   { return "registry.k8s.io/pause:" + s.Pause }
func (s Set) CoreDNSImage() string { return "registry.k8s.io/coredns/coredns:" + s.CoreDNS }
func (s Set) SmokeTestImage() string {
	return "kubeup.dev/smoke:" + s.SmokeImage
}

// ComponentImage is the image of a component kubeup runs as a pod in
// static-pods mode (kubeadm's and upstream's names), or "" for a
// component that always runs on the host. name is the component's catalog
// name.
func (s Set) ComponentImage(name string) string {
	switch name {
	case "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy":
		return "registry.k8s.io/" + name + ":" + s.Kubernetes
	case "etcd":
		return "registry.k8s.io/etcd:" + strings.TrimPrefix(s.Etcd, "v") + "-0"
	case "flanneld":
		return "ghcr.io/flannel-io/flannel:" + s.Flannel
	}
	return ""
}

// Images returns every image a cluster of this version runs.
func (s Set) Images() []string {
	return []string{s.PauseImage(), s.CoreDNSImage(), s.SmokeTestImage()}
}
