package images

import (
	"archive/tar"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
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
