package podimages

import (
	"archive/tar"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/artifacts/images"
	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/versions"
)

func testSet(t *testing.T) versions.Set {
	t.Helper()
	set, err := versions.For("v1.34.4")
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func archive(t *testing.T, name string) Archive {
	t.Helper()
	for _, a := range Archives(testSet(t)) {
		if a.Name == name {
			return a
		}
	}
	t.Fatalf("no archive %s", name)
	return Archive{}
}

func TestArchivesHoldTheStaticPodImages(t *testing.T) {
	set := testSet(t)
	var refs []string
	for _, a := range Archives(set) {
		refs = append(refs, a.Refs()...)
	}
	if !slices.Equal(refs, set.StaticPodImages()) {
		t.Errorf("archives hold %v, want the version set's %v", refs, set.StaticPodImages())
	}
	bins := map[string][]string{
		KubernetesImages: {"kube-apiserver", "kube-controller-manager", "kube-proxy", "kube-scheduler"},
		EtcdImage:        {"etcd", "etcdctl"},
		FlannelImage:     {"flanneld"},
	}
	vers := map[string]string{KubernetesImages: "v1.34.4", EtcdImage: "v3.6.5", FlannelImage: "v0.26.7"}
	for _, a := range Archives(set) {
		if !slices.Equal(a.Binaries(), bins[a.Name]) || a.Version != vers[a.Name] {
			t.Errorf("%s: binaries %v version %s, want %v %s", a.Name, a.Binaries(), a.Version, bins[a.Name], vers[a.Name])
		}
	}
}

// binDir makes fake binaries; with multiCall the Kubernetes commands are
// hard links of one file, as a build makes them.
func binDir(t *testing.T, multiCall bool) func(string) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmds := []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy"}
	for _, c := range cmds {
		if multiCall && c != cmds[0] {
			if err := os.Link(filepath.Join(dir, cmds[0]), filepath.Join(dir, c)); err != nil {
				t.Fatal(err)
			}
			continue
		}
		write(c, "binary of "+c)
	}
	for _, b := range []string{"etcd", "etcdctl", "flanneld"} {
		write(b, "binary of "+b)
	}
	return func(name string) string { return filepath.Join(dir, name) }
}

func inspect(t *testing.T, path, ref string) images.Info {
	t.Helper()
	info, err := images.Inspect(path, ref)
	if err != nil {
		t.Fatal(err)
	}
	if info.OS != "linux" || info.Arch != "amd64" {
		t.Errorf("%s: platform %s/%s", ref, info.OS, info.Arch)
	}
	return info
}

// layerMembers counts the layers stored in a docker-archive.
func layerMembers(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return n
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(h.Name, ".tar.gz") {
			n++
		}
	}
}

func TestKubernetesImagesShareTheBinaryLayer(t *testing.T) {
	set := testSet(t)
	out := filepath.Join(t.TempDir(), "kubernetes-images.tar")
	if err := Write(out, "amd64", archive(t, KubernetesImages), binDir(t, true)); err != nil {
		t.Fatal(err)
	}
	var first []string
	for _, c := range []struct {
		cmd, ref string
		nodeUsr  bool
	}{
		{"kube-apiserver", set.KubeAPIServerImage(), false},
		{"kube-controller-manager", set.KubeControllerManagerImage(), false},
		{"kube-scheduler", set.KubeSchedulerImage(), false},
		{"kube-proxy", set.KubeProxyImage(), true},
	} {
		info := inspect(t, out, c.ref)
		if len(info.Layers) != 2 {
			t.Fatalf("%s: %d layers, want 2", c.ref, len(info.Layers))
		}
		first = append(first, info.Layers[0])
		if !slices.Equal(info.Entrypoint, []string{"/" + c.cmd}) || info.Links["/"+c.cmd] != "kubernetes" || !slices.Contains(info.Files, "/kubernetes") {
			t.Errorf("%s: entrypoint %v, files %v, links %v; want /%s -> kubernetes", c.ref, info.Entrypoint, info.Files, info.Links, c.cmd)
		}
		wantEnv := []string{"PATH=/"}
		wantLinks := 1
		if c.nodeUsr {
			wantEnv = []string{images.UnixPath}
			wantLinks = 5
			checkNodeUsr(t, info)
		}
		if !slices.Equal(info.Env, wantEnv) || len(info.Links) != wantLinks {
			t.Errorf("%s: env %v links %v, want %v and %d links", c.ref, info.Env, info.Links, wantEnv, wantLinks)
		}
	}
	if len(slices.Compact(slices.Clone(first))) != 1 {
		t.Errorf("first layers %v, want one shared by the four images", first)
	}
	if n := layerMembers(t, out); n != 5 {
		t.Errorf("the archive stores %d layers, want 5: the binary once and a link layer per image", n)
	}
}

// checkNodeUsr checks the layout of an image that runs with the node's
// /usr mounted at /usr: merged-/usr links, nothing of its own in /usr.
func checkNodeUsr(t *testing.T, info images.Info) {
	t.Helper()
	for link, target := range map[string]string{"/bin": "usr/bin", "/sbin": "usr/sbin", "/lib": "usr/lib", "/lib64": "usr/lib64"} {
		if info.Links[link] != target {
			t.Errorf("%s: %s -> %q, want %s", info.Ref, link, info.Links[link], target)
		}
	}
	for _, f := range info.Files {
		if f == "/usr" || strings.HasPrefix(f, "/usr/") {
			t.Errorf("%s: %s would be hidden by the node's /usr", info.Ref, f)
		}
	}
}

