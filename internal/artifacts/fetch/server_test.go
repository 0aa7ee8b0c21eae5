package fetch

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"kubeup.dev/kubeup/internal/artifacts/inventory"
	"kubeup.dev/kubeup/internal/versions"
)

const testK8s = "v1.34.4"

// request is one request the fake release server saw.
type request struct {
	Path, Range string
}

// releaseServer serves fake release files under the official URL layout
// (dl.k8s.io's release/..., GitHub's OWNER/REPO/releases/download/...),
// with faults to inject.
type releaseServer struct {
	*httptest.Server
	files map[string][]byte // path -> content

	mu          sync.Mutex
	requests    []request
	corrupt     map[string]bool // serve the file with one byte changed
	dropOnce    map[string]bool // first GET: send half, then cut the connection
	stallOnce   map[string]bool // first GET: send half, then send nothing more
	noRange     bool            // ignore Range headers (answer 200 with the whole file)
	delay       time.Duration   // before serving a non-checksum file
	inflight    int
	maxInflight int
}

func newReleaseServer(t *testing.T) *releaseServer {
	s := &releaseServer{files: map[string][]byte{}, corrupt: map[string]bool{}, dropOnce: map[string]bool{}, stallOnce: map[string]bool{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *releaseServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, request{r.URL.Path, r.Header.Get("Range")})
	body, ok := s.files[r.URL.Path]
	corrupt, drop, stall := s.corrupt[r.URL.Path], s.dropOnce[r.URL.Path], s.stallOnce[r.URL.Path]
	if s.noRange {
		r.Header.Del("Range")
	}
	delete(s.dropOnce, r.URL.Path)
	delete(s.stallOnce, r.URL.Path)
	s.inflight++
	s.maxInflight = max(s.maxInflight, s.inflight)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inflight--
		s.mu.Unlock()
	}()
	if !ok {
		http.NotFound(w, r)
		return
	}
	if !isSumPath(r.URL.Path) {
		time.Sleep(s.delay)
	}
	if corrupt {
		body = bytes.Clone(body)
		body[len(body)/2] ^= 0xff
	}
	if drop || stall {
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		w.Write(body[:len(body)/2])
		w.(http.Flusher).Flush()
		if stall {
			<-r.Context().Done() // until the client gives up
		}
		panic(http.ErrAbortHandler) // cut the connection half way
	}
	if s.noRange {
		r.Header.Del("Range")
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

func isSumPath(p string) bool {
	return strings.HasSuffix(p, ".sha256") || strings.HasSuffix(p, ".sha256sum") || strings.HasSuffix(p, "SHA256SUMS")
}

// fileRequests returns the requests for non-checksum files.
func (s *releaseServer) fileRequests() []request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []request
	for _, r := range s.requests {
		if !isSumPath(r.Path) {
			out = append(out, r)
		}
	}
	return out
}

// mirrors points every source at this server, under its official path.
func (s *releaseServer) mirrors(t *testing.T) map[string]string {
	m := map[string]string{}
	for name, base := range DefaultBases() {
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		m[name] = s.URL + u.Path
	}
	return m
}

// fakeBinary is a small script that prints name and version, padded so
// that a download has a middle to cut at.
func fakeBinary(name, version string) []byte {
	script := fmt.Sprintf("#!/bin/sh\necho %s %s\nexit 0\n", name, version)
	return append([]byte(script), bytes.Repeat([]byte("#"), 64<<10)...)
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// tarGz builds a gzipped tar of files (path -> content).
func tarGz(t *testing.T, files map[string][]byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, b := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// release fills the server with a fake release of every source for
// testK8s/amd64 and returns the checksums to pass for files without a
// published one (flannel).
func (s *releaseServer) release(t *testing.T) map[string]string {
	set, err := versions.For(testK8s)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range inventory.Binaries(inventory.Kubernetes) {
		b := fakeBinary(name, testK8s)
		p := "/release/" + testK8s + "/bin/linux/amd64/" + name
		s.files[p] = b
		s.files[p+".sha256"] = []byte(sha(b)) // dl.k8s.io: a bare hash, no newline
	}
	e := "etcd-" + set.Etcd + "-linux-amd64"
	etcd := tarGz(t, map[string][]byte{
		e + "/etcd":      fakeBinary("etcd", set.Etcd),
		e + "/etcdctl":   fakeBinary("etcdctl", set.Etcd),
		e + "/README.md": []byte("readme"),
	})
	d := "/etcd-io/etcd/releases/download/" + set.Etcd + "/"
	s.files[d+e+".tar.gz"] = etcd
	s.files[d+"SHA256SUMS"] = fmt.Appendf(nil, "%s  etcd-%s-darwin-arm64.zip\n%s  %s.tar.gz\n", sha([]byte("other")), set.Etcd, sha(etcd), e)

	fl := "flannel-" + set.Flannel + "-linux-amd64.tar.gz"
	flannel := tarGz(t, map[string][]byte{"flanneld": fakeBinary("flanneld", set.Flannel), "mk-docker-opts.sh": []byte("x")})
	s.files["/flannel-io/flannel/releases/download/"+set.Flannel+"/"+fl] = flannel

	c := set.Containerd
	ctd := tarGz(t, map[string][]byte{
		"bin/containerd":              fakeBinary("containerd", c),
		"bin/containerd-shim-runc-v2": fakeBinary("containerd-shim-runc-v2", c),
		"bin/ctr":                     fakeBinary("ctr", c),
	})
	s.published("/containerd/containerd/releases/download/v"+c+"/containerd-"+c+"-linux-amd64.tar.gz", ".sha256sum", ctd)

	cni := map[string][]byte{}
	for _, p := range []string{"bridge", "host-local", "loopback", "portmap", "macvlan"} {
		cni["./"+p] = fakeBinary(p, set.CNIPlugins)
	}
	s.published(cniPath(set), ".sha256", tarGz(t, cni))

	f := set.FlannelCNI
	fcni := tarGz(t, map[string][]byte{"flannel-amd64": fakeBinary("flannel", f)})
	s.published("/flannel-io/cni-plugin/releases/download/"+f+"/cni-plugin-flannel-linux-amd64-"+f+".tgz", ".sha256", fcni)

	// runc: a bare binary per architecture and one sha256sum file naming
	// them all and the source tarball.
	r := "/opencontainers/runc/releases/download/" + set.Runc + "/"
	runc := fakeBinary("runc", set.Runc)
	s.files[r+"runc.amd64"] = runc
	s.files[r+"runc.arm64"] = fakeBinary("runc", set.Runc+"-arm64")
	s.files[r+"runc.sha256sum"] = fmt.Appendf(nil, "%s  runc.amd64\n%s  runc.arm64\n%s  runc-%s.tar.xz\n",
		sha(runc), sha(s.files[r+"runc.arm64"]), sha([]byte("source")), strings.TrimPrefix(set.Runc, "v"))

	// crictl: a tarball holding crictl alone, with a bare hash beside it.
	c = set.CriTools
	crictl := tarGz(t, map[string][]byte{"crictl": fakeBinary("crictl", c)})
	p := "/kubernetes-sigs/cri-tools/releases/download/" + c + "/crictl-" + c + "-linux-amd64.tar.gz"
	s.files[p] = crictl
	s.files[p+".sha256"] = []byte(sha(crictl) + "\n")
	return map[string]string{fl: sha(flannel)}
}

// cniPath is where the CNI plugins archive of set is published.
func cniPath(set versions.Set) string {
	v := set.CNIPlugins
	return "/containernetworking/plugins/releases/download/" + v + "/cni-plugins-linux-amd64-" + v + ".tgz"
}

// published serves b at p with a sha256sum-style checksum file at p+ext.
func (s *releaseServer) published(p, ext string, b []byte) {
	s.files[p] = b
	s.files[p+ext] = fmt.Appendf(nil, "%s  %s\n", sha(b), p[strings.LastIndex(p, "/")+1:])
}
