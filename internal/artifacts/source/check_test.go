package source

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/spec"
)

// TestCheckBundleUsesTheCacheReadOnly: with nothing cached, Check says
// it would extract the bundle and plans with placeholders, creating no
// cache; with every artifact cached it returns the cache's manifest.
func TestCheckBundleUsesTheCacheReadOnly(t *testing.T) {
	c, err := spec.Parse(spec.Example())
	if err != nil {
		t.Fatal(err)
	}
	c.Spec.Artifacts.Source, c.Spec.Artifacts.Bundle = "bundle", "kubeup-v1.34.4.tar.zst"
	root := filepath.Join(t.TempDir(), "cache")
	m, dir, would, err := Check(context.Background(), c, Options{CacheRoot: root})
	if err != nil {
		t.Fatal(err)
	}
	if len(would) != 1 || !strings.Contains(would[0], "extract bundle kubeup-v1.34.4.tar.zst") {
		t.Errorf("would %q", would)
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Errorf("Check created the cache: %v", err)
	}
	kubelet, ok := m.Find(manifest.KindBinary, "kubelet")
	if !ok || kubelet.SHA256 == "" || kubelet.Path != "bin/kubelet" {
		t.Fatalf("kubelet placeholder = %+v", kubelet)
	}

	// Cache every artifact as if extracted.
	for i, a := range m.Artifacts {
		p := filepath.Join(dir, filepath.FromSlash(a.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(a.Name), 0o755); err != nil {
			t.Fatal(err)
		}
		m.Artifacts[i].SHA256, m.Artifacts[i].Size = "sum-"+a.Name, int64(len(a.Name))
	}
	b, _ := m.Marshal()
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	got, _, would, err := Check(context.Background(), c, Options{CacheRoot: root})
	if err != nil || len(would) != 0 {
		t.Fatalf("with everything cached: would %q (%v)", would, err)
	}
	if a, _ := got.Find(manifest.KindBinary, "kubelet"); a.SHA256 != "sum-kubelet" {
		t.Errorf("kubelet from the cache = %+v", a)
	}
}

// TestCheckReleaseNeedsFlannelsChecksum: a release dry run plans the
// downloads when the spec pins the sha256 of flannel's tarball (its
// project publishes none) and says which file needs one when it does not.
func TestCheckReleaseNeedsFlannelsChecksum(t *testing.T) {
	c, err := spec.Parse(spec.Example())
	if err != nil {
		t.Fatal(err)
	}
	c.Spec.Artifacts.Source = "release"
	root := filepath.Join(t.TempDir(), "cache")
	if _, _, _, err := Check(context.Background(), c, Options{CacheRoot: root}); err == nil || !strings.Contains(err.Error(), "flannel") {
		t.Fatalf("without a checksum: %v, want an error naming flannel's file", err)
	}
	c.Spec.Artifacts.Checksums = map[string]string{"flannel-v0.26.7-linux-amd64.tar.gz": strings.Repeat("ab", 32)}
	m, _, would, err := Check(context.Background(), c, Options{CacheRoot: root})
	if err != nil || len(would) != 1 || !strings.Contains(would[0], "download the release artifacts") {
		t.Fatalf("with the checksum: would %q, %v", would, err)
	}
	if _, ok := m.Find(manifest.KindBinary, "flanneld"); !ok {
		t.Error("flanneld is not planned")
	}
	// Fetch makes the static-pods images from the downloads.
	if k, ok := m.Find(manifest.KindImage, "kubernetes-images"); !ok || k.Source != "release" || len(k.Refs()) != 4 {
		t.Errorf("kubernetes-images placeholder = %+v", k)
	}
}
