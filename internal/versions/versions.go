// Package versions holds the table of Kubernetes minors kubeup knows, each
// with upstream's end-of-life date and the versions of everything deployed
// with it (etcd, CoreDNS, pause, flannel, containerd, runc, CNI plugins);
// decides which versions may be deployed at a given time; and names the
// container images the rendered manifests reference.
package versions

import (
	"fmt"
	"strings"
)

// Set is the component versions that go with one Kubernetes version: its
// minor's Release with the exact Kubernetes patch.
type Set struct {
	Release
	Kubernetes   string // v1.37.2
	FlannelCNI   string // v1.7.1-flannel2 (release path)
	SmokeImage   string // kubeup's own test image tag
	Architecture string // amd64
}

// For returns the component versions for Kubernetes version k (vX.Y.Z)
// of a minor kubeup knows (Releases), whether or not upstream still
// maintains it: CheckTarget decides what may be deployed.
func For(k string) (Set, error) {
	r, err := releaseOfVersion(k)
	if err != nil {
		return Set{}, err
	}
	return Set{Release: r, Kubernetes: k, FlannelCNI: "v1.7.1-flannel2", SmokeImage: "v2", Architecture: "amd64"}, nil
}

// Minor returns the minor number of a "v1.Y.Z" version.
func Minor(k string) (int, error) {
	minor, _, err := minorPatch(k)
	return minor, err
}

// minorPatch returns the minor and patch numbers of a "v1.Y.Z" version.
func minorPatch(k string) (minor, patch int, err error) {
	var maj int
	rest := strings.TrimPrefix(k, "v")
	if rest == k {
		return 0, 0, fmt.Errorf("version %q must start with v (for example v1.37.2)", k)
	}
	n, err := fmt.Sscanf(rest, "%d.%d.%d", &maj, &minor, &patch)
	if err != nil || n != 3 || fmt.Sprintf("%d.%d.%d", maj, minor, patch) != rest || maj != 1 {
		return 0, 0, fmt.Errorf("version %q is not of the form v1.MINOR.PATCH (for example v1.37.2)", k)
	}
	return minor, patch, nil
}

// registry is where Kubernetes' own images are published; kubeup builds
// its images under the same names so that manifests written for upstream
// images run unchanged.
const registry = "registry.k8s.io/"

// Image names as the rendered manifests, kubelet and containerd use them.
func (s Set) PauseImage() string   { return registry + "pause:" + s.Pause }
func (s Set) CoreDNSImage() string { return registry + "coredns/coredns:" + s.CoreDNS }
func (s Set) SmokeTestImage() string {
	return "kubeup.dev/smoke:" + s.SmokeImage
}

// Images of the static-pods control plane and of the DaemonSets that go
// with it, named as upstream publishes them (kubeadm's names).
func (s Set) KubeAPIServerImage() string { return registry + "kube-apiserver:" + s.Kubernetes }
func (s Set) KubeControllerManagerImage() string {
	return registry + "kube-controller-manager:" + s.Kubernetes
}
func (s Set) KubeSchedulerImage() string { return registry + "kube-scheduler:" + s.Kubernetes }
func (s Set) KubeProxyImage() string     { return registry + "kube-proxy:" + s.Kubernetes }

// EtcdImage is etcd's image in kubeadm's tag form: the version without
// its v and with an image revision, registry.k8s.io/etcd:3.6.5-0.
func (s Set) EtcdImage() string { return registry + "etcd:" + strings.TrimPrefix(s.Etcd, "v") + "-0" }

// FlannelImage is flanneld's image under flannel's own repository.
func (s Set) FlannelImage() string { return "ghcr.io/flannel-io/flannel:" + s.Flannel }

// StaticPodImages are the images only the static-pods control-plane mode
// runs: the control plane and etcd as static pods, kube-proxy and flannel
// as DaemonSets (in systemd mode they run from the binaries).
func (s Set) StaticPodImages() []string {
	return []string{s.KubeAPIServerImage(), s.KubeControllerManagerImage(), s.KubeSchedulerImage(),
		s.KubeProxyImage(), s.EtcdImage(), s.FlannelImage()}
}

// ComponentImage is the image of a component kubeup runs as a pod in
// static-pods mode (kubeadm's and upstream's names), or "" for a
// component that always runs on the host. name is the component's catalog
// name.
func (s Set) ComponentImage(name string) string {
	switch name {
	case "kube-apiserver":
		return s.KubeAPIServerImage()
	case "kube-controller-manager":
		return s.KubeControllerManagerImage()
	case "kube-scheduler":
		return s.KubeSchedulerImage()
	case "kube-proxy":
		return s.KubeProxyImage()
	case "etcd":
		return s.EtcdImage()
	case "flanneld":
		return s.FlannelImage()
	}
	return ""
}

// Images returns every image kubeup provides for a cluster of this
// version, whichever its control-plane mode: those every cluster runs
// (pause, CoreDNS, the smoke test's) and StaticPodImages. A bundle must
// hold them all, and reset removes them all.
func (s Set) Images() []string {
	return append([]string{s.PauseImage(), s.CoreDNSImage(), s.SmokeTestImage()}, s.StaticPodImages()...)
}
