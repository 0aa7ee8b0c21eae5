package build

import (
	"fmt"
	"os"
	"path/filepath"

	"kubeup.dev/kubeup/internal/artifacts/cache"
	"kubeup.dev/kubeup/internal/artifacts/manifest"
)

// assemble links every component's outputs into dir (the artifacts
// directory of one Kubernetes version) and merges them into
// dir/manifest.json, keeping entries other sources (fetch) put there.
// arts must be in the order of rs' outputs: each artifact is found in the
// directory of the component that lists it.
func assemble(dir string, l cache.Layout, rs []recipe, arts []manifest.Artifact, version, arch string) (*manifest.Manifest, error) {
	owner := map[string]string{} // artifact path -> component directory
	for _, r := range rs {
		rec, err := readRecord(l.Component(r.Name, r.Version, r.Arch))
		if err != nil {
			return nil, fmt.Errorf("read the record of %s %s: %w", r.Name, r.Version, err)
		}
		for _, a := range rec.Artifacts {
			owner[a.Path] = l.Component(r.Name, r.Version, r.Arch)
		}
	}
	for _, a := range arts {
		src := filepath.Join(owner[a.Path], filepath.FromSlash(a.Path))
		if err := linkInto(src, filepath.Join(dir, filepath.FromSlash(a.Path))); err != nil {
			return nil, fmt.Errorf("put %s into %s: %w", a.Name, dir, err)
		}
	}
	return manifest.Merge(filepath.Join(dir, "manifest.json"), version, arch, arts, "build")
}

// linkInto makes dst the file src unless it already is, replacing dst
// atomically so that a reader never sees it missing.
func linkInto(src, dst string) error {
	si, err := os.Stat(src)
	if err != nil {
		return err
	}
	if di, err := os.Stat(dst); err == nil && os.SameFile(si, di) {
		return nil
	}
	tmp := dst + ".tmp-link"
	if err := linkOrCopy(src, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
