package build

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"kubeup.dev/kubeup/internal/artifacts/inventory"
	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/artifacts/podimages"
	"kubeup.dev/kubeup/internal/versions"
)

func mustRecipes(t *testing.T, version string) []recipe {
	t.Helper()
	set, err := versions.For(version)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := recipes(set, "amd64")
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// builtBinaries are the binaries a build makes: a complete artifact set's
// (package inventory) and those only images are made of (CoreDNS,
// kubeup's pause and smoke).
func builtBinaries() []string {
	return append(inventory.HostBinaries(), "coredns", "pause", "smoke")
}

func TestRecipesCoverEveryArtifact(t *testing.T) {
	set, _ := versions.For("v1.34.4")
	var bins, imgs []string
	for _, r := range mustRecipes(t, "v1.34.4") {
		for _, b := range r.Binaries {
			bins = append(bins, b.Name)
			bins = append(bins, b.Aliases...)
		}
		for _, i := range r.Images {
			imgs = append(imgs, i.Ref)
		}
		if r.Archive != nil {
			imgs = append(imgs, r.Archive.Refs()...)
		}
	}
	slices.Sort(bins)
	if want := slices.Sorted(slices.Values(builtBinaries())); !slices.Equal(bins, want) {
		t.Errorf("binaries = %v, want %v", bins, want)
	}
	slices.Sort(imgs)
	wantImgs := set.Images()
	slices.Sort(wantImgs)
	if !slices.Equal(imgs, wantImgs) {
		t.Errorf("images = %v, want the version set's %v", imgs, wantImgs)
	}
}

func TestRecipeFlags(t *testing.T) {
	rs := mustRecipes(t, "v1.35.4")
	byName := map[string]recipe{}
	for _, r := range rs {
		byName[r.Name] = r
	}
	k := ldflags(byName[Kubernetes], "2026-02-10T12:53:36Z")
	for _, want := range []string{"-s -w ", "-X k8s.io/component-base/version.gitVersion=v1.35.4", "-X k8s.io/client-go/pkg/version.gitVersion=v1.35.4",
		"-X k8s.io/component-base/version.gitMinor=35", "-X k8s.io/component-base/version.buildDate=2026-02-10T12:53:36Z"} {
		if !strings.Contains(k, want) {
			t.Errorf("kubernetes ldflags %q lack %q", k, want)
		}
	}
	if f := byName[Flannel]; !f.CGO || !strings.HasSuffix(ldflags(f, ""), "-extldflags=-static") ||
		!strings.Contains(ldflags(f, ""), "pkg/version.Version=v0.26.7") {
		t.Errorf("flannel: cgo %v ldflags %q", f.CGO, ldflags(f, ""))
	}
	for _, name := range []string{Kubernetes, Etcd, CoreDNS, FlannelCNI, Pause, Smoke, Containerd, CNIPlugins, CriTools} {
		if byName[name].CGO {
			t.Errorf("%s is built with cgo", name)
		}
	}
	for _, name := range []string{podimages.KubernetesImages, podimages.EtcdImage, podimages.FlannelImage} {
		if r := byName[name]; r.Kind != kindImages || r.Archive == nil || len(r.Binaries) != 0 {
			t.Errorf("%s: kind %s, archive %v, binaries %v; want an images recipe that compiles nothing", name, r.Kind, r.Archive, r.Binaries)
		}
	}
	if _, err := kubernetesRecipe("v1.34", "amd64"); err == nil {
		t.Error("kubernetes v1.34: want an error")
	}
}

// TestRuntimeRecipes checks how the container runtime is built: from the
// modules and versions of the release, stamped as upstream's Makefiles do.
func TestRuntimeRecipes(t *testing.T) {
	set, err := versions.For("v1.37.2")
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]recipe{}
	for _, r := range mustRecipes(t, "v1.37.2") {
		byName[r.Name] = r
	}
	packages := func(r recipe) map[string]string {
		m := map[string]string{}
		for _, b := range r.Binaries {
			m[b.Name] = b.Package
		}
		return m
	}

	c := byName[Containerd]
	if c.Version != set.Containerd || c.Require["github.com/containerd/containerd/v2"] != "v"+set.Containerd || c.CGO ||
		ldflags(c, "") != "-s -w -X github.com/containerd/containerd/v2/version.Version=v"+set.Containerd {
		t.Errorf("containerd: version %s require %v cgo %v ldflags %q", c.Version, c.Require, c.CGO, ldflags(c, ""))
	}
	if got := packages(c); !reflect.DeepEqual(got, map[string]string{
		"containerd":              "github.com/containerd/containerd/v2/cmd/containerd",
		"containerd-shim-runc-v2": "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2",
		"ctr":                     "github.com/containerd/containerd/v2/cmd/ctr"}) {
		t.Errorf("containerd packages %v", got)
	}

	r := byName[Runc]
	if r.Version != set.Runc || r.Require["github.com/opencontainers/runc"] != set.Runc || !r.CGO || !r.Static ||
		!slices.Contains(r.Tags, "seccomp") || !strings.HasSuffix(ldflags(r, ""), "-extldflags=-static") ||
		!reflect.DeepEqual(packages(r), map[string]string{"runc": "github.com/opencontainers/runc"}) {
		t.Errorf("runc: %+v, ldflags %q", r, ldflags(r, ""))
	}

	cni := byName[CNIPlugins]
	if cni.Version != set.CNIPlugins || cni.Require["github.com/containernetworking/plugins"] != set.CNIPlugins || cni.CGO ||
		!slices.Equal(cni.X, []string{"github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion=" + set.CNIPlugins}) {
		t.Errorf("cni-plugins: %+v", cni)
	}
	if got := packages(cni); !reflect.DeepEqual(got, map[string]string{
		"cni/bridge":     "github.com/containernetworking/plugins/plugins/main/bridge",
		"cni/host-local": "github.com/containernetworking/plugins/plugins/ipam/host-local",
		"cni/loopback":   "github.com/containernetworking/plugins/plugins/main/loopback",
		"cni/portmap":    "github.com/containernetworking/plugins/plugins/meta/portmap"}) {
		t.Errorf("CNI plugin packages %v", got)
	}

	k := byName[CriTools]
	if k.Version != set.CriTools || k.Require["sigs.k8s.io/cri-tools"] != set.CriTools || k.CGO ||
		!slices.Equal(k.X, []string{"sigs.k8s.io/cri-tools/pkg/version.Version=" + strings.TrimPrefix(set.CriTools, "v")}) ||
		!reflect.DeepEqual(packages(k), map[string]string{"crictl": "sigs.k8s.io/cri-tools/cmd/crictl"}) {
		t.Errorf("cri-tools: %+v", k)
	}
}

