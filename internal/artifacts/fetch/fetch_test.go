package fetch

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"kubeup.dev/kubeup/internal/artifacts/cache"
	"kubeup.dev/kubeup/internal/artifacts/inventory"
	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/progress"
	"kubeup.dev/kubeup/internal/versions"
)

// testOptions fetches from s into a fresh cache without real waits.
func testOptions(t *testing.T, s *releaseServer, sums map[string]string) (Options, *bytes.Buffer, *[]time.Duration) {
	var out bytes.Buffer
	var mu sync.Mutex
	var waits []time.Duration
	return Options{
		KubernetesVersion: testK8s,
		CacheRoot:         t.TempDir(),
		Mirrors:           s.mirrors(t),
		Checksums:         sums,
		Progress:          progress.New(&lockedWriter{w: &out}, progress.Options{}),
		Sleep: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			defer mu.Unlock()
			waits = append(waits, d)
			return ctx.Err()
		},
	}, &out, &waits
}

// lockedWriter serializes writes (progress locks too; this is for reads).
type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestFetchEverySource(t *testing.T) {
	s := newReleaseServer(t)
	o, out, _ := testOptions(t, s, s.release(t))
	m, err := Fetch(context.Background(), o)
	if err != nil {
		t.Fatalf("Fetch: %v\n%s", err, out)
	}
	want := slices.Sorted(slices.Values(inventory.HostBinaries()))
	var got, imgs []string
	dir := cache.Layout{Root: o.CacheRoot}.Artifacts(testK8s, "amd64")
	for _, a := range m.Artifacts {
		if a.Kind == manifest.KindImage {
			imgs = append(imgs, a.Name) // see TestFetchMakesImages
			continue
		}
		got = append(got, a.Name)
		checkArtifact(t, dir, a)
	}
	if !slices.Equal(got, want) {
		t.Errorf("manifest names\n%v\nwant\n%v", got, want)
	}
	if wantImgs := []string{"etcd-image", "flannel-image", "kubernetes-images"}; !slices.Equal(imgs, wantImgs) {
		t.Errorf("image archives %v, want %v", imgs, wantImgs)
	}
	if onDisk, err := manifest.Read(filepath.Join(dir, "manifest.json")); err != nil || len(onDisk.Artifacts) != len(want)+len(imgs) {
		t.Errorf("manifest.json: %v, %+v", err, onDisk)
	}
	noParts(t, o.CacheRoot)
	if a, _ := m.Find(manifest.KindBinary, "etcd"); a.Version != "v3.6.5" {
		t.Errorf("etcd version %q, want v3.6.5", a.Version)
	}
	if _, err := os.Stat(filepath.Join(dir, "bin", "macvlan")); err == nil {
		t.Error("extracted a CNI plugin that was not asked for")
	}

	// A second run finds everything verified in the cache: no file downloads.
	before := len(s.fileRequests())
	if _, err := Fetch(context.Background(), o); err != nil {
		t.Fatalf("warm Fetch: %v", err)
	}
	if n := len(s.fileRequests()) - before; n != 0 {
		t.Errorf("warm fetch downloaded %d files, want 0", n)
	}
	if !strings.Contains(out.String(), "cached kube-apiserver") {
		t.Errorf("no cached line in output:\n%s", out)
	}
}

// checkArtifact checks a manifest entry against the file in the cache.
func checkArtifact(t *testing.T, dir string, a manifest.Artifact) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(a.Path))
	sum, size, err := manifest.HashFile(p)
	if err != nil || sum != a.SHA256 || size != a.Size {
		t.Errorf("%s: %v, sha256 %s size %d, manifest says %s %d", a.Name, err, sum, size, a.SHA256, a.Size)
	}
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm()&0o111 == 0 {
		t.Errorf("%s is not executable: %v", a.Path, err)
	}
	if a.Source != "release" || a.Kind != manifest.KindBinary || a.Arch != "amd64" || a.Path != "bin/"+a.Name {
		t.Errorf("artifact %+v", a)
	}
	content, _ := os.ReadFile(p)
	if !bytes.HasPrefix(content, []byte("#!/bin/sh\necho ")) {
		t.Errorf("%s does not hold the fake binary", a.Path)
	}
}

// noParts fails if any .part file is left under root.
func noParts(t *testing.T, root string) {
	t.Helper()
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".part") {
			t.Errorf("left behind: %s", p)
		}
		return nil
	})
}

