//go:build e2e

package build

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"kubeup.dev/kubeup/internal/artifacts/bundle"
	"kubeup.dev/kubeup/internal/artifacts/cache"
	"kubeup.dev/kubeup/internal/artifacts/images"
	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/progress"
	"kubeup.dev/kubeup/internal/versions"
)

// e2eVersion is the Kubernetes version the e2e build uses:
// $KUBEUP_E2E_KUBERNETES_VERSION or kubeup's default.
func e2eVersion() string {
	if v := os.Getenv("KUBEUP_E2E_KUBERNETES_VERSION"); v != "" {
		return v
	}
	return versions.Default()
}

// TestE2EBuild runs the real build against the real cache ($KUBEUP_CACHE or
// ~/.cache/kubeup: warm after the first run), then asks every binary for
// its version, checks every image and imports the images into a private
// containerd when one is installed.
func TestE2EBuild(t *testing.T) {
	root, err := cache.Root("", os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{KubernetesVersion: e2eVersion(), CacheRoot: root,
		Progress: progress.New(testWriter{t}, progress.Options{})}
	start := time.Now()
	m, dir, err := Ensure(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("build: %s", time.Since(start).Round(time.Second))

	start = time.Now()
	if _, _, err := Ensure(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if warm := time.Since(start); warm > 30*time.Second {
		t.Errorf("warm build took %s, want at most 30s", warm)
	} else {
		t.Logf("warm build: %s", warm.Round(time.Millisecond))
	}

	var bins, imgs []manifest.Artifact
	for _, a := range m.Artifacts {
		if a.Source != "build" {
			continue
		}
		if a.Kind == manifest.KindImage {
			imgs = append(imgs, a)
		} else {
			bins = append(bins, a)
		}
	}
	if wantBins, wantImgs := planned(t, e2eVersion()); len(bins) != wantBins || len(imgs) != wantImgs {
		t.Fatalf("%d binaries and %d image archives, want %d and %d", len(bins), len(imgs), wantBins, wantImgs)
	}
	t.Run("versions", func(t *testing.T) { checkVersions(t, dir, bins) })
	t.Run("images", func(t *testing.T) { checkImages(t, dir, imgs) })
	t.Run("smoke", func(t *testing.T) { checkSmoke(t, filepath.Join(dir, "bin", "smoke")) })
	t.Run("pause", func(t *testing.T) { checkPause(t, filepath.Join(dir, "bin", "pause")) })
	t.Run("ctr-import", func(t *testing.T) { checkImport(t, dir, imgs) })
	t.Run("bundle", func(t *testing.T) { checkBundle(t, dir, m, bins) })
}

// previousMinor is the default patch of the minor before e2eVersion's,
// which must keep building: upgrades start from it.
func previousMinor(t *testing.T) string {
	r, err := versions.Previous(e2eVersion())
	if err != nil {
		t.Fatal(err)
	}
	return r.Patch
}

// TestE2EBuildPreviousMinor builds the previous minor release into the
// real cache and asks each of its binaries for its version.
func TestE2EBuildPreviousMinor(t *testing.T) {
	prev := previousMinor(t)
	root, err := cache.Root("", os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{KubernetesVersion: prev, CacheRoot: root, Progress: progress.New(testWriter{t}, progress.Options{})}
	start := time.Now()
	m, dir, err := Ensure(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("build of %s: %s", prev, time.Since(start).Round(time.Second))
	var bins []manifest.Artifact
	for _, a := range m.Artifacts {
		if a.Source == "build" && a.Kind != manifest.KindImage {
			bins = append(bins, a)
		}
	}
	if want, _ := planned(t, prev); len(bins) != want {
		t.Fatalf("%d binaries, want %d", len(bins), want)
	}
	checkVersions(t, dir, bins)
}

// planned counts the binaries and image archives a build of Kubernetes
// version makes (Placeholders).
func planned(t *testing.T, version string) (bins, archives int) {
	arts, err := Placeholders(version, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range arts {
		if a.Kind == manifest.KindImage {
			archives++
		} else {
			bins++
		}
	}
	return bins, archives
}

// checkBundle is the offline round trip with the real artifacts: bundle,
// inspect (every checksum), extract into an empty cache, and every
// extracted binary's version.
func checkBundle(t *testing.T, dir string, m *manifest.Manifest, bins []manifest.Artifact) {
	set, err := versions.For(m.KubernetesVersion)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(bins))
	for i, a := range bins {
		names[i] = a.Name
	}
	out := filepath.Join(t.TempDir(), "kubeup-"+m.KubernetesVersion+".tar.zst")
	start := time.Now()
	if _, err := bundle.Create(context.Background(), dir, out, bundle.CreateOptions{Images: set.Images(), Binaries: names}); err != nil {
		t.Fatalf("bundle: %v", err)
	}
	st, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("bundle: %d MiB in %s", st.Size()>>20, time.Since(start).Round(time.Second))
	rep, err := bundle.Inspect(context.Background(), out)
	if err != nil {
		t.Fatalf("inspect: %v", err)
	}
	if len(rep.Extra) != 0 || len(rep.Entries) < len(bins) {
		t.Errorf("inspect: %d entries, extra %v", len(rep.Entries), rep.Extra)
	}
	_, dir2, err := bundle.Extract(context.Background(), out, t.TempDir())
	if err != nil {
		t.Fatalf("extract: %v", err)
	}
	checkVersions(t, dir2, bins)
}

// checkVersions runs every binary's version probe.
func checkVersions(t *testing.T, dir string, bins []manifest.Artifact) {
	for _, a := range bins {
		p := filepath.Join(dir, filepath.FromSlash(a.Path))
		if err := CheckVersion(context.Background(), p, a); err != nil {
			t.Error(err)
		} else {
			t.Logf("%s: %q ok", a.Name, ProbeFor(a).Want)
		}
	}
}

// checkImages reads every image of every archive: tag, platform,
// entrypoint in the image.
func checkImages(t *testing.T, dir string, imgs []manifest.Artifact) {
	for _, a := range imgs {
		for _, ref := range a.Refs() {
			info, err := images.Inspect(filepath.Join(dir, a.Path), ref)
			if err != nil {
				t.Error(err)
				continue
			}
			if info.OS != "linux" || info.Arch != "amd64" || len(info.Entrypoint) != 1 || !slices.Contains(info.Files, info.Entrypoint[0]) {
				t.Errorf("%s: %+v", ref, info)
			}
		}
	}
}

// checkSmoke serves with the smoke binary and fetches from it with
// another smoke process.
func checkSmoke(t *testing.T, smoke string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	srv := exec.Command(smoke, "serve", "-addr", addr)
	srv.Env = []string{"POD_NAME=smoke-0", "NODE_NAME=node1"}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		srv.Process.Signal(syscall.SIGTERM)
		if err := srv.Wait(); err != nil {
			t.Errorf("smoke serve after SIGTERM: %v, want exit 0", err)
		}
	}()
	out, err := exec.Command(smoke, "get", "-attempts", "10", "http://"+addr+"/").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "pod=smoke-0") || !strings.Contains(string(out), "node=node1") {
		t.Errorf("smoke get: %v: %s", err, out)
	}
	out, err = exec.Command(smoke, "resolve", "localhost").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "127.0.0.1") {
		t.Errorf("smoke resolve: %v: %s", err, out)
	}
}

// checkPause starts pause and stops it with SIGTERM: it must exit 0.
func checkPause(t *testing.T, pause string) {
	cmd := exec.Command(pause)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("pause after SIGTERM: %v, want exit 0", err)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Error("pause did not exit on SIGTERM")
	}
}

// checkImport imports every image into a private containerd, as nodes do
// with ctr -n k8s.io images import, and runs the smoke image.
func checkImport(t *testing.T, dir string, imgs []manifest.Artifact) {
	for _, bin := range []string{"containerd", "ctr", "runc"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s is not installed", bin)
		}
	}
	sock := startContainerd(t)
	ctr := func(args ...string) (string, error) {
		out, err := exec.Command("ctr", append([]string{"--address", sock, "-n", "k8s.io"}, args...)...).CombinedOutput()
		return string(out), err
	}
	for _, a := range imgs {
		out, err := ctr("images", "import", filepath.Join(dir, a.Path))
		for _, ref := range a.Refs() {
			if err != nil || !strings.Contains(out, ref) {
				t.Errorf("import %s: %v: %s lacks %s", a.Path, err, out, ref)
			}
		}
	}
	out, err := ctr("images", "ls", "-q")
	for _, a := range imgs {
		for _, ref := range a.Refs() {
			if err != nil || !strings.Contains(out, ref) {
				t.Errorf("%s not in the image list (%v): %s", ref, err, out)
			}
		}
	}
	set, err := versions.For(e2eVersion())
	if err != nil {
		t.Fatal(err)
	}
	// kube-proxy's and flannel's DaemonSets mount the node's /usr and
	// /etc/alternatives read-only (see package podimages).
	nodeUsr := []string{"--mount", "type=bind,src=/usr,dst=/usr,options=rbind:ro"}
	if _, err := os.Stat("/etc/alternatives"); err == nil {
		nodeUsr = append(nodeUsr, "--mount", "type=bind,src=/etc/alternatives,dst=/etc/alternatives,options=rbind:ro")
	}
	for _, c := range []struct {
		ref, want string
		mounts    []string
		args      []string
	}{
		{set.SmokeTestImage(), "smoke " + set.SmokeImage, nil, []string{"/smoke", "version"}},
		// The multi-call binary, started through the image's link.
		{set.KubeAPIServerImage(), "Kubernetes " + set.Kubernetes, nil, []string{"kube-apiserver", "--version"}},
		{set.KubeProxyImage(), "Kubernetes " + set.Kubernetes, nil, []string{"/kube-proxy", "--version"}},
		{set.EtcdImage(), "etcd Version: " + strings.TrimPrefix(set.Etcd, "v"), nil, []string{"etcd", "--version"}},
		// kube-proxy and flannel run the node's iptables.
		{set.KubeProxyImage(), "iptables v", nodeUsr, []string{"iptables", "--version"}},
		{set.FlannelImage(), "iptables v", nodeUsr, []string{"iptables", "--version"}},
	} {
		run := append(append(append([]string{"run", "--rm"}, c.mounts...), c.ref, "kubeup-e2e-run"), c.args...)
		out, err := ctr(run...)
		if err != nil || !strings.Contains(out, c.want) {
			t.Errorf("ctr %s: %v: %s", strings.Join(run, " "), err, out)
		}
	}
}

// startContainerd runs a containerd of its own (own root, state and
// socket, no CRI) for the test and returns its socket.
func startContainerd(t *testing.T) string {
	d, err := os.MkdirTemp("", "kubeup-ctrd-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	sock := filepath.Join(d, "containerd.sock")
	config := fmt.Sprintf("version = 2\nroot = %q\nstate = %q\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n[grpc]\n  address = %q\n",
		filepath.Join(d, "root"), filepath.Join(d, "state"), sock)
	if err := os.WriteFile(filepath.Join(d, "config.toml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	log, err := os.Create(filepath.Join(d, "containerd.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("containerd", "--config", filepath.Join(d, "config.toml"))
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		log.Close()
	})
	for i := 0; i < 100; i++ {
		if err := exec.Command("ctr", "--address", sock, "version").Run(); err == nil {
			return sock
		}
		time.Sleep(100 * time.Millisecond)
	}
	b, _ := os.ReadFile(filepath.Join(d, "containerd.log"))
	t.Fatalf("containerd did not start:\n%s", b)
	return ""
}

// testWriter sends progress lines to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
