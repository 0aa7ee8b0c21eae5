package testimages

import (
	"archive/tar"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/artifacts/images"
)

// e2eList is part of what e2e.test --list-images prints at v1.34.4.
var e2eList = []string{
	"registry.k8s.io/e2e-test-images/agnhost:2.56",
	"registry.k8s.io/e2e-test-images/busybox:1.37.0-1",
	"registry.k8s.io/e2e-test-images/httpd:2.4.38-4",
	"registry.k8s.io/e2e-test-images/httpd:2.4.39-4",
	"registry.k8s.io/e2e-test-images/nautilus:1.7",
	"registry.k8s.io/e2e-test-images/sample-apiserver:1.29.2",
	"registry.k8s.io/etcd:3.6.4-0",
	"registry.k8s.io/pause:3.10.1",
	"registry.k8s.io/e2e-test-images/volume/nfs:1.4",
	"registry.k8s.io/e2e-test-images/nonewprivs:1.3",
	"invalid.registry.k8s.io/invalid/alpine:3.1",
	"registry.k8s.io/e2e-test-images/agnhost:2.56",
}

func TestPlan(t *testing.T) {
	plan := Plan(e2eList)
	if len(plan) != 11 {
		t.Fatalf("plan has %d images, want 11 (one per distinct reference): %v", len(plan), plan)
	}
	made := map[string]bool{}
	for _, w := range plan {
		made[w.Ref] = w.Recipe != nil
		if w.Recipe == nil && w.Reason == "" {
			t.Errorf("%s: not made and no reason", w.Ref)
		}
	}
	for _, ref := range []string{"registry.k8s.io/e2e-test-images/agnhost:2.56", "registry.k8s.io/e2e-test-images/httpd:2.4.39-4",
		"registry.k8s.io/etcd:3.6.4-0", "registry.k8s.io/e2e-test-images/busybox:1.37.0-1"} {
		if !made[ref] {
			t.Errorf("%s is not made", ref)
		}
	}
	for _, ref := range []string{"registry.k8s.io/e2e-test-images/volume/nfs:1.4", "invalid.registry.k8s.io/invalid/alpine:3.1"} {
		if made[ref] {
			t.Errorf("%s has a recipe", ref)
		}
	}
	if s := (Wanted{Ref: "x:1", Reason: "why"}).String(); s != "x:1 (not made: why)" {
		t.Errorf("String = %q", s)
	}
}