// TestTagsLeaveOtherRecipesAlone: a recipe without build tags marshals as
// it did before recipes had them, so its hash, and its cached build, stay.
func TestTagsLeaveOtherRecipesAlone(t *testing.T) {
	// flannel's recipe as kubeup marshalled it before recipes had tags.
	const before = `{"name":"flannel","version":"v0.26.7","arch":"amd64","kind":"tool","require":{"github.com/flannel-io/flannel":"v0.26.7"},` +
		`"cgo":true,"static":true,"x":["github.com/flannel-io/flannel/pkg/version.Version=v0.26.7"],` +
		`"binaries":[{"name":"flanneld","package":"github.com/flannel-io/flannel"}]}`
	if j, err := json.Marshal(flannelRecipe("v0.26.7", "amd64")); err != nil || string(j) != before {
		t.Errorf("flannel's recipe marshals as\n%s\nwant\n%s", j, before)
	}
	for _, r := range mustRecipes(t, "v1.37.2") {
		j, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if has := strings.Contains(string(j), `"tags"`); has != (len(r.Tags) > 0) {
			t.Errorf("%s: tags %v, JSON %s", r.Name, r.Tags, j)
		}
	}
}

func TestRecipeHash(t *testing.T) {
	r := etcdRecipe("v3.6.5", "amd64")
	base, err := recipeHash(r, "go1.26.8", "src")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := recipeHash(etcdRecipe("v3.6.5", "amd64"), "go1.26.8", "src")
	if again != base {
		t.Error("the same recipe hashes differently")
	}
	changed := map[string]func() (string, error){
		"version": func() (string, error) { return recipeHash(etcdRecipe("v3.6.6", "amd64"), "go1.26.8", "src") },
		"arch":    func() (string, error) { return recipeHash(etcdRecipe("v3.6.5", "arm64"), "go1.26.8", "src") },
		"go":      func() (string, error) { return recipeHash(r, "go1.26.9", "src") },
		"sources": func() (string, error) { return recipeHash(r, "go1.26.8", "src2") },
		"flags": func() (string, error) {
			r2 := etcdRecipe("v3.6.5", "amd64")
			r2.X = []string{"a.b=c"}
			return recipeHash(r2, "go1.26.8", "src")
		},
		"tags": func() (string, error) {
			r2 := etcdRecipe("v3.6.5", "amd64")
			r2.Tags = []string{"seccomp"}
			return recipeHash(r2, "go1.26.8", "src")
		},
	}
	for name, fn := range changed {
		if h, err := fn(); err != nil || h == base {
			t.Errorf("changing the %s keeps the hash (%v)", name, err)
		}
	}
}

func TestSourcesHash(t *testing.T) {
	a := fstest.MapFS{"cmd/pause/main.go": {Data: []byte("a")}, "cmd/smoke/main.go": {Data: []byte("x")}}
	b := fstest.MapFS{"cmd/pause/main.go": {Data: []byte("b")}, "cmd/smoke/main.go": {Data: []byte("x")}}
	ha, _ := sourcesHash(a, "cmd/pause")
	hb, _ := sourcesHash(b, "cmd/pause")
	if ha == hb {
		t.Error("changed source, same hash")
	}
	sa, _ := sourcesHash(a, "cmd/smoke")
	sb, _ := sourcesHash(b, "cmd/smoke")
	if sa != sb {
		t.Error("another component's source changed this one's hash")
	}
}

func TestCached(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bin", "etcd"), []byte("12345"), 0o755); err != nil {
		t.Fatal(err)
	}
	arts := []manifest.Artifact{{Name: "etcd", Kind: manifest.KindBinary, Path: "bin/etcd", Size: 5}}
	if err := writeRecord(dir, record{Hash: "h1", Artifacts: arts}); err != nil {
		t.Fatal(err)
	}
	if got, ok := cached(dir, "h1"); !ok || len(got) != 1 {
		t.Errorf("cached(h1) = %v, %v; want the artifact", got, ok)
	}
	if _, ok := cached(dir, "h2"); ok {
		t.Error("another recipe hash counts as cached")
	}
	if err := os.WriteFile(filepath.Join(dir, "bin", "etcd"), []byte("123"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, ok := cached(dir, "h1"); ok {
		t.Error("a truncated binary counts as cached")
	}
	if _, ok := cached(t.TempDir(), "h1"); ok {
		t.Error("an empty directory counts as cached")
	}
}
