package build

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/artifacts/images"
	"kubeup.dev/kubeup/internal/artifacts/inventory"
	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/artifacts/podimages"
	"kubeup.dev/kubeup/internal/progress"
	"kubeup.dev/kubeup/internal/versions"
)

// fakeGo is a go command that records its calls and makes a small file
// for every go build -o.
const fakeGo = `#!/bin/sh
echo "$*" >> "$FAKEGO_CALLS"
case "$1 $2" in
"env GOVERSION") echo go1.26.8-fake ;;
"mod tidy") ;;
"mod download") printf '{"GoMod":"%s","Info":"%s"}\n' "$FAKEGO_GOMOD" "$FAKEGO_INFO" ;;
build*)
	out=""; prev=""
	for a in "$@"; do [ "$prev" = "-o" ] && out=$a; prev=$a; done
	mkdir -p "$(dirname "$out")" && printf 'built %s\n' "$a" > "$out" && chmod 755 "$out" ;;
*) echo "fake go: unexpected $*" >&2; exit 1 ;;
esac
`

// fakeEnv writes the fake go command and returns options that use it, and
// the file its calls are recorded in.
func fakeEnv(t *testing.T) (Options, string) {
	t.Helper()
	dir := t.TempDir()
	goBin := filepath.Join(dir, "go")
	if err := os.WriteFile(goBin, []byte(fakeGo), 0o755); err != nil {
		t.Fatal(err)
	}
	info := filepath.Join(dir, "v1.34.4.info")
	if err := os.WriteFile(info, []byte(`{"Version":"v1.34.4","Time":"2026-02-10T12:53:36Z"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	gomod, _ := filepath.Abs("testdata/kubernetes-v1.34.4.go.mod")
	calls := filepath.Join(dir, "calls")
	env := []string{"PATH=" + os.Getenv("PATH"), "FAKEGO_CALLS=" + calls, "FAKEGO_GOMOD=" + gomod, "FAKEGO_INFO=" + info}
	return Options{KubernetesVersion: "v1.34.4", CacheRoot: filepath.Join(dir, "cache"), Go: goBin, Env: env}, calls
}

// builds returns the go build calls recorded so far and forgets them.
func builds(t *testing.T, calls string) []string {
	t.Helper()
	b, _ := os.ReadFile(calls)
	os.Remove(calls)
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "build ") {
			out = append(out, l)
		}
	}
	return out
}

func TestEnsureBuildsThenCaches(t *testing.T) {
	opts, calls := fakeEnv(t)
	var out bytes.Buffer
	opts.Progress = progress.New(&out, progress.Options{})
	m, dir, err := Ensure(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(opts.CacheRoot, "artifacts", "v1.34.4", "amd64"); dir != want {
		t.Errorf("dir = %s, want %s", dir, want)
	}
	// One go build per binary: the Kubernetes commands share one.
	wantBuilds := len(builtBinaries()) - len(inventory.Binaries(Kubernetes)) + 1
	components := len(mustRecipes(t, "v1.34.4"))
	checkRuntimeBuild(t, m, calls)
	if got := builds(t, calls); len(got) != wantBuilds {
		t.Errorf("%d go builds, want %d:\n%s", len(got), wantBuilds, strings.Join(got, "\n"))
	}
	checkManifest(t, m, dir)
	checkKubernetesBuild(t, opts.CacheRoot, dir)
	if strings.Count(out.String(), "done  ") != components {
		t.Errorf("progress shows no done line per component:\n%s", out.String())
	}

	// Warm: nothing is built again.
	out.Reset()
	m2, _, err := Ensure(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := builds(t, calls); len(got) != 0 {
		t.Errorf("warm Ensure built again:\n%s", strings.Join(got, "\n"))
	}
	if strings.Count(out.String(), "(cached)") != components {
		t.Errorf("warm progress:\n%s", out.String())
	}
	if len(m2.Artifacts) != len(m.Artifacts) {
		t.Errorf("warm manifest has %d artifacts, cold %d", len(m2.Artifacts), len(m.Artifacts))
	}

	// Force rebuilds everything.
	opts.Force = true
	if _, _, err := Ensure(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if got := builds(t, calls); len(got) != wantBuilds {
		t.Errorf("forced Ensure: %d builds, want %d", len(got), wantBuilds)
	}
}

// checkManifest checks the manifest against the files in dir.
func checkManifest(t *testing.T, m *manifest.Manifest, dir string) {
	t.Helper()
	set, err := versions.For("v1.34.4")
	if err != nil {
		t.Fatal(err)
	}
	if bins, refs := m.Counts(); m.KubernetesVersion != "v1.34.4" || m.Arch != "amd64" || bins != len(builtBinaries()) || refs != len(set.Images()) {
		t.Fatalf("manifest %s/%s with %d binaries and %d images, want %d and %d",
			m.KubernetesVersion, m.Arch, bins, refs, len(builtBinaries()), len(set.Images()))
	}
	onDisk, err := manifest.Read(filepath.Join(dir, "manifest.json"))
	if err != nil || len(onDisk.Artifacts) != len(m.Artifacts) {
		t.Fatalf("manifest.json: %v", err)
	}
	for _, a := range m.Artifacts {
		sum, size, err := manifest.HashFile(filepath.Join(dir, a.Path))
		if err != nil || sum != a.SHA256 || size != a.Size || a.Source != "build" {
			t.Errorf("%s: sha256 %s size %d source %q (%v); manifest says %s %d", a.Path, sum, size, a.Source, err, a.SHA256, a.Size)
		}
	}
	if a, ok := m.Find(manifest.KindBinary, "cni/flannel"); !ok || a.Path != "bin/cni/flannel" || a.Version != "v0.9.1" {
		t.Errorf("flannel CNI plugin = %+v", a)
	}
	pause, ok := m.Find(manifest.KindImage, "pause")
	if !ok || pause.Image != "registry.k8s.io/pause:3.10.1" || pause.Path != "images/pause.tar" {
		t.Fatalf("pause image = %+v", pause)
	}
	info, err := images.Inspect(filepath.Join(dir, pause.Path), pause.Image)
	if err != nil || info.Entrypoint[0] != "/pause" {
		t.Errorf("pause image: %+v, %v", info, err)
	}
	k, ok := m.Find(manifest.KindImage, podimages.KubernetesImages)
	if !ok || len(k.Images) != 4 || k.Version != "v1.34.4" {
		t.Fatalf("kubernetes-images = %+v", k)
	}
	apiserver, _ := m.Find(manifest.KindBinary, "kube-apiserver")
	for _, ref := range k.Images {
		info, err := images.Inspect(filepath.Join(dir, k.Path), ref)
		if err != nil {
			t.Fatal(err)
		}
		// The image's /kubernetes is the built multi-call binary.
		if len(info.Files) == 0 || info.Files[0] != "/kubernetes" || !strings.HasPrefix(info.Entrypoint[0], "/kube-") {
			t.Errorf("%s: %+v", ref, info)
		}
	}
	if e, ok := m.Find(manifest.KindImage, podimages.EtcdImage); !ok || e.Image != "registry.k8s.io/etcd:3.6.5-0" || e.Version != "v3.6.5" {
		t.Errorf("etcd image = %+v", e)
	}
	if apiserver.SHA256 == "" {
		t.Error("no kube-apiserver binary")
	}
}

// checkRuntimeBuild checks the container runtime's binaries in the
// manifest and their go build commands (calls: the fake go's record).
func checkRuntimeBuild(t *testing.T, m *manifest.Manifest, calls string) {
	t.Helper()
	set, err := versions.For("v1.34.4")
	if err != nil {
		t.Fatal(err)
	}
	for project, version := range map[string]string{Containerd: set.Containerd, Runc: set.Runc, CNIPlugins: set.CNIPlugins, CriTools: set.CriTools} {
		for _, name := range inventory.Binaries(project) {
			if a, ok := m.Find(manifest.KindBinary, name); !ok || a.Version != version || a.Path != "bin/"+name {
				t.Errorf("%s: %+v, want version %s", name, a, version)
			}
		}
	}
	log, err := os.ReadFile(calls)
	if err != nil {
		t.Fatal(err)
	}
	runc := "build -trimpath -tags seccomp,urfave_cli_no_docs,netgo,osusergo -ldflags -s -w -extldflags=-static -o "
	if !strings.Contains(string(log), runc) {
		t.Errorf("no go build of runc with its tags (%q) in:\n%s", runc, log)
	}
	if strings.Count(string(log), " -tags ") != 1+len(inventory.Binaries(Containerd)) {
		t.Errorf("build tags on other builds than runc's and containerd's:\n%s", log)
	}
}

// TestImagesFollowTheirBinaries: an images component is rebuilt when the
// binaries it is made of change, and only then; Check says so before.
func TestImagesFollowTheirBinaries(t *testing.T) {
	opts, calls := fakeEnv(t)
	// Every go build makes different bytes, as a real rebuild may.
	salted := strings.Replace(fakeGo, `printf 'built %s\n' "$a"`, `printf 'built %s %s\n' "$a" "$$"`, 1)
	if salted == fakeGo {
		t.Fatal("the fake go command changed: update this test")
	}
	if err := os.WriteFile(opts.Go, []byte(salted), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Ensure(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	builds(t, calls)
	kdir := filepath.Join(opts.CacheRoot, "components", "kubernetes", "v1.34.4", "amd64")
	rec, err := readRecord(kdir)
	if err != nil {
		t.Fatal(err)
	}
	rec.Hash = "a recipe of an older kubeup"
	if err := writeRecord(kdir, rec); err != nil {
		t.Fatal(err)
	}
	_, missing, err := Check(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"kubernetes v1.34.4 (amd64)", "kubernetes-images v1.34.4 (amd64)"}; !slices.Equal(missing, want) {
		t.Errorf("Check would build %q, want %q", missing, want)
	}
	var out bytes.Buffer
	opts.Progress = progress.New(&out, progress.Options{})
	if _, _, err := Ensure(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if got := builds(t, calls); len(got) != 1 {
		t.Errorf("%d go builds, want the Kubernetes one:\n%s", len(got), strings.Join(got, "\n"))
	}
	for _, want := range []string{"done   build kubernetes-images v1.34.4", "skip   build etcd-image v3.6.5 (amd64) (cached)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, out.String())
		}
	}
}

// checkKubernetesBuild checks the multi-call binary's names and wrapper.
func checkKubernetesBuild(t *testing.T, root, dir string) {
	t.Helper()
	first, err := os.Stat(filepath.Join(dir, "bin", "kube-apiserver"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range inventory.Binaries(Kubernetes) {
		fi, err := os.Stat(filepath.Join(dir, "bin", name))
		if err != nil || !os.SameFile(fi, first) {
			t.Errorf("bin/%s is not the multi-call binary: %v", name, err)
		}
	}
	src := filepath.Join(root, "src", "kubernetes", "v1.34.4")
	gomod, err := os.ReadFile(filepath.Join(src, "go.mod"))
	if err != nil || !strings.Contains(string(gomod), "k8s.io/api => k8s.io/api v0.34.4") {
		t.Errorf("wrapper go.mod: %v\n%s", err, gomod)
	}
	if _, err := os.Stat(filepath.Join(src, "main.go")); err != nil {
		t.Error(err)
	}
	rec, err := readRecord(filepath.Join(root, "components", "kubernetes", "v1.34.4", "amd64"))
	if err != nil || rec.GoVersion != "go1.26.8-fake" || len(rec.Artifacts) != 6 {
		t.Errorf("recipe.json: %+v, %v", rec, err)
	}
}

func TestEnsureKeepsOtherManifestEntries(t *testing.T) {
	opts, _ := fakeEnv(t)
	dir := filepath.Join(opts.CacheRoot, "artifacts", "v1.34.4", "amd64")
	fetched := &manifest.Manifest{KubernetesVersion: "v1.34.4", Arch: "amd64", Artifacts: []manifest.Artifact{
		{Name: "critest", Kind: manifest.KindBinary, Version: "v1.37.0", Path: "bin/critest", Source: "release"},
		{Name: "etcd", Kind: manifest.KindBinary, Version: "v3.6.5", Path: "bin/etcd", Source: "release"},
	}}
	b, _ := fetched.Marshal()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	m, _, err := Ensure(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := m.Find(manifest.KindBinary, "critest"); !ok || a.Source != "release" {
		t.Error("the fetched critest entry, which no build makes, was dropped")
	}
	if a, _ := m.Find(manifest.KindBinary, "etcd"); a.Source != "build" {
		t.Errorf("etcd = %+v, want the built one", a)
	}
}

func TestEnsureErrors(t *testing.T) {
	opts, _ := fakeEnv(t)
	bad := opts
	bad.KubernetesVersion = "v1.20.0"
	if _, _, err := Ensure(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "not known to this kubeup") {
		t.Errorf("unsupported version: %v", err)
	}
	bad = opts
	bad.CacheRoot = ""
	if _, _, err := Ensure(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "--cache") {
		t.Errorf("no cache: %v", err)
	}
	bad = opts
	bad.Go = filepath.Join(t.TempDir(), "no-go")
	if _, _, err := Ensure(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "install Go") {
		t.Errorf("no go command: %v", err)
	}
}

func TestEnsureReportsBuildFailure(t *testing.T) {
	opts, _ := fakeEnv(t)
	failing := filepath.Join(t.TempDir(), "go")
	script := strings.Replace(fakeGo, "build*)", "build*)\n\techo 'main.go:1: undefined: x' >&2; exit 1 ;;\nnever)", 1)
	if err := os.WriteFile(failing, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	opts.Go = failing
	_, _, err := Ensure(context.Background(), opts)
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"build pause 3.10.1", "undefined: x", "full log: " + filepath.Join(opts.CacheRoot, "logs", "pause-3.10.1-amd64.log")} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(opts.CacheRoot, "components", "pause", "3.10.1", "amd64")); !os.IsNotExist(err) {
		t.Errorf("a failed build left a component directory: %v", err)
	}
}

func TestEnsureUnknownKubernetesVersion(t *testing.T) {
	opts, _ := fakeEnv(t)
	missing := filepath.Join(t.TempDir(), "go")
	script := strings.Replace(fakeGo, `"mod download")`, `"mod download") echo '{"Error":"not available"}'; exit 1 ;;
"never")`, 1)
	if err := os.WriteFile(missing, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	opts.Go = missing
	_, _, err := Ensure(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), "k8s.io/kubernetes@v1.34.4: not available: check the version") {
		t.Errorf("error %v; want one that says the version is not available and what to check", err)
	}
}
