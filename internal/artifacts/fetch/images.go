package fetch

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/artifacts/podimages"
	"kubeup.dev/kubeup/internal/atomicfile"
	"kubeup.dev/kubeup/internal/versions"
)

// Images returns the image archives (package podimages) that Fetch makes
// for Kubernetes version k from the release binaries of files: those
// whose binaries all come from files. Upstream publishes these images
// with iptables inside and kube-proxy in /usr; kubeup's DaemonSets mount
// the node's /usr instead, so the images are made here, from the verified
// downloads. The pause and CoreDNS images are pulled by containerd.
func Images(k string, files []File) ([]podimages.Archive, error) {
	set, err := versions.For(k)
	if err != nil {
		return nil, err
	}
	var have []string
	for _, f := range files {
		have = append(have, f.Binaries()...)
	}
	var out []podimages.Archive
	for _, a := range podimages.Archives(set) {
		if !slices.ContainsFunc(a.Binaries(), func(b string) bool { return !slices.Contains(have, b) }) {
			out = append(out, a)
		}
	}
	return out, nil
}

// keySuffix names the file beside an archive that records what it was
// made from: its podimages.Key and its own sha256.
const keySuffix = ".key"

// images makes the archives of Images from the binaries fetched (arts)
// into the cache's images/, and returns their artifacts (Source release).
// An archive that the cache already holds, made from the same binaries,
// is kept. planned are the files that were to be fetched: an archive
// whose binaries did not all arrive is not made (their errors say why).
func (f *fetcher) images(planned []File, arts []manifest.Artifact) ([]manifest.Artifact, []error) {
	archives, err := Images(f.o.KubernetesVersion, planned)
	if err != nil {
		return nil, []error{err}
	}
	sums := map[string]string{}
	for _, a := range arts {
		if a.Kind == manifest.KindBinary {
			sums[a.Name] = a.SHA256
		}
	}
	var out []manifest.Artifact
	var errs []error
	for _, a := range archives {
		key, err := podimages.Key(a, f.o.Arch, sums)
		if err != nil {
			continue // a binary failed to download, and says so
		}
		art, err := f.image(a, key)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, art)
	}
	return out, errs
}

// image makes archive a (whose inputs have key) unless the cache holds it.
func (f *fetcher) image(a podimages.Archive, key string) (manifest.Artifact, error) {
	p := filepath.Join(f.dir, filepath.FromSlash(manifest.ImagePath(a.Name)))
	if sum, size, ok := madeFrom(p, key); ok {
		f.o.Progress.Printf("cached %s (made from the same binaries)", a.Name)
		return a.Artifact(f.o.Arch, "release", sum, size), nil
	}
	step := f.o.Progress.Step(fmt.Sprintf("make %s (%s)", a.Name, strings.Join(a.Refs(), ", ")))
	art, err := f.writeImage(a, key, p)
	step.Done(err)
	return art, err
}

// writeImage writes archive a to p from the binaries in the cache and
// records key and the archive's sha256 beside it.
func (f *fetcher) writeImage(a podimages.Archive, key, p string) (manifest.Artifact, error) {
	bin := func(name string) string { return filepath.Join(f.dir, "bin", filepath.FromSlash(name)) }
	if err := podimages.Write(p, f.o.Arch, a, bin); err != nil {
		return manifest.Artifact{}, fmt.Errorf("make %s: %w", a.Name, err)
	}
	sum, size, err := manifest.HashFile(p)
	if err != nil {
		return manifest.Artifact{}, fmt.Errorf("make %s: %w", a.Name, err)
	}
	if err := atomicfile.WriteFile(p+keySuffix, []byte(key+" "+sum+"\n"), 0o644); err != nil {
		return manifest.Artifact{}, fmt.Errorf("make %s: %w", a.Name, err)
	}
	return a.Artifact(f.o.Arch, "release", sum, size), nil
}

// madeFrom returns the sha256 and size of the archive at p when the file
// beside it says it was made from key and the archive is still the one
// made then.
func madeFrom(p, key string) (string, int64, bool) {
	b, err := os.ReadFile(p + keySuffix)
	if err != nil {
		return "", 0, false
	}
	k, want, ok := strings.Cut(strings.TrimSpace(string(b)), " ")
	if !ok || k != key {
		return "", 0, false
	}
	sum, size, err := manifest.HashFile(p)
	if err != nil || sum != want {
		return "", 0, false
	}
	return sum, size, true
}
