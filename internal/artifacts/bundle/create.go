// Package bundle makes and reads kubeup's offline bundle: one tar file
// (optionally gzip or zstd compressed) holding manifest.json, bin/NAME for
// every binary and images/NAME.tar for every OCI image archive, exactly as
// a cache directory lists them in its manifest. Reading a bundle verifies
// every file against the manifest's sha256; Lint checks that every image
// the cluster runs is in it.
package bundle

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/progress"
)

// ManifestName is the manifest's name inside a bundle and a cache dir.
const ManifestName = "manifest.json"

// CreateOptions are Create's optional checks and display.
type CreateOptions struct {
	// Images must all be in the bundle (see Lint); nil checks none.
	Images []string
	// Binaries must all be in the bundle (see LintBinaries); nil checks none.
	Binaries []string
	// Progress shows bytes written; nil shows nothing.
	Progress *progress.Display
}

// Create writes the artifacts listed in dir's manifest.json into the
// bundle file out, compressed as its extension says, after linting the
// manifest. It checks every file against the manifest while copying. The
// bundle appears at out only when complete (it is written to out.part
// first).
func Create(ctx context.Context, dir, out string, o CreateOptions) (*manifest.Manifest, error) {
	c, err := CompressionFor(out)
	if err != nil {
		return nil, err
	}
	m, err := manifest.Read(filepath.Join(dir, ManifestName))
	if err != nil {
		return nil, fmt.Errorf("bundle: %w: fill the cache first with kubeup artifacts build or fetch", err)
	}
	if err := errors.Join(checkPaths(m), Lint(m, o.Images), LintBinaries(m, o.Binaries)); err != nil {
		return nil, err
	}
	part := out + ".part"
	if err := writeFile(ctx, part, c, dir, m, o.Progress); err != nil {
		os.Remove(part)
		return nil, err
	}
	if err := os.Rename(part, out); err != nil {
		os.Remove(part)
		return nil, fmt.Errorf("bundle: %w", err)
	}
	return m, nil
}

// checkPaths rejects a manifest with an unsafe or repeated path.
func checkPaths(m *manifest.Manifest) error {
	seen := map[string]bool{}
	for _, a := range m.Artifacts {
		if !safePath(a.Path) {
			return fmt.Errorf("manifest: artifact %s has path %q: want bin/NAME or images/NAME.tar", a.Name, a.Path)
		}
		if seen[a.Path] {
			return fmt.Errorf("manifest: two artifacts have path %s", a.Path)
		}
		seen[a.Path] = true
	}
	return nil
}

// writeFile writes the whole bundle to path.
func writeFile(ctx context.Context, path string, c Compression, dir string, m *manifest.Manifest, p *progress.Display) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	defer f.Close()
	cw, err := compressor(f, c)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(cw)
	if err := writeArtifacts(ctx, tw, dir, m, p); err != nil {
		return err
	}
	for _, closer := range []io.Closer{tw, cw} {
		if err := closer.Close(); err != nil {
			return fmt.Errorf("bundle %s: %w", path, err)
		}
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("bundle %s: %w", path, err)
	}
	return f.Close()
}

// writeArtifacts writes manifest.json, then every artifact, to tw.
func writeArtifacts(ctx context.Context, tw *tar.Writer, dir string, m *manifest.Manifest, p *progress.Display) error {
	b, err := m.Marshal()
	if err != nil {
		return err
	}
	hdr := &tar.Header{Name: ManifestName, Mode: 0o644, Size: int64(len(b)), ModTime: epoch(), Typeflag: tar.TypeReg}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if _, err := tw.Write(b); err != nil {
		return err
	}
	tr := p.Transfer("bundle "+m.KubernetesVersion+"/"+m.Arch, totalSize(m))
	written := map[string]string{} // sha256 -> path of the first file with it
	for _, a := range m.Artifacts {
		if err := ctx.Err(); err != nil {
			tr.Done(err)
			return err
		}
		if err := writeOnce(tw, dir, a, tr, written); err != nil {
			tr.Done(err)
			return err
		}
	}
	tr.Done(nil)
	return nil
}

// totalSize is the sum of the artifacts' sizes.
func totalSize(m *manifest.Manifest) int64 {
	var n int64
	for _, a := range m.Artifacts {
		n += a.Size
	}
	return n
}

// writeOnce writes a as a file, or as a hard link to an earlier file with
// the same content (the build path's multi-call Kubernetes binary is one
// file under six names).
func writeOnce(tw *tar.Writer, dir string, a manifest.Artifact, tr *progress.Transfer, written map[string]string) error {
	first, dup := written[a.SHA256]
	if !dup {
		written[a.SHA256] = a.Path
		return writeArtifact(tw, dir, a, tr)
	}
	sum, _, err := manifest.HashFile(filepath.Join(dir, filepath.FromSlash(a.Path)))
	if err != nil {
		return fmt.Errorf("bundle: %s is in the manifest but not in the cache: %w: build or fetch again", a.Path, err)
	}
	if sum != a.SHA256 {
		return fmt.Errorf("bundle: cache file %s: checksum mismatch: sha256 %s, the manifest says %s: build or fetch again", a.Path, sum, a.SHA256)
	}
	hdr := &tar.Header{Name: a.Path, Linkname: first, Mode: fileMode(a), ModTime: epoch(), Typeflag: tar.TypeLink}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	tr.Add(a.Size)
	return nil
}

// fileMode is 0755 for binaries and 0644 for images.
func fileMode(a manifest.Artifact) int64 {
	if a.Kind == manifest.KindBinary {
		return 0o755
	}
	return 0o644
}

// writeArtifact copies one cache file into tw, failing if its size or
// sha256 differ from the manifest.
func writeArtifact(tw *tar.Writer, dir string, a manifest.Artifact, tr *progress.Transfer) error {
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(a.Path)))
	if err != nil {
		return fmt.Errorf("bundle: %s is in the manifest but not in the cache: %w: build or fetch again", a.Path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() != a.Size {
		return fmt.Errorf("bundle: cache file %s has %d bytes, the manifest says %d: checksum cannot match; build or fetch again", a.Path, fi.Size(), a.Size)
	}
	hdr := &tar.Header{Name: a.Path, Mode: fileMode(a), Size: a.Size, ModTime: epoch(), Typeflag: tar.TypeReg}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(tw, h, tr), f); err != nil {
		return fmt.Errorf("bundle %s: %w", a.Path, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != a.SHA256 {
		return fmt.Errorf("bundle: cache file %s: checksum mismatch: sha256 %s, the manifest says %s: build or fetch again", a.Path, got, a.SHA256)
	}
	return nil
}

// epoch is every entry's modification time, so that the same cache
// always makes the same bundle bytes.
func epoch() time.Time { return time.Unix(0, 0).UTC() }
