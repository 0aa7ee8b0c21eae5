package fetch

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/artifacts/cache"
	"kubeup.dev/kubeup/internal/artifacts/images"
	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/artifacts/podimages"
)

func TestImagesFollowTheSources(t *testing.T) {
	for _, tc := range []struct {
		sources []string
		want    []string
	}{
		{nil, []string{podimages.KubernetesImages, podimages.EtcdImage, podimages.FlannelImage}},
		{[]string{SourceKubernetes}, []string{podimages.KubernetesImages}},
		{[]string{SourceEtcd, SourceContainerd}, []string{podimages.EtcdImage}},
		{[]string{SourceCNI}, nil},
	} {
		files, err := Plan(testK8s, "amd64", DefaultBases(), tc.sources, map[string]string{"flannel-v0.26.7-linux-amd64.tar.gz": strings.Repeat("0", 64)})
		if err != nil {
			t.Fatal(err)
		}
		as, err := Images(testK8s, files)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range as {
			got = append(got, a.Name)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("sources %v: images %v, want %v", tc.sources, got, tc.want)
		}
	}
}

// TestFetchMakesImages: the static-pods images are made from the
// downloaded binaries, kept while those stay the same, and made again
// when the archive in the cache is not the one made.
func TestFetchMakesImages(t *testing.T) {
	s := newReleaseServer(t)
	o, out, _ := testOptions(t, s, s.release(t))
	m, err := Fetch(context.Background(), o)
	if err != nil {
		t.Fatalf("Fetch: %v\n%s", err, out)
	}
	dir := cache.Layout{Root: o.CacheRoot}.Artifacts(testK8s, "amd64")
	k, ok := m.Find(manifest.KindImage, podimages.KubernetesImages)
	if !ok || k.Source != "release" || k.Version != testK8s || len(k.Images) != 4 || k.Path != "images/kubernetes-images.tar" {
		t.Fatalf("kubernetes-images = %+v", k)
	}
	if sum, size, err := manifest.HashFile(filepath.Join(dir, k.Path)); err != nil || sum != k.SHA256 || size != k.Size {
		t.Errorf("%s: sha256 %s size %d (%v), manifest says %s %d", k.Path, sum, size, err, k.SHA256, k.Size)
	}
	// Each image holds its own release binary at /kubernetes.
	layers := map[string]bool{}
	for _, ref := range k.Images {
		info, err := images.Inspect(filepath.Join(dir, k.Path), ref)
		if err != nil {
			t.Fatal(err)
		}
		cmd := strings.TrimSuffix(ref[strings.LastIndex(ref, "/")+1:], ":"+testK8s)
		if !slices.Equal(info.Entrypoint, []string{"/" + cmd}) || info.Links["/"+cmd] != "kubernetes" || info.Files[0] != "/kubernetes" {
			t.Errorf("%s: %+v", ref, info)
		}
		layers[info.Layers[0]] = true
	}
	if len(layers) != 4 {
		t.Errorf("%d distinct binary layers, want 4 (one per release binary)", len(layers))
	}
	e, ok := m.Find(manifest.KindImage, podimages.EtcdImage)
	if !ok || e.Image != "registry.k8s.io/etcd:3.6.5-0" || e.Source != "release" {
		t.Fatalf("etcd image = %+v", e)
	}
	if info, err := images.Inspect(filepath.Join(dir, e.Path), e.Image); err != nil || !slices.Contains(info.Files, "/usr/local/bin/etcdctl") {
		t.Errorf("etcd image: %+v, %v", info, err)
	}
	if !strings.Contains(out.String(), "make kubernetes-images (registry.k8s.io/kube-apiserver:v1.34.4,") {
		t.Errorf("no make line:\n%s", out)
	}

	// Warm: nothing is made again.
	out.Reset()
	before, _ := os.Stat(filepath.Join(dir, k.Path))
	m2, err := Fetch(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(filepath.Join(dir, k.Path))
	if strings.Contains(out.String(), "make ") || !strings.Contains(out.String(), "cached kubernetes-images") || !os.SameFile(before, after) {
		t.Errorf("warm fetch made images again:\n%s", out)
	}
	if k2, _ := m2.Find(manifest.KindImage, podimages.KubernetesImages); k2.SHA256 != k.SHA256 {
		t.Errorf("warm fetch: sha256 %s, want %s", k2.SHA256, k.SHA256)
	}

	// An archive that is not the one made (a build replaced it, say) is made again.
	if err := os.WriteFile(filepath.Join(dir, e.Path), []byte("another archive"), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	m3, err := Fetch(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if e3, _ := m3.Find(manifest.KindImage, podimages.EtcdImage); !strings.Contains(out.String(), "make etcd-image") || e3.SHA256 != e.SHA256 {
		t.Errorf("replaced archive: sha256 %s, want %s again:\n%s", e3.SHA256, e.SHA256, out)
	}
}

// TestFetchMakesNoImageOfMissingBinaries: an archive whose binaries did
// not all arrive is not made; the others are.
func TestFetchMakesNoImageOfMissingBinaries(t *testing.T) {
	s := newReleaseServer(t)
	sums := s.release(t)
	delete(s.files, "/release/v1.34.4/bin/linux/amd64/kube-proxy")
	o, out, _ := testOptions(t, s, sums)
	m, err := Fetch(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "kube-proxy") || strings.Contains(err.Error(), "kubernetes-images") {
		t.Errorf("error %v, want one about kube-proxy only", err)
	}
	if m == nil {
		t.Fatalf("no manifest:\n%s", out)
	}
	if _, ok := m.Find(manifest.KindImage, podimages.KubernetesImages); ok {
		t.Error("kubernetes-images made without kube-proxy")
	}
	if _, ok := m.Find(manifest.KindImage, podimages.EtcdImage); !ok {
		t.Error("etcd-image not made")
	}
}
