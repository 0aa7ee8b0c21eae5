package bundle

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"kubeup.dev/kubeup/internal/artifacts/cache"
	"kubeup.dev/kubeup/internal/artifacts/manifest"
)

// Extract unpacks the bundle file into the cache under root, at
// cache.Layout.Artifacts(version, arch) of the bundle's manifest, and
// returns that manifest and directory. Every file is written to a staging
// directory and checked against the manifest first; only a bundle that
// verifies completely is moved into the cache, file by file, and its
// artifacts merged into the cache's manifest.json last. On any error the
// cache is left as it was. It does not lint (see Lint).
func Extract(ctx context.Context, file, root string) (*manifest.Manifest, string, error) {
	layout := cache.Layout{Root: root}
	parent := filepath.Join(root, "artifacts")
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, "", fmt.Errorf("extract %s: %w", file, err)
	}
	staging, err := os.MkdirTemp(parent, ".extract-")
	if err != nil {
		return nil, "", fmt.Errorf("extract %s: %w", file, err)
	}
	defer os.RemoveAll(staging)
	m, seen, err := walk(ctx, file, &sink{
		file: func(name string, mode int64, r io.Reader) error { return stage(staging, name, mode, r) },
		link: func(name, target string) error { return stageLink(staging, name, target) },
	})
	if err != nil {
		return nil, "", err
	}
	if err := compare(m, seen).Err(); err != nil {
		return nil, "", fmt.Errorf("bundle %s failed verification, nothing was extracted: make it again with kubeup artifacts bundle:\n%w", file, err)
	}
	if err := checkTarget(m); err != nil {
		return nil, "", fmt.Errorf("bundle %s: %w", file, err)
	}
	dir := layout.Artifacts(m.KubernetesVersion, m.Arch)
	if err := install(layout, staging, dir, m); err != nil {
		return nil, "", fmt.Errorf("extract %s: %w", file, err)
	}
	return m, dir, nil
}

// stage writes one bundle entry below staging with its mode.
func stage(staging, name string, mode int64, r io.Reader) error {
	path := filepath.Join(staging, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	perm := os.FileMode(0o644)
	if mode&0o111 != 0 {
		perm = 0o755
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// stageLink makes staging/name a hard link to staging/target.
func stageLink(staging, name, target string) error {
	path := filepath.Join(staging, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.Link(filepath.Join(staging, filepath.FromSlash(target)), path)
}

// checkTarget rejects a manifest whose version or arch cannot name a
// cache directory.
func checkTarget(m *manifest.Manifest) error {
	for _, s := range []string{m.KubernetesVersion, m.Arch} {
		if s == "" || s == "." || s == ".." || strings.ContainsAny(s, `/\`) {
			return fmt.Errorf("manifest.json names version %q and arch %q: both must be set, without slashes", m.KubernetesVersion, m.Arch)
		}
	}
	return nil
}

// install moves the verified files from staging into dir and merges the
// manifest into dir's manifest.json, holding the artifacts directory's lock.
func install(layout cache.Layout, staging, dir string, m *manifest.Manifest) error {
	unlock, err := layout.LockArtifacts(m.KubernetesVersion, m.Arch)
	if err != nil {
		return err
	}
	defer unlock()
	for _, a := range m.Artifacts {
		dst := filepath.Join(dir, filepath.FromSlash(a.Path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.Rename(filepath.Join(staging, filepath.FromSlash(a.Path)), dst); err != nil {
			return err
		}
	}
	_, err = manifest.Merge(filepath.Join(dir, ManifestName), m.KubernetesVersion, m.Arch, m.Artifacts, "extract")
	return err
}