func TestFetchMirrorOverride(t *testing.T) {
	official := newReleaseServer(t)
	official.release(t)
	mirror := newReleaseServer(t)
	for p, b := range official.files {
		if rest, ok := strings.CutPrefix(p, "/release/"); ok {
			mirror.files["/k8s-mirror/kubernetes-release/release/"+rest] = b
		}
	}
	o, out, _ := testOptions(t, official, nil)
	o.Sources = []string{SourceKubernetes}
	o.Mirrors[SourceKubernetes] = mirror.URL + "/k8s-mirror/kubernetes-release/release/"
	if _, err := Fetch(context.Background(), o); err != nil {
		t.Fatalf("Fetch: %v\n%s", err, out)
	}
	if n := len(official.requests); n != 0 {
		t.Errorf("the official server got %d requests, want 0", n)
	}
	for _, r := range mirror.requests {
		if !strings.HasPrefix(r.Path, "/k8s-mirror/kubernetes-release/release/v1.34.4/bin/linux/amd64/") {
			t.Errorf("mirror request %s outside the mirror's layout", r.Path)
		}
	}
	if k := inventory.Binaries(inventory.Kubernetes); len(mirror.fileRequests()) != len(k) {
		t.Errorf("mirror served %d files, want %d", len(mirror.fileRequests()), len(k))
	}
}

func TestBases(t *testing.T) {
	b, err := Bases(map[string]string{"etcd": "https://mirror.example.com/etcd/"})
	if err != nil {
		t.Fatal(err)
	}
	if b["etcd"] != "https://mirror.example.com/etcd" || b["kubernetes"] != "https://dl.k8s.io/release" {
		t.Errorf("bases %v", b)
	}
	for _, m := range []map[string]string{{"kubernets": "https://x"}, {"etcd": "ftp://x"}, {"etcd": "mirror.example.com"}} {
		if _, err := Bases(m); err == nil {
			t.Errorf("Bases(%v) accepted", m)
		}
	}
	if _, _, err := ParseMirror("kubernetes"); err == nil {
		t.Error("ParseMirror accepted a value without =")
	}
}

