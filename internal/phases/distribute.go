package phases

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/spec"
)

// binariesFor names the binaries a host's roles need (manifest names).
func binariesFor(c *spec.Cluster, h spec.Host) []string {
	names := []string{"kubelet", "kube-proxy", "kubectl", "flanneld", "cni/flannel"}
	if h.HasRole(spec.RoleControlPlane) {
		names = append(names, "kube-apiserver", "kube-controller-manager", "kube-scheduler")
	}
	if h.HasRole(spec.RoleEtcd) && c.Spec.Etcd.External == nil {
		names = append(names, "etcd", "etcdctl")
	}
	sort.Strings(names)
	return names
}

// installPath is where a manifest binary goes on a host: CNI plugins
// (cni/NAME) under /opt/cni/bin, the rest under /usr/local/bin.
func installPath(name string) string {
	if p, ok := strings.CutPrefix(name, "cni/"); ok {
		return path.Join(layout.CNIBinDir, p)
	}
	return layout.Binary(name)
}

// imagePath is where an image archive is kept on a host for import.
func imagePath(name string) string { return path.Join(layout.ImagesDir, name+".tar") }

// wanted is one artifact and where it goes on the host.
type wanted struct {
	Artifact manifest.Artifact
	Dest     string
	Mode     os.FileMode
}

// wantedArtifacts lists every binary and image archive host h needs.
func (r *Run) wantedArtifacts(h spec.Host) ([]wanted, error) {
	var out []wanted
	for _, n := range binariesFor(r.Cluster, h) {
		a, ok := r.Artifacts.Find(manifest.KindBinary, n)
		if !ok {
			return nil, fmt.Errorf("the artifacts lack binary %s: rebuild them (kubeup artifacts build) or use a complete bundle", n)
		}
		out = append(out, wanted{Artifact: a, Dest: installPath(n), Mode: 0o755})
	}
	for _, a := range r.Artifacts.Artifacts {
		if a.Kind == manifest.KindImage {
			out = append(out, wanted{Artifact: a, Dest: imagePath(a.Name), Mode: 0o644})
		}
	}
	return out, nil
}

// distribute uploads every binary and image archive whose sha256 on the
// host differs. Files with the same content (the multi-call Kubernetes
// binary under several names) are uploaded once and hard-linked.
func distribute(ctx context.Context, r *Run, s *phase.Step) error {
	want, err := r.wantedArtifacts(r.specHost(s.HostName()))
	if err != nil {
		return err
	}
	dests := make([]string, len(want))
	for i, w := range want {
		dests[i] = w.Dest
	}
	have, err := remoteFiles(ctx, s.Host(), dests)
	if err != nil {
		return err
	}
	placed := map[string]string{} // sha256 -> a destination that holds it
	for _, w := range want {
		if f, ok := have[w.Dest]; ok && f.SHA256 == w.Artifact.SHA256 {
			placed[w.Artifact.SHA256] = w.Dest
		}
	}
	for _, w := range want {
		if f, ok := have[w.Dest]; ok && f.SHA256 == w.Artifact.SHA256 {
			continue
		}
		if err := r.place(ctx, s, w, placed); err != nil {
			return err
		}
		r.markChanged(s.HostName(), w.Dest)
	}
	return nil
}

// place puts one artifact at its destination: a hard link to a copy
// already on the host, or an upload.
func (r *Run) place(ctx context.Context, s *phase.Step, w wanted, placed map[string]string) error {
	if src, ok := placed[w.Artifact.SHA256]; ok {
		cmd := fmt.Sprintf("mkdir -p %s && ln -f %s %s.kubeup-tmp && mv -f %s.kubeup-tmp %s",
			host.Quote(path.Dir(w.Dest)), host.Quote(src), host.Quote(w.Dest), host.Quote(w.Dest), host.Quote(w.Dest))
		return s.Wet(fmt.Sprintf("link %s (%s)", w.Dest, w.Artifact.Version), func(h host.Host) error {
			_, _, err := h.Exec(ctx, cmd)
			return err
		})
	}
	local := filepath.Join(r.ArtifactsDir, filepath.FromSlash(w.Artifact.Path))
	what := fmt.Sprintf("upload %s (%s, %d MB)", w.Dest, w.Artifact.Version, w.Artifact.Size>>20)
	err := s.Wet(what, func(h host.Host) error {
		f, err := os.Open(local)
		if err != nil {
			return fmt.Errorf("open artifact: %w", err)
		}
		defer f.Close()
		return h.Upload(ctx, f, w.Dest, w.Mode)
	})
	if err == nil {
		placed[w.Artifact.SHA256] = w.Dest
	}
	return err
}
