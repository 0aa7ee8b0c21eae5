package bundle

import (
	"fmt"
	"strings"

	"kubeup.dev/kubeup/internal/artifacts/manifest"
)

// Lint checks that every image in images (the references the rendered
// manifests, kubelet and containerd use; versions.Set.Images for now) is
// an image artifact of m, and returns an error naming each one missing.
func Lint(m *manifest.Manifest, images []string) error {
	have := map[string]bool{}
	for _, a := range m.Artifacts {
		if a.Kind == manifest.KindImage {
			for _, ref := range a.Refs() {
				have[ref] = true
			}
		}
	}
	var missing []string
	for _, ref := range images {
		if !have[ref] {
			missing = append(missing, ref)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("bundle lint: the cluster runs %s %s, which the bundle lacks: "+
		"build the images into the cache (kubeup artifacts build --kubernetes-version %s) and bundle again",
		plural(len(missing), "image", "images"), strings.Join(missing, ", "), m.KubernetesVersion)
}

// LintBinaries checks that every binary in names is a binary artifact of
// m, and returns an error naming each one missing.
func LintBinaries(m *manifest.Manifest, names []string) error {
	var missing []string
	for _, n := range names {
		if _, ok := m.Find(manifest.KindBinary, n); !ok {
			missing = append(missing, n)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("bundle lint: the bundle lacks %s %s: "+
		"fill the cache with kubeup artifacts build or fetch --kubernetes-version %s and bundle again",
		plural(len(missing), "binary", "binaries"), strings.Join(missing, ", "), m.KubernetesVersion)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
