package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"kubeup.dev/kubeup/internal/artifacts/bundle"
	"kubeup.dev/kubeup/internal/artifacts/cache"
	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/spec"
)

// runArtifacts runs one of this file's artifacts subcommands with args.
func runArtifacts(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	app := &App{In: strings.NewReader(""), Out: &out, Err: &errOut, Ctx: context.Background()}
	cmd := &cobra.Command{Use: "artifacts", SilenceUsage: true, SilenceErrors: true}
	cmd.AddCommand(newArtifactsFetchCmd(app), newArtifactsBundleCmd(app), newArtifactsInspectCmd(app))
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	err = cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// k8sMirror serves fake dl.k8s.io binaries for v1.34.4/amd64 below /k8s.
func k8sMirror(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	for _, name := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy", "kubectl"} {
		body := []byte("#!/bin/sh\necho v1.34.4 " + name + "\n")
		sum := sha256.Sum256(body)
		p := "/k8s/v1.34.4/bin/linux/amd64/" + name
		mux.HandleFunc(p, func(w http.ResponseWriter, _ *http.Request) { w.Write(body) })
		mux.HandleFunc(p+".sha256", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(hex.EncodeToString(sum[:]))) })
	}
	s := httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func TestArtifactsFetchBundleInspect(t *testing.T) {
	srv := k8sMirror(t)
	root := t.TempDir()
	mirror := "kubernetes=" + srv.URL + "/k8s"

	out, _, err := runArtifacts(t, "fetch", "--dry-run", "--mirror", mirror, "--sources", "kubernetes", "--kubernetes-version", "v1.34.4")
	if err != nil || !strings.Contains(out, srv.URL+"/k8s/v1.34.4/bin/linux/amd64/kubelet\n  checksum: "+srv.URL) ||
		!strings.Contains(out, "make images/kubernetes-images.tar from [kube-apiserver kube-controller-manager kube-proxy kube-scheduler]") {
		t.Fatalf("fetch --dry-run: %v\n%s", err, out)
	}
	out, errOut, err := runArtifacts(t, "fetch", "--cache", root, "--mirror", mirror, "--sources", "kubernetes", "--kubernetes-version", "v1.34.4")
	if err != nil {
		t.Fatalf("fetch: %v\n%s", err, errOut)
	}
	dir := cache.Layout{Root: root}.Artifacts("v1.34.4", "amd64")
	// The four Kubernetes images are made from the downloads.
	if !strings.Contains(out, "6 binaries and 4 images for Kubernetes v1.34.4 linux/amd64 in "+dir) || !strings.Contains(errOut, "done   kubelet") {
		t.Errorf("fetch output:\n%s\n%s", out, errOut)
	}

	// Release binaries alone lack the images and etcd: bundle lint says so.
	file := filepath.Join(t.TempDir(), "b.tar.zst")
	_, _, err = runArtifacts(t, "bundle", "--from-cache", root, "--out", file, "--kubernetes-version", "v1.34.4")
	if err == nil || !strings.Contains(err.Error(), "registry.k8s.io/pause:3.10.1") || !strings.Contains(err.Error(), "etcd") {
		t.Fatalf("bundle error %v, want lint naming the pause image and etcd", err)
	}

	// Inspect a bundle made without lint: listed, verified, lint fails.
	if _, err := bundle.Create(context.Background(), dir, file, bundle.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	out, _, err = runArtifacts(t, "inspect", file)
	if err == nil || !strings.Contains(err.Error(), "registry.k8s.io/coredns/coredns:v1.12.4") {
		t.Errorf("inspect error %v, want lint", err)
	}
	if !strings.Contains(out, "all 7 checksums verified") || !strings.Contains(out, "\nkubelet                  binary  v1.34.4  31 B  ") {
		t.Errorf("inspect output:\n%s", out)
	}
	out, _, _ = runArtifacts(t, "inspect", "-o", "json", file)
	var j struct {
		Verified bool
		Lint     string
		Entries  []manifest.Artifact
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil || !j.Verified || j.Lint == "" || len(j.Entries) != 7 {
		t.Errorf("inspect -o json: %v %+v\n%s", err, j, out)
	}
}

func TestArtifactsFetchTakesMirrorsFromSpec(t *testing.T) {
	srv := k8sMirror(t)
	ex := string(spec.Example())
	ex = strings.Replace(ex, "    source: build                 # build | release | bundle",
		"    source: release\n    mirrors:\n      kubernetes: "+srv.URL+"/k8s", 1)
	path := filepath.Join(t.TempDir(), "cluster.yaml")
	if err := os.WriteFile(path, []byte(ex), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runArtifacts(t, "fetch", "-f", path, "--dry-run", "--sources", "kubernetes")
	if err != nil || !strings.Contains(out, srv.URL+"/k8s/") {
		t.Fatalf("fetch -f with spec mirrors: %v\n%s", err, out)
	}
	// A flag wins over the spec.
	out, _, err = runArtifacts(t, "fetch", "-f", path, "--dry-run", "--sources", "kubernetes", "--mirror", "kubernetes=https://other.example/r")
	if err != nil || !strings.Contains(out, "https://other.example/r/") || strings.Contains(out, srv.URL) {
		t.Fatalf("--mirror over spec mirrors: %v\n%s", err, out)
	}
}

func TestArtifactsBundleUsage(t *testing.T) {
	if _, _, err := runArtifacts(t, "bundle"); !isUsage(err) {
		t.Errorf("bundle without --out: %v", err)
	}
	if _, _, err := runArtifacts(t, "bundle", "--out", "b.zip"); !isUsage(err) || !strings.Contains(err.Error(), ".tar.zst") {
		t.Errorf("bundle --out b.zip: %v", err)
	}
	if _, _, err := runArtifacts(t, "fetch", "--mirror", "kubernetes"); !isUsage(err) {
		t.Errorf("fetch --mirror without URL: %v", err)
	}
	if _, _, err := runArtifacts(t, "inspect", filepath.Join(t.TempDir(), "none.tar")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("inspect of a missing file: %v", err)
	}
}

func isUsage(err error) bool {
	_, ok := err.(usageError)
	return ok
}