func TestKubernetesImagesFromSeparateBinaries(t *testing.T) {
	set := testSet(t)
	out := filepath.Join(t.TempDir(), "kubernetes-images.tar")
	if err := Write(out, "amd64", archive(t, KubernetesImages), binDir(t, false)); err != nil {
		t.Fatal(err)
	}
	api := inspect(t, out, set.KubeAPIServerImage())
	proxy := inspect(t, out, set.KubeProxyImage())
	if api.Layers[0] == proxy.Layers[0] {
		t.Error("release binaries differ, yet the images share their binary layer")
	}
	if n := layerMembers(t, out); n != 8 {
		t.Errorf("the archive stores %d layers, want 8", n)
	}
}

func TestEtcdAndFlannelImages(t *testing.T) {
	set := testSet(t)
	bins := binDir(t, true)
	dir := t.TempDir()
	etcd := filepath.Join(dir, "etcd.tar")
	if err := Write(etcd, "amd64", archive(t, EtcdImage), bins); err != nil {
		t.Fatal(err)
	}
	info := inspect(t, etcd, "registry.k8s.io/etcd:3.6.5-0")
	if !slices.Equal(info.Files, []string{"/usr/local/bin/etcd", "/usr/local/bin/etcdctl"}) ||
		!slices.Equal(info.Entrypoint, []string{"/usr/local/bin/etcd"}) || !slices.Equal(info.Env, []string{images.UnixPath}) {
		t.Errorf("etcd image = %+v", info)
	}
	flannel := filepath.Join(dir, "flannel.tar")
	if err := Write(flannel, "amd64", archive(t, FlannelImage), bins); err != nil {
		t.Fatal(err)
	}
	info = inspect(t, flannel, set.FlannelImage())
	if !slices.Contains(info.Files, "/flanneld") || !slices.Equal(info.Entrypoint, []string{"/flanneld"}) ||
		!slices.Equal(info.Env, []string{images.UnixPath}) {
		t.Errorf("flannel image = %+v", info)
	}
	checkNodeUsr(t, info)
}

func TestWriteErrors(t *testing.T) {
	out := filepath.Join(t.TempDir(), "x.tar")
	none := func(string) string { return "" }
	if err := Write(out, "amd64", archive(t, EtcdImage), none); err == nil || !strings.Contains(err.Error(), "binary etcd") {
		t.Errorf("no binary: %v", err)
	}
	absent := func(n string) string { return filepath.Join(t.TempDir(), n) }
	if err := Write(out, "amd64", archive(t, EtcdImage), absent); err == nil {
		t.Error("absent file: want an error")
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed Write left %s: %v", out, err)
	}
}

// TestProgramIsTheEntrypoint: the program the renderer starts is each
// image's entrypoint, a file or link of the image.
func TestProgramIsTheEntrypoint(t *testing.T) {
	set := testSet(t)
	for _, name := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy", "etcd", "flanneld"} {
		ref := set.ComponentImage(name)
		var img *Image
		for _, a := range Archives(set) {
			for i := range a.Images {
				if a.Images[i].Ref == ref {
					img = &a.Images[i]
				}
			}
		}
		if img == nil {
			t.Fatalf("%s: no archive holds %s", name, ref)
		}
		var paths []string
		for _, l := range img.Layers {
			for _, f := range l {
				paths = append(paths, f.Path)
			}
		}
		if p := Program(name); p == "" || !slices.Equal(img.Entrypoint, []string{p}) || !slices.Contains(paths, p) {
			t.Errorf("%s: Program %q, entrypoint %v, paths %v", name, p, img.Entrypoint, paths)
		}
	}
	if Program("kubelet") != "" {
		t.Error("the kubelet has a program in an image")
	}
}

func TestKey(t *testing.T) {
	a := archive(t, EtcdImage)
	sums := map[string]string{"etcd": "aa", "etcdctl": "bb", "flanneld": "cc"}
	base, err := Key(a, "amd64", sums)
	if err != nil {
		t.Fatal(err)
	}
	same, _ := Key(a, "amd64", map[string]string{"etcd": "aa", "etcdctl": "bb"})
	if same != base {
		t.Error("a binary the archive does not use changed its key")
	}
	changed := map[string]func() (string, error){
		"binary": func() (string, error) { return Key(a, "amd64", map[string]string{"etcd": "aa", "etcdctl": "b2"}) },
		"arch":   func() (string, error) { return Key(a, "arm64", sums) },
		"layout": func() (string, error) {
			b := archive(t, EtcdImage)
			b.Images[0].Entrypoint = []string{"/etcd"}
			return Key(b, "amd64", sums)
		},
	}
	for name, fn := range changed {
		if k, err := fn(); err != nil || k == base {
			t.Errorf("changing the %s keeps the key (%v)", name, err)
		}
	}
	if _, err := Key(a, "amd64", map[string]string{"etcd": "aa"}); err == nil {
		t.Error("a missing binary: want an error")
	}
}

func TestArtifact(t *testing.T) {
	k := archive(t, KubernetesImages).Artifact("amd64", "build", "abc", 42)
	if k.Kind != manifest.KindImage || k.Path != "images/kubernetes-images.tar" || k.Image != "" || len(k.Images) != 4 ||
		len(k.Refs()) != 4 || k.Version != "v1.34.4" || k.Source != "build" || k.SHA256 != "abc" || k.Size != 42 {
		t.Errorf("kubernetes-images artifact = %+v", k)
	}
	e := archive(t, EtcdImage).Artifact("amd64", "release", "def", 7)
	if e.Image != "registry.k8s.io/etcd:3.6.5-0" || e.Images != nil || !slices.Equal(e.Refs(), []string{e.Image}) {
		t.Errorf("etcd artifact = %+v", e)
	}
}
