package images

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// fakeBinary writes a small executable file.
func fakeBinary(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "bin")
	if err := os.WriteFile(p, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestWriteArchiveIsDockerArchive(t *testing.T) {
	bin := fakeBinary(t, "#!/bin/true\n")
	out := filepath.Join(t.TempDir(), "images", "smoke.tar")
	s := Spec{Ref: "kubeup.dev/smoke:v1", Binary: bin, Path: "/smoke", Cmd: []string{"serve"}, Ports: []string{"8080/tcp"}, Arch: "amd64"}
	if err := Write(out, s); err != nil {
		t.Fatal(err)
	}
	// The archive's manifest.json names the tag, as ctr and docker load need.
	var m []struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	if err := json.Unmarshal(readMember(t, out, "manifest.json"), &m); err != nil {
		t.Fatal(err)
	}
	if len(m) != 1 || !slices.Equal(m[0].RepoTags, []string{"kubeup.dev/smoke:v1"}) || len(m[0].Layers) != 1 {
		t.Fatalf("manifest.json = %+v, want one image tagged kubeup.dev/smoke:v1 with one layer", m)
	}
	info, err := Inspect(out, "kubeup.dev/smoke:v1")
	if err != nil {
		t.Fatal(err)
	}
	if info.OS != "linux" || info.Arch != "amd64" || !slices.Equal(info.Entrypoint, []string{"/smoke"}) ||
		!slices.Equal(info.Cmd, []string{"serve"}) || !slices.Equal(info.Files, []string{"/smoke"}) {
		t.Errorf("image = %+v", info)
	}
	if _, err := os.Stat(out + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("temporary file left behind: %v", err)
	}
}

func TestLayerKeepsBinaryExecutable(t *testing.T) {
	bin := fakeBinary(t, "binary content")
	img, err := Build(Spec{Ref: "registry.k8s.io/pause:3.10.1", Binary: bin, Path: "/pause", Arch: "amd64"})
	if err != nil {
		t.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	h, err := tar.NewReader(rc).Next()
	if err != nil {
		t.Fatal(err)
	}
	if h.Name != "pause" || h.Mode != 0o755 || h.Uid != 0 || h.Size != int64(len("binary content")) {
		t.Errorf("layer entry = %s mode %o uid %d size %d", h.Name, h.Mode, h.Uid, h.Size)
	}
}

func TestImagesAreReproducible(t *testing.T) {
	bin := fakeBinary(t, "same bytes")
	dir := t.TempDir()
	s := Spec{Ref: "registry.k8s.io/pause:3.10.1", Binary: bin, Path: "/pause", Arch: "amd64"}
	var digests []string
	for _, n := range []string{"a.tar", "b.tar"} {
		p := filepath.Join(dir, n)
		if err := Write(p, s); err != nil {
			t.Fatal(err)
		}
		info, err := Inspect(p, s.Ref)
		if err != nil {
			t.Fatal(err)
		}
		digests = append(digests, info.Digest)
	}
	if digests[0] != digests[1] {
		t.Errorf("digests differ: %v", digests)
	}
}

func TestBuildErrors(t *testing.T) {
	if _, err := Build(Spec{Ref: "x:1", Binary: "/nonexistent", Path: "/x"}); err == nil {
		t.Error("missing binary: want an error")
	}
	if _, err := Build(Spec{Ref: "x:1", Binary: fakeBinary(t, "x"), Path: "x"}); err == nil {
		t.Error("relative in-image path: want an error")
	}
	if err := WriteArchive(filepath.Join(t.TempDir(), "x.tar"), "Not A Ref!", nil); err == nil {
		t.Error("bad reference: want an error")
	}
}

func TestLayerOfSeveralEntries(t *testing.T) {
	bin := fakeBinary(t, "multi-call binary")
	l, err := Layer([]Entry{
		{Path: "/usr/local/bin/etcd", Source: bin},
		{Path: "/kube-proxy", Link: "kubernetes"},
		{Path: "/etc/motd", Data: []byte("hi\n")},
		{Path: "/tmp", Dir: true, Mode: 0o1777},
		{Path: "/bin", Link: "usr/bin"},
	})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	type entry struct {
		name, link string
		typ        byte
		mode, size int64
	}
	var got []entry
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || !h.ModTime.Equal(epoch()) {
			t.Errorf("%s: uid %d gid %d uname %q mtime %v, want root at the epoch", h.Name, h.Uid, h.Gid, h.Uname, h.ModTime)
		}
		got = append(got, entry{h.Name, h.Linkname, h.Typeflag, h.Mode, h.Size})
	}
	want := []entry{ // sorted by path
		{"bin", "usr/bin", tar.TypeSymlink, 0o755, 0},
		{"etc/motd", "", tar.TypeReg, 0o644, 3},
		{"kube-proxy", "kubernetes", tar.TypeSymlink, 0o755, 0},
		{"tmp/", "", tar.TypeDir, 0o1777, 0},
		{"usr/local/bin/etcd", "", tar.TypeReg, 0o755, int64(len("multi-call binary"))},
	}
	if !slices.Equal(got, want) {
		t.Errorf("layer entries\n%+v\nwant\n%+v", got, want)
	}
}

func TestLayerErrors(t *testing.T) {
	bin := fakeBinary(t, "x")
	cases := map[string][]Entry{
		"relative path":  {{Path: "usr/bin/x", Source: bin}},
		"unclean path":   {{Path: "/usr/../x", Source: bin}},
		"root":           {{Path: "/", Dir: true}},
		"twice":          {{Path: "/x", Source: bin}, {Path: "/x", Link: "y"}},
		"nothing":        {{Path: "/x"}},
		"two things":     {{Path: "/x", Source: bin, Link: "y"}},
		"missing source": {{Path: "/x", Source: filepath.Join(t.TempDir(), "absent")}},
	}
	for name, es := range cases {
		if _, err := Layer(es); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}

// TestSharedLayerIsStoredOnce writes two images that share their first
// layer into one archive: the layer is one member, both images list it.
func TestSharedLayerIsStoredOnce(t *testing.T) {
	big, err := Layer([]Entry{{Path: "/kubernetes", Source: fakeBinary(t, "the large multi-call binary")}})
	if err != nil {
		t.Fatal(err)
	}
	imgs := map[string]v1.Image{}
	for _, cmd := range []string{"kube-apiserver", "kube-scheduler"} {
		link, err := Layer([]Entry{{Path: "/" + cmd, Link: "kubernetes"}})
		if err != nil {
			t.Fatal(err)
		}
		img, err := Assemble(Spec{Ref: "registry.k8s.io/" + cmd + ":v1.34.4", Path: "/" + cmd, Arch: "amd64"}, big, link)
		if err != nil {
			t.Fatal(err)
		}
		imgs["registry.k8s.io/"+cmd+":v1.34.4"] = img
	}
	out := filepath.Join(t.TempDir(), "kubernetes-images.tar")
	if err := WriteMultiArchive(out, imgs); err != nil {
		t.Fatal(err)
	}
	api, err := Inspect(out, "registry.k8s.io/kube-apiserver:v1.34.4")
	if err != nil {
		t.Fatal(err)
	}
	sched, err := Inspect(out, "registry.k8s.io/kube-scheduler:v1.34.4")
	if err != nil {
		t.Fatal(err)
	}
	if len(api.Layers) != 2 || len(sched.Layers) != 2 || api.Layers[0] != sched.Layers[0] || api.Layers[1] == sched.Layers[1] {
		t.Errorf("layers: apiserver %v scheduler %v, want the first shared and the second not", api.Layers, sched.Layers)
	}
	if !slices.Equal(api.Entrypoint, []string{"/kube-apiserver"}) || api.Links["/kube-apiserver"] != "kubernetes" ||
		!slices.Equal(api.Files, []string{"/kubernetes", "/kube-apiserver"}) || !slices.Equal(api.Env, []string{"PATH=/"}) {
		t.Errorf("apiserver image = %+v", api)
	}
	members := 0
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(h.Name, ".tar.gz") {
			members++
		}
	}
	if members != 3 {
		t.Errorf("archive holds %d layers, want 3 (the shared one once)", members)
	}
}

// TestMultiArchiveIsReproducible: the same images make the same archive,
// byte for byte, whatever the order of the map they come in.
func TestMultiArchiveIsReproducible(t *testing.T) {
	shared, err := Layer([]Entry{{Path: "/kubernetes", Source: fakeBinary(t, "binary")}})
	if err != nil {
		t.Fatal(err)
	}
	imgs := map[string]v1.Image{}
	for _, cmd := range []string{"a", "b", "c", "d", "e", "f"} {
		top, err := Layer([]Entry{{Path: "/" + cmd, Link: "kubernetes"}})
		if err != nil {
			t.Fatal(err)
		}
		img, err := Assemble(Spec{Ref: "kubeup.dev/" + cmd + ":v1", Path: "/" + cmd, Arch: "amd64"}, shared, top)
		if err != nil {
			t.Fatal(err)
		}
		imgs["kubeup.dev/"+cmd+":v1"] = img
	}
	dir := t.TempDir()
	var sums []string
	for i := range 4 {
		p := filepath.Join(dir, fmt.Sprintf("%d.tar", i))
		if err := WriteMultiArchive(p, imgs); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		sums = append(sums, fmt.Sprintf("%x", sha256.Sum256(b)))
	}
	if len(slices.Compact(slices.Clone(sums))) != 1 {
		t.Errorf("archives of the same images differ: %v", sums)
	}
	var m []struct{ RepoTags []string }
	if err := json.Unmarshal(readMember(t, filepath.Join(dir, "0.tar"), "manifest.json"), &m); err != nil || len(m) != 6 || m[0].RepoTags[0] != "kubeup.dev/a:v1" {
		t.Errorf("manifest.json = %+v (%v), want six images in reference order", m, err)
	}
	if err := WriteMultiArchive(filepath.Join(dir, "bad.tar"), map[string]v1.Image{"Not A Ref!": imgs["kubeup.dev/a:v1"]}); err == nil {
		t.Error("bad reference: want an error")
	}
}

// readMember returns the content of member name in the tar file at path.
func readMember(t *testing.T, path, name string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("%s has no %s: %v", path, name, err)
		}
		if h.Name == name {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
}