func TestFetchCorruptedFile(t *testing.T) {
	s := newReleaseServer(t)
	sums := s.release(t)
	s.corrupt["/release/v1.34.4/bin/linux/amd64/kube-scheduler"] = true
	s.corrupt["/etcd-io/etcd/releases/download/v3.6.5/etcd-v3.6.5-linux-amd64.tar.gz"] = true
	o, _, _ := testOptions(t, s, sums)
	m, err := Fetch(context.Background(), o)
	if err == nil {
		t.Fatal("Fetch of corrupted files succeeded")
	}
	for _, want := range []string{"kube-scheduler: checksum mismatch", "etcd-v3.6.5-linux-amd64.tar.gz: checksum mismatch"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	var ce *ChecksumError
	if !errors.As(err, &ce) {
		t.Errorf("error %T is not a *ChecksumError", err)
	}
	dir := cache.Layout{Root: o.CacheRoot}.Artifacts(testK8s, "amd64")
	for _, p := range []string{"bin/kube-scheduler", "bin/etcd", "bin/etcdctl"} {
		if _, err := os.Stat(filepath.Join(dir, p)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s was cached: %v", p, err)
		}
	}
	if _, err := os.Stat(filepath.Join(o.CacheRoot, "downloads", "etcd-v3.6.5-linux-amd64.tar.gz")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the corrupted archive was kept: %v", err)
	}
	noParts(t, o.CacheRoot)
	for _, name := range []string{"kube-scheduler", "etcd"} {
		if _, ok := m.Find(manifest.KindBinary, name); ok {
			t.Errorf("manifest lists %s", name)
		}
	}
	if _, ok := m.Find(manifest.KindBinary, "kubelet"); !ok {
		t.Error("the files that verified are not in the manifest")
	}
}

func TestFetchResumesDroppedConnection(t *testing.T) {
	s := newReleaseServer(t)
	s.release(t)
	const p = "/release/v1.34.4/bin/linux/amd64/kube-apiserver"
	s.dropOnce[p] = true
	o, out, waits := testOptions(t, s, nil)
	o.Sources = []string{SourceKubernetes}
	if _, err := Fetch(context.Background(), o); err != nil {
		t.Fatalf("Fetch: %v\n%s", err, out)
	}
	var ranges []string
	for _, r := range s.fileRequests() {
		if r.Path == p {
			ranges = append(ranges, r.Range)
		}
	}
	half := len(s.files[p]) / 2
	if want := []string{"", "bytes=" + strconv.Itoa(half) + "-"}; !slices.Equal(ranges, want) {
		t.Errorf("requests for kube-apiserver had Range %q, want %q", ranges, want)
	}
	checkArtifact(t, cache.Layout{Root: o.CacheRoot}.Artifacts(testK8s, "amd64"), manifest.Artifact{
		Name: "kube-apiserver", Kind: manifest.KindBinary, Arch: "amd64", Path: "bin/kube-apiserver",
		SHA256: sha(s.files[p]), Size: int64(len(s.files[p])), Source: "release"})
	if len(*waits) != 1 || (*waits)[0] != time.Second {
		t.Errorf("backoff waits %v, want [1s]", *waits)
	}
	if !strings.Contains(out.String(), "retry  kube-apiserver at 32.0 KiB") {
		t.Errorf("no retry line:\n%s", out)
	}
	noParts(t, o.CacheRoot)
}

func TestFetchRestartsWhenServerIgnoresRange(t *testing.T) {
	s := newReleaseServer(t)
	s.release(t)
	s.noRange = true
	const p = "/release/v1.34.4/bin/linux/amd64/kubectl"
	s.dropOnce[p] = true
	o, out, _ := testOptions(t, s, nil)
	o.Sources = []string{SourceKubernetes}
	m, err := Fetch(context.Background(), o)
	if err != nil {
		t.Fatalf("Fetch: %v\n%s", err, out)
	}
	a, _ := m.Find(manifest.KindBinary, "kubectl")
	checkArtifact(t, cache.Layout{Root: o.CacheRoot}.Artifacts(testK8s, "amd64"), a)
	if a.SHA256 != sha(s.files[p]) {
		t.Errorf("kubectl sha256 %s, want the served file's", a.SHA256)
	}
}

func TestFetchResumesStalledConnection(t *testing.T) {
	s := newReleaseServer(t)
	s.release(t)
	const p = "/release/v1.34.4/bin/linux/amd64/kubelet"
	s.stallOnce[p] = true
	o, out, _ := testOptions(t, s, nil)
	o.Sources = []string{SourceKubernetes}
	o.StallTimeout = 200 * time.Millisecond
	if _, err := Fetch(context.Background(), o); err != nil {
		t.Fatalf("Fetch: %v\n%s", err, out)
	}
	if !strings.Contains(out.String(), "no data for 200ms (stalled connection)") {
		t.Errorf("no stall retry in output:\n%s", out)
	}
	var ranges []string
	for _, r := range s.fileRequests() {
		if r.Path == p {
			ranges = append(ranges, r.Range)
		}
	}
	if len(ranges) != 2 || ranges[1] != "bytes="+strconv.Itoa(len(s.files[p])/2)+"-" {
		t.Errorf("kubelet ranges %q, want a resume at the half", ranges)
	}
}

func TestFetchResumesPartFromEarlierRun(t *testing.T) {
	s := newReleaseServer(t)
	s.release(t)
	const p = "/release/v1.34.4/bin/linux/amd64/kube-proxy"
	o, out, _ := testOptions(t, s, nil)
	o.Sources = []string{SourceKubernetes}
	bin := filepath.Join(cache.Layout{Root: o.CacheRoot}.Artifacts(testK8s, "amd64"), "bin")
	os.MkdirAll(bin, 0o755)
	os.WriteFile(filepath.Join(bin, "kube-proxy.part"), s.files[p][:1000], 0o644)
	// A complete part (a crash before the rename): the server answers 416.
	sched := s.files["/release/v1.34.4/bin/linux/amd64/kube-scheduler"]
	os.WriteFile(filepath.Join(bin, "kube-scheduler.part"), sched, 0o644)
	// A stale part of another file: the check fails, and it starts again.
	os.WriteFile(filepath.Join(bin, "kubectl.part"), []byte("stale bytes from something else"), 0o644)
	if _, err := Fetch(context.Background(), o); err != nil {
		t.Fatalf("Fetch: %v\n%s", err, out)
	}
	var proxy, kubectl, scheduler []string
	for _, r := range s.fileRequests() {
		switch {
		case strings.HasSuffix(r.Path, "/kube-scheduler"):
			scheduler = append(scheduler, r.Range)
		case strings.HasSuffix(r.Path, "/kube-proxy"):
			proxy = append(proxy, r.Range)
		case strings.HasSuffix(r.Path, "/kubectl"):
			kubectl = append(kubectl, r.Range)
		}
	}
	if !slices.Equal(proxy, []string{"bytes=1000-"}) {
		t.Errorf("kube-proxy ranges %q, want one resume at 1000", proxy)
	}
	if want := "bytes=" + strconv.Itoa(len(sched)) + "-"; !slices.Equal(scheduler, []string{want}) {
		t.Errorf("kube-scheduler ranges %q, want %q", scheduler, want)
	}
	if !slices.Equal(kubectl, []string{"bytes=31-", ""}) {
		t.Errorf("kubectl ranges %q, want a resume then a fresh download", kubectl)
	}
	noParts(t, o.CacheRoot)
}

func TestFetchParallel(t *testing.T) {
	s := newReleaseServer(t)
	sums := s.release(t)
	s.delay = 50 * time.Millisecond
	o, _, _ := testOptions(t, s, sums)
	o.Parallel = 3
	if _, err := Fetch(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	// Each file is served for 50ms: downloads overlap, but never more
	// than Parallel of them (checksum files are requests too).
	if s.maxInflight < 2 || s.maxInflight > 3 {
		t.Errorf("at most %d requests at once, want 2 or 3", s.maxInflight)
	}
}

func TestFetchNeedsChecksumWhereNoneIsPublished(t *testing.T) {
	s := newReleaseServer(t)
	s.release(t)
	o, _, _ := testOptions(t, s, nil)
	_, err := Fetch(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "--checksum flannel-v0.26.7-linux-amd64.tar.gz=<sha256>") {
		t.Fatalf("error %v does not ask for the flannel checksum", err)
	}
	if n := len(s.requests); n != 0 {
		t.Errorf("%d requests before failing on a missing checksum", n)
	}
}

func TestFetchNotFoundIsNotRetried(t *testing.T) {
	s := newReleaseServer(t)
	o, _, waits := testOptions(t, s, nil)
	o.Sources = []string{SourceEtcd}
	_, err := Fetch(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("error %v, want a 404", err)
	}
	if len(s.requests) != 1 || len(*waits) != 0 {
		t.Errorf("%d requests, %d waits for a 404", len(s.requests), len(*waits))
	}
}

func TestFetchMissingArchiveMember(t *testing.T) {
	s := newReleaseServer(t)
	s.release(t)
	bad := tarGz(t, map[string][]byte{"bridge": []byte("x")})
	set, _ := versions.For(testK8s)
	s.published(cniPath(set), ".sha256", bad)
	o, _, _ := testOptions(t, s, nil)
	o.Sources = []string{SourceCNI}
	_, err := Fetch(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "has no host-local, loopback, portmap") {
		t.Fatalf("error %v", err)
	}
	if _, err := os.Stat(filepath.Join(cache.Layout{Root: o.CacheRoot}.Artifacts(testK8s, "amd64"), "bin", "cni", "bridge")); err == nil {
		t.Error("a member of an incomplete archive was installed")
	}
	noParts(t, o.CacheRoot)
}

func TestParseSums(t *testing.T) {
	h := strings.Repeat("ab", 32)
	o := strings.Repeat("cd", 32)
	for _, c := range []struct{ data, want string }{
		{h, h},
		{h + "\n", h},
		{o + "  a.tgz\n" + h + " *dir/b.tgz\n", h},
		{strings.ToUpper(h) + "  b.tgz", h},
	} {
		if got, err := parseSums([]byte(c.data), "b.tgz"); err != nil || got != c.want {
			t.Errorf("parseSums(%q) = %q, %v", c.data, got, err)
		}
	}
	if _, err := parseSums([]byte(o+"  a.tgz\n"+h+"  c.tgz\n"), "b.tgz"); err == nil {
		t.Error("found a sum for a file not listed")
	}
}

func TestParseContentRange(t *testing.T) {
	if f, s, ok := parseContentRange("bytes 100-199/200"); !ok || f != 100 || s != 200 {
		t.Errorf("got %d %d %v", f, s, ok)
	}
	if f, s, ok := parseContentRange("bytes 5-9/*"); !ok || f != 5 || s != -1 {
		t.Errorf("got %d %d %v", f, s, ok)
	}
	if _, _, ok := parseContentRange("items 1-2/3"); ok {
		t.Error("accepted a non-byte range")
	}
}
