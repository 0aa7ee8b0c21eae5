package bundle

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/artifacts/cache"
	"kubeup.dev/kubeup/internal/artifacts/inventory"
	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/artifacts/podimages"
	"kubeup.dev/kubeup/internal/versions"
)

const testK8s = "v1.34.4"

// fakeCache fills a cache root with scripts that print their version for
// every binary of a complete artifact set (package inventory) and image
// archives for every image of testK8s, as build or fetch would.
func fakeCache(t *testing.T) (root, dir string, m *manifest.Manifest) {
	root = t.TempDir()
	dir = cache.Layout{Root: root}.Artifacts(testK8s, "amd64")
	m = &manifest.Manifest{KubernetesVersion: testK8s, Arch: "amd64"}
	set, _ := versions.For(testK8s)
	version := map[string]string{inventory.Kubernetes: testK8s, inventory.Etcd: set.Etcd, inventory.Flannel: set.Flannel,
		inventory.FlannelCNI: set.FlannelCNI, inventory.Containerd: set.Containerd, inventory.Runc: set.Runc,
		inventory.CNIPlugins: set.CNIPlugins, inventory.CriTools: set.CriTools}
	for _, g := range inventory.Groups() {
		v, ok := version[g.Project]
		if !ok {
			t.Fatalf("no version for %s: add it to fakeCache", g.Project)
		}
		for _, name := range g.Binaries {
			script := fmt.Sprintf("#!/bin/sh\n# %s\necho %s\n", name, v)
			m.Artifacts = append(m.Artifacts, put(t, dir, manifest.KindBinary, name, v, "bin/"+name, script, 0o755))
		}
	}
	for i, ref := range []string{set.PauseImage(), set.CoreDNSImage(), set.SmokeTestImage()} {
		name := strings.Split(ref[strings.LastIndex(ref, "/")+1:], ":")[0]
		a := put(t, dir, manifest.KindImage, name, ref[strings.LastIndex(ref, ":")+1:], "images/"+name+".tar",
			fmt.Sprintf("fake OCI archive %d for %s\n", i, ref), 0o644)
		a.Image = ref
		m.Artifacts = append(m.Artifacts, a)
	}
	// The static-pods images, in archives as build and fetch make them
	// (kubernetes-images holds four).
	for _, pa := range podimages.Archives(set) {
		a := put(t, dir, manifest.KindImage, pa.Name, pa.Version, manifest.ImagePath(pa.Name),
			fmt.Sprintf("fake OCI archive for %v\n", pa.Refs()), 0o644)
		m.Artifacts = append(m.Artifacts, pa.Artifact("amd64", "build", a.SHA256, a.Size))
	}
	m.Sort()
	writeManifest(t, dir, m)
	return root, dir, m
}

