package remoteops

import (
	"path"
	"slices"
	"strings"

	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/spec"
	"kubeup.dev/kubeup/internal/versions"
)

// BinariesFor names the binaries host h's components need (manifest
// names).
func (r *Run) BinariesFor(h spec.Host) []string {
	return catalog.Binaries(r.Cluster, r.ComponentsOn(h))
}

// InstallPath is where a manifest binary goes on a host: CNI plugins
// (cni/NAME) under /opt/cni/bin, the rest under /usr/local/bin.
func InstallPath(name string) string {
	if p, ok := strings.CutPrefix(name, "cni/"); ok {
		return path.Join(layout.CNIBinDir, p)
	}
	return layout.Binary(name)
}

// ImagesFor lists the image archives host h needs: every archive but
// those holding only images of components that run as pods elsewhere (or
// as units): a systemd host gets no control-plane image, a worker none of
// etcd or the control plane.
func (r *Run) ImagesFor(h spec.Host) []manifest.Artifact {
	if r.Artifacts == nil {
		return nil
	}
	podImage := map[string]bool{} // image -> runs on h
	for _, k := range r.Components {
		if ref := r.PodImageOf(k); ref != "" {
			podImage[ref] = podImage[ref] || k.RunsOn(r.Cluster, h) && k.RunsAs(r.Cluster) != catalog.Unit
		}
	}
	var out []manifest.Artifact
	for _, a := range r.Artifacts.Artifacts {
		if a.Kind != manifest.KindImage {
			continue
		}
		if slices.ContainsFunc(a.Refs(), func(ref string) bool { return podImage[ref] || !hasKey(podImage, ref) }) {
			out = append(out, a)
		}
	}
	return out
}

func hasKey(m map[string]bool, k string) bool {
	_, ok := m[k]
	return ok
}

// StaticPodsOn names the components that run as static pods on host h
// (none in systemd mode).
func (r *Run) StaticPodsOn(h spec.Host) []string {
	return catalog.Names(catalog.RunningAs(r.Cluster, r.ComponentsOn(h), catalog.StaticPod))
}

// PodImageOf is the image component k runs from in static-pods mode, ""
// for one that always runs on the host.
func (r *Run) PodImageOf(k catalog.Component) string {
	if k.Pod == catalog.Unit {
		return ""
	}
	v, err := versions.For(r.Cluster.Spec.KubernetesVersion)
	if err != nil {
		return ""
	}
	return v.ComponentImage(k.Name)
}