func TestEditBusyboxConfig(t *testing.T) {
	p := filepath.Join(t.TempDir(), ".config")
	in := "CONFIG_ASH=y\n# CONFIG_STATIC is not set\nCONFIG_TC=y\nCONFIG_TCPSVD=y\n"
	if err := os.WriteFile(p, []byte(in), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := DefaultBusybox().editConfig(p); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	want := "CONFIG_ASH=y\nCONFIG_STATIC=y\n# CONFIG_TC is not set\nCONFIG_TCPSVD=y\n"
	if string(got) != want {
		t.Errorf("config =\n%s\nwant\n%s", got, want)
	}
}

// fakeSources makes a base and sources with small stand-in files.
func fakeSources(t *testing.T) Sources {
	t.Helper()
	root := t.TempDir()
	s := Sources{TestBin: filepath.Join(root, "test-bin"), ClusterBin: filepath.Join(root, "bin"),
		Kubernetes: filepath.Join(root, "k8s"), Base: filepath.Join(root, "base")}
	write := func(p, content string, mode os.FileMode) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range []string{"agnhost", "sample-apiserver", "nnp"} {
		write(filepath.Join(s.TestBin, b), "#!bin "+b, 0o755)
	}
	for _, b := range []string{"etcd", "etcdctl", "pause"} {
		write(filepath.Join(s.ClusterBin, b), "bin "+b, 0o755)
	}
	for _, f := range []string{"test/images/agnhost/porter/localhost.crt", "test/images/agnhost/porter/localhost.key",
		"test/images/nautilus/html/nautilus.jpg", "test/images/nautilus/html/data.json"} {
		write(filepath.Join(s.Kubernetes, f), f, 0o644)
	}
	write(filepath.Join(s.Base, baseBusybox), "busybox", 0o755)
	write(filepath.Join(s.Base, baseApplets), "bin/sh\nusr/bin/env\nsbin/sysctl\nbin/busybox\n", 0o644)
	l, err := images.Layer([]images.Entry{{Path: "/usr/bin/curl", Data: []byte("curl"), Mode: 0o755}, {Path: "/usr", Dir: true}})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	f, err := os.Create(filepath.Join(s.Base, baseLayer))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.Copy(f, rc); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestWriteArchive(t *testing.T) {
	src := fakeSources(t)
	dir := t.TempDir()
	a, err := WriteArchive(Plan(e2eList), src, "amd64", dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Made) != 9 || len(a.NotMade) != 2 {
		t.Fatalf("made %v, not made %v", a.Made, a.NotMade)
	}
	agnhost, err := images.Inspect(a.Path, "registry.k8s.io/e2e-test-images/agnhost:2.56")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(agnhost.Entrypoint, []string{"/agnhost"}) || !slices.Equal(agnhost.Cmd, []string{"pause"}) {
		t.Errorf("agnhost entrypoint %v cmd %v, want [/agnhost] [pause]", agnhost.Entrypoint, agnhost.Cmd)
	}
	for _, f := range []string{"/usr/bin/curl", "/agnhost", "/agnhost-2", "/uploads/", "/localhost.crt"} {
		if !slices.Contains(agnhost.Files, f) {
			t.Errorf("agnhost lacks %s: %v", f, agnhost.Files)
		}
	}
	busybox, err := images.Inspect(a.Path, "registry.k8s.io/e2e-test-images/busybox:1.37.0-1")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(busybox.Cmd, []string{"sh"}) || slices.Contains(busybox.Files, "/usr/bin/curl") {
		t.Errorf("busybox cmd %v, files %v", busybox.Cmd, busybox.Files)
	}
	for _, f := range []string{"/bin/busybox", "/bin/sh", "/bin/env", "/bin/sysctl", "/etc/passwd", "/tmp/"} {
		if !slices.Contains(busybox.Files, f) {
			t.Errorf("busybox lacks %s: %v", f, busybox.Files)
		}
	}
	httpd, err := images.Inspect(a.Path, "registry.k8s.io/e2e-test-images/httpd:2.4.39-4")
	if err != nil || !slices.Contains(httpd.Files, "/usr/local/apache2/htdocs/index.html") ||
		!slices.Contains(httpd.Files, "/etc/apache2/sites-enabled/000-default.conf") {
		t.Errorf("httpd image: %v, files %v: the specs move /usr/local/apache2/htdocs/index.html", err, httpd.Files)
	}
	etcd, err := images.Inspect(a.Path, "registry.k8s.io/etcd:3.6.4-0")
	if err != nil || !slices.Contains(etcd.Files, "/usr/local/bin/etcd") {
		t.Errorf("etcd image: %v, %+v", err, etcd)
	}
	again, err := WriteArchive(Plan(e2eList), src, "amd64", dir)
	if err != nil || again.Path != a.Path {
		t.Errorf("an unchanged plan made %s again (%v), want %s reused", again.Path, err, a.Path)
	}
}

func TestLayerEntries(t *testing.T) {
	src := fakeSources(t)
	es, err := src.busyboxEntries()
	if err != nil {
		t.Fatal(err)
	}
	l, err := images.Layer(es)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	modes := map[string]int64{}
	links := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		modes[h.Name], links[h.Name] = h.Mode, h.Linkname
	}
	if modes["tmp/"] != 0o1777 || modes["bin/busybox"] != 0o755 || links["bin/sh"] != "busybox" || links["bin/sysctl"] != "busybox" {
		t.Errorf("modes %v links %v", modes, links)
	}
	if _, ok := links["bin/busybox"]; !ok || links["bin/busybox"] != "" {
		t.Errorf("bin/busybox must be the binary, not a link: %q", links["bin/busybox"])
	}
	if _, err := src.resolve(File{Path: "/x", From: "nowhere:x"}); err == nil || !strings.Contains(err.Error(), "unknown source kind") {
		t.Errorf("resolve of an unknown kind = %v", err)
	}
	e, err := src.resolve(File{Path: "/usr/local/bin/httpd-foreground", From: from(FromEmbedded, "httpd-foreground")})
	if err != nil || e.Mode != 0o755 {
		t.Errorf("httpd-foreground: %v, mode %o, want an executable script", err, e.Mode)
	}
}

func TestEnsureBaseCached(t *testing.T) {
	dir := t.TempDir()
	cached := filepath.Join(dir, "base-"+DefaultBase().Hash()+"-busybox-"+DefaultBusybox().Version)
	if err := os.MkdirAll(cached, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cached, baseApplets), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ran := false
	run := func(context.Context, io.Writer, string, ...string) error { ran = true; return nil }
	got, err := EnsureBase(context.Background(), DefaultBase(), DefaultBusybox(), dir, run, io.Discard)
	if err != nil || got != cached || ran {
		t.Errorf("EnsureBase = %s, %v (ran tools: %v), want the cached %s", got, err, ran, cached)
	}
}

// TestPlanMakesTheDNSImagesOfEveryMinor: the DNS conformance specs query
// from jessie-dnsutils up to 1.36 and from glibc-dns-testing since 1.37;
// both are made.
func TestPlanMakesTheDNSImagesOfEveryMinor(t *testing.T) {
	for _, w := range Plan([]string{"registry.k8s.io/e2e-test-images/jessie-dnsutils:1.7", "registry.k8s.io/e2e-test-images/glibc-dns-testing:2.1.1"}) {
		if w.Recipe == nil {
			t.Errorf("%s is not made: %s", w.Ref, w.Reason)
		}
	}
}