// put writes one artifact file and returns its manifest entry.
func put(t *testing.T, dir, kind, name, version, path, content string, mode os.FileMode) manifest.Artifact {
	p := filepath.Join(dir, filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	sum, size, err := manifest.HashFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return manifest.Artifact{Name: name, Kind: kind, Version: version, Arch: "amd64", Path: path, SHA256: sum, Size: size, Source: "build"}
}

func writeManifest(t *testing.T, dir string, m *manifest.Manifest) {
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestName), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func images(t *testing.T) []string {
	set, err := versions.For(testK8s)
	if err != nil {
		t.Fatal(err)
	}
	return set.Images()
}

func TestRoundTrip(t *testing.T) {
	for _, ext := range []string{".tar", ".tar.gz", ".tar.zst"} {
		t.Run(ext, func(t *testing.T) {
			_, dir, m := fakeCache(t)
			out := filepath.Join(t.TempDir(), "kubeup-"+testK8s+ext)
			if _, err := Create(context.Background(), dir, out, CreateOptions{Images: images(t), Binaries: []string{"kubelet", "etcd"}}); err != nil {
				t.Fatalf("Create: %v", err)
			}
			checkCompression(t, out, ext)
			r, err := Inspect(context.Background(), out)
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			if len(r.Entries) != len(m.Artifacts) || len(r.Extra) != 0 {
				t.Fatalf("report has %d entries and extra %v, want %d", len(r.Entries), r.Extra, len(m.Artifacts))
			}
			if err := Lint(r.Manifest, images(t)); err != nil {
				t.Errorf("Lint: %v", err)
			}
			root2 := t.TempDir()
			got, dir2, err := Extract(context.Background(), out, root2)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if dir2 != (cache.Layout{Root: root2}).Artifacts(testK8s, "amd64") || len(got.Artifacts) != len(m.Artifacts) {
				t.Errorf("extracted to %s with %d artifacts", dir2, len(got.Artifacts))
			}
			runVersions(t, dir2, m)
			checkExtractedManifest(t, dir2, m)
			if left, _ := filepath.Glob(filepath.Join(root2, "artifacts", ".extract-*")); len(left) != 0 {
				t.Errorf("staging left behind: %v", left)
			}
		})
	}
}

// checkCompression checks the file starts with the magic of its extension.
func checkCompression(t *testing.T, file, ext string) {
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	magic := map[string][]byte{".tar.gz": {0x1f, 0x8b}, ".tar.zst": {0x28, 0xb5, 0x2f, 0xfd}}[ext]
	if magic != nil && !bytes.HasPrefix(b, magic) || magic == nil && !bytes.HasPrefix(b, []byte(ManifestName)) {
		t.Errorf("%s starts with % x", filepath.Base(file), b[:4])
	}
	if _, err := os.Stat(file + ".part"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s.part left: %v", file, err)
	}
}

// runVersions runs every extracted binary with --version.
func runVersions(t *testing.T, dir string, m *manifest.Manifest) {
	t.Helper()
	for _, a := range m.Artifacts {
		if a.Kind != manifest.KindBinary {
			continue
		}
		out, err := exec.Command(filepath.Join(dir, filepath.FromSlash(a.Path)), "--version").CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != a.Version {
			t.Errorf("%s --version: %q, %v; want %s", a.Name, out, err, a.Version)
		}
	}
}

// checkExtractedManifest compares the cache manifest after extraction.
func checkExtractedManifest(t *testing.T, dir string, want *manifest.Manifest) {
	t.Helper()
	got, err := manifest.Read(filepath.Join(dir, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := got.Marshal()
	b, _ := want.Marshal()
	if !bytes.Equal(a, b) {
		t.Errorf("extracted manifest\n%s\nwant\n%s", a, b)
	}
}

func TestSameCacheMakesSameBundle(t *testing.T) {
	for _, ext := range []string{".tar", ".tar.gz", ".tar.zst"} {
		_, dir, _ := fakeCache(t)
		a, b := filepath.Join(t.TempDir(), "a"+ext), filepath.Join(t.TempDir(), "b"+ext)
		for _, out := range []string{a, b} {
			if _, err := Create(context.Background(), dir, out, CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		ab, _ := os.ReadFile(a)
		bb, _ := os.ReadFile(b)
		if !bytes.Equal(ab, bb) {
			t.Errorf("%s: two bundles of one cache differ", ext)
		}
	}
}

func TestTamperedBundleFailsChecksum(t *testing.T) {
	for _, ext := range []string{".tar", ".tar.gz", ".tar.zst"} {
		t.Run(ext, func(t *testing.T) {
			_, dir, _ := fakeCache(t)
			out := filepath.Join(t.TempDir(), "b"+ext)
			if _, err := Create(context.Background(), dir, out, CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			rewrite(t, out, func(name string, b []byte) []byte {
				if name == "bin/kubelet" {
					b[len(b)-2] ^= 0x01 // "echo v1.34.4" becomes "echo v1.34.5"
				}
				return b
			})
			checkTampered(t, out, "bin/kubelet")
		})
	}
}

// checkTampered checks that Inspect and Extract reject the bundle naming
// file and "checksum", and that Extract leaves nothing.
func checkTampered(t *testing.T, out, file string) {
	t.Helper()
	r, err := Inspect(context.Background(), out)
	if err == nil || !strings.Contains(err.Error(), file+": checksum mismatch") {
		t.Fatalf("Inspect error %v, want a checksum mismatch for %s", err, file)
	}
	if r == nil || r.Entries[indexOf(r, file)].Status != StatusChecksum {
		t.Errorf("report does not mark %s", file)
	}
	root := t.TempDir()
	if _, _, err := Extract(context.Background(), out, root); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Fatalf("Extract error %v, want a checksum mismatch", err)
	}
	entries, _ := os.ReadDir(filepath.Join(root, "artifacts"))
	if len(entries) != 0 {
		t.Errorf("Extract of a bad bundle left %v", entries)
	}
}

func indexOf(r *Report, path string) int {
	for i, e := range r.Entries {
		if e.Path == path {
			return i
		}
	}
	return 0
}

// rewrite decompresses a bundle, passes every entry through edit and
// writes it back with the same compression.
func rewrite(t *testing.T, file string, edit func(name string, b []byte) []byte) {
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	r, release, err := decompressor(f)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	c, _ := CompressionFor(file)
	cw, _ := compressor(&buf, c)
	tw := tar.NewWriter(cw)
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		b = edit(hdr.Name, b)
		if b == nil {
			continue
		}
		hdr.Size = int64(len(b))
		tw.WriteHeader(hdr)
		tw.Write(b)
	}
	release()
	f.Close()
	tw.Close()
	cw.Close()
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRawByteFlip(t *testing.T) {
	_, dir, _ := fakeCache(t)
	out := filepath.Join(t.TempDir(), "b.tar")
	if _, err := Create(context.Background(), dir, out, CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	i := bytes.Index(b, []byte("# etcdctl\n"))
	b[i+2] ^= 0x20 // "# etcdctl" becomes "# Etcdctl"
	os.WriteFile(out, b, 0o644)
	checkTampered(t, out, "bin/etcdctl")

	// In a compressed bundle a flipped byte breaks the stream itself.
	for _, ext := range []string{".tar.gz", ".tar.zst"} {
		out := filepath.Join(t.TempDir(), "b"+ext)
		if _, err := Create(context.Background(), dir, out, CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(out)
		b[len(b)/2] ^= 0xff
		os.WriteFile(out, b, 0o644)
		if _, err := Inspect(context.Background(), out); err == nil {
			t.Errorf("%s: Inspect accepted a damaged file", ext)
		}
	}
}

func TestMissingAndExtraFiles(t *testing.T) {
	_, dir, _ := fakeCache(t)
	out := filepath.Join(t.TempDir(), "b.tar.gz")
	if _, err := Create(context.Background(), dir, out, CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rewrite(t, out, func(name string, b []byte) []byte {
		switch name {
		case "bin/etcd":
			return nil
		case "bin/kubectl":
			b = append(b, "# more\n"...)
		}
		return b
	})
	// An entry the manifest does not list.
	f, _ := os.Open(out)
	r, release, _ := decompressor(f)
	raw, _ := io.ReadAll(r)
	release()
	f.Close()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tr := tar.NewReader(bytes.NewReader(raw))
	for hdr, err := tr.Next(); err == nil; hdr, err = tr.Next() {
		b, _ := io.ReadAll(tr)
		tw.WriteHeader(hdr)
		tw.Write(b)
	}
	tw.WriteHeader(&tar.Header{Name: "bin/extra", Mode: 0o755, Size: 1, Typeflag: tar.TypeReg})
	tw.Write([]byte("x"))
	tw.Close()
	out = filepath.Join(t.TempDir(), "b.tar")
	os.WriteFile(out, buf.Bytes(), 0o644)

	_, err := Inspect(context.Background(), out)
	for _, want := range []string{
		"bin/etcd: in the manifest but missing from the bundle",
		"bin/kubectl: checksum mismatch",
		"bin/extra: in the bundle but not in the manifest",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Inspect error lacks %q:\n%v", want, err)
		}
	}
}

func TestLintNamesMissingImage(t *testing.T) {
	_, dir, m := fakeCache(t)
	var kept []manifest.Artifact
	for _, a := range m.Artifacts {
		if a.Image != "registry.k8s.io/pause:3.10.1" {
			kept = append(kept, a)
		}
	}
	m.Artifacts = kept
	err := Lint(m, images(t))
	if err == nil || !strings.Contains(err.Error(), "registry.k8s.io/pause:3.10.1") || strings.Contains(err.Error(), "coredns") {
		t.Fatalf("Lint error %v, want one naming the pause image only", err)
	}
	// Create lints before writing anything.
	writeManifest(t, dir, m)
	out := filepath.Join(t.TempDir(), "b.tar")
	if _, err := Create(context.Background(), dir, out, CreateOptions{Images: images(t)}); err == nil || !strings.Contains(err.Error(), "pause:3.10.1") {
		t.Fatalf("Create error %v", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Create wrote %s despite lint", out)
	}
	if err := LintBinaries(m, []string{"kubelet", "critest"}); err == nil || !strings.Contains(err.Error(), "critest") {
		t.Errorf("LintBinaries error %v", err)
	}
}

// TestLintBinariesOfTheRuntime: a complete cache has every binary of the
// inventory; one without the container runtime's fails, naming each.
func TestLintBinariesOfTheRuntime(t *testing.T) {
	_, _, m := fakeCache(t)
	if err := LintBinaries(m, inventory.HostBinaries()); err != nil {
		t.Fatalf("LintBinaries of a complete cache: %v", err)
	}
	runtime := map[string]bool{}
	for _, p := range []string{inventory.Containerd, inventory.Runc, inventory.CNIPlugins, inventory.CriTools} {
		for _, name := range inventory.Binaries(p) {
			runtime[name] = true
		}
	}
	var kept []manifest.Artifact
	for _, a := range m.Artifacts {
		if !runtime[a.Name] {
			kept = append(kept, a)
		}
	}
	m.Artifacts = kept
	err := LintBinaries(m, inventory.HostBinaries())
	for name := range runtime {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("LintBinaries error %v lacks %s", err, name)
		}
	}
	if err != nil && strings.Contains(err.Error(), "kubelet") {
		t.Errorf("LintBinaries error %v names kubelet, which is there", err)
	}
}

// TestLintCountsEveryImageOfAnArchive: the images of an archive that holds
// several are all present, and all missing without it.
func TestLintCountsEveryImageOfAnArchive(t *testing.T) {
	_, _, m := fakeCache(t)
	if err := Lint(m, images(t)); err != nil {
		t.Fatalf("Lint of a complete cache: %v", err)
	}
	var kept []manifest.Artifact
	for _, a := range m.Artifacts {
		if a.Name != podimages.KubernetesImages {
			kept = append(kept, a)
		}
	}
	m.Artifacts = kept
	err := Lint(m, images(t))
	for _, ref := range []string{"kube-apiserver:v1.34.4", "kube-controller-manager:v1.34.4", "kube-scheduler:v1.34.4", "kube-proxy:v1.34.4"} {
		if err == nil || !strings.Contains(err.Error(), ref) {
			t.Errorf("Lint error %v lacks %s", err, ref)
		}
	}
	if err != nil && strings.Contains(err.Error(), "etcd") {
		t.Errorf("Lint error %v names etcd, which is there", err)
	}
}

func TestCreateRefusesDamagedCache(t *testing.T) {
	_, dir, _ := fakeCache(t)
	p := filepath.Join(dir, "bin", "kube-proxy")
	b, _ := os.ReadFile(p)
	b[0] = 'X'
	os.WriteFile(p, b, 0o755)
	out := filepath.Join(t.TempDir(), "b.tar.zst")
	_, err := Create(context.Background(), dir, out, CreateOptions{})
	if err == nil || !strings.Contains(err.Error(), "bin/kube-proxy: checksum mismatch") {
		t.Fatalf("Create error %v", err)
	}
	for _, f := range []string{out, out + ".part"} {
		if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s exists after a failed Create", f)
		}
	}
}

func TestUnsafePathsAndNames(t *testing.T) {
	_, dir, m := fakeCache(t)
	m.Artifacts[0].Path = "../../etc/passwd"
	writeManifest(t, dir, m)
	if _, err := Create(context.Background(), dir, filepath.Join(t.TempDir(), "b.tar"), CreateOptions{}); err == nil {
		t.Error("Create accepted a path outside bin/ and images/")
	}
	if _, err := CompressionFor("bundle.zip"); err == nil || !strings.Contains(err.Error(), ".tar.zst") {
		t.Errorf("CompressionFor(.zip) = %v", err)
	}
	for p, ok := range map[string]bool{"bin/kubelet": true, "bin/cni/bridge": true, "images/pause.tar": true,
		"../bin/x": false, "/bin/x": false, "bin/../../x": false, "etc/x": false, "bin//x": false} {
		if safePath(p) != ok {
			t.Errorf("safePath(%q) = %v", p, !ok)
		}
	}
}

func TestIdenticalFilesStoredOnce(t *testing.T) {
	_, dir, m := fakeCache(t)
	// The build path's multi-call binary: one file under six names.
	multi := []byte(strings.Repeat("#", 1<<20) + "\necho v1.34.4\n")
	multi = append([]byte("#!/bin/sh\n"), multi...)
	for i, a := range m.Artifacts {
		if strings.HasPrefix(a.Name, "kube") {
			p := filepath.Join(dir, a.Path)
			os.WriteFile(p, multi, 0o755)
			sum, size, _ := manifest.HashFile(p)
			m.Artifacts[i].SHA256, m.Artifacts[i].Size = sum, size
		}
	}
	writeManifest(t, dir, m)
	out := filepath.Join(t.TempDir(), "b.tar")
	if _, err := Create(context.Background(), dir, out, CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(out); fi.Size() > 2<<20 {
		t.Errorf("bundle is %d bytes: identical files stored more than once", fi.Size())
	}
	if _, err := Inspect(context.Background(), out); err != nil {
		t.Fatalf("Inspect: %v", err)
	}
	_, dir2, err := Extract(context.Background(), out, t.TempDir())
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	runVersions(t, dir2, m)
	a, _ := os.Stat(filepath.Join(dir2, "bin", "kubelet"))
	b, _ := os.Stat(filepath.Join(dir2, "bin", "kubectl"))
	if !os.SameFile(a, b) {
		t.Error("extracted copies of one file are not hard links")
	}
}

// TestEntriesStartingWithDotSlash: tar -C dir -cf b.tar . names every
// entry ./bin/kubelet, ./manifest.json; such a bundle, hard links
// included, reads like one kubeup made.
func TestEntriesStartingWithDotSlash(t *testing.T) {
	_, dir, m := fakeCache(t)
	kubelet := filepath.Join(dir, "bin", "kubelet")
	b, _ := os.ReadFile(kubelet)
	for i, a := range m.Artifacts {
		if a.Name == "kubectl" { // the same bytes as kubelet: stored as a hard link
			os.WriteFile(filepath.Join(dir, a.Path), b, 0o755)
			m.Artifacts[i].SHA256, m.Artifacts[i].Size, _ = manifest.HashFile(filepath.Join(dir, a.Path))
		}
	}
	writeManifest(t, dir, m)
	out := filepath.Join(t.TempDir(), "b.tar")
	if _, err := Create(context.Background(), dir, out, CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	links := dotSlashNames(t, out)
	if links == 0 {
		t.Fatal("the bundle holds no hard link: the test covers less than it says")
	}
	r, err := Inspect(context.Background(), out)
	if err != nil {
		t.Fatalf("Inspect: %v", err)
	}
	if len(r.Entries) != len(m.Artifacts) || len(r.Extra) != 0 {
		t.Fatalf("report has %d entries and extra %v, want %d", len(r.Entries), r.Extra, len(m.Artifacts))
	}
	_, dir2, err := Extract(context.Background(), out, t.TempDir())
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	runVersions(t, dir2, m)
	checkExtractedManifest(t, dir2, m)
}

// dotSlashNames rewrites the uncompressed bundle file with "./" before
// every entry name and link target and a "./" directory entry first, as
// tar does; it returns how many hard links it rewrote.
func dotSlashNames(t *testing.T, file string) int {
	t.Helper()
	in, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: "./", Typeflag: tar.TypeDir, Mode: 0o755}); err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(bytes.NewReader(in))
	links := 0
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		hdr.Name = "./" + hdr.Name
		if hdr.Typeflag == tar.TypeLink {
			hdr.Linkname = "./" + hdr.Linkname
			links++
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(tw, tr); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return links
}
