package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/artifacts/build"
	"kubeup.dev/kubeup/internal/artifacts/manifest"
)

// fakeGoForCLI answers the go commands the builder runs, making a small
// file for every go build -o.
const fakeGoForCLI = `#!/bin/sh
case "$1 $2" in
"env GOVERSION") echo go1.26.8-fake ;;
"mod tidy") ;;
"mod download") printf '{"GoMod":"%s","Info":"/nonexistent"}\n' "$FAKE_GOMOD" ;;
build*)
	out=""; prev=""
	for a in "$@"; do [ "$prev" = "-o" ] && out=$a; prev=$a; done
	mkdir -p "$(dirname "$out")" && echo built > "$out" ;;
esac
`

func TestArtifactsBuild(t *testing.T) {
	dir := t.TempDir()
	goBin := filepath.Join(dir, "go")
	gomod := filepath.Join(dir, "kubernetes.mod")
	if err := os.WriteFile(goBin, []byte(fakeGoForCLI), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(gomod, []byte("module k8s.io/kubernetes\n\ngo 1.24.0\n\nreplace k8s.io/api => ./staging/src/k8s.io/api\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FAKE_GOMOD", gomod)
	root := filepath.Join(dir, "cache")
	var out, errOut bytes.Buffer
	args := []string{"artifacts", "build", "--kubernetes-version", "v1.34.4", "--cache", root, "--go", goBin}
	if code := Run(context.Background(), args, strings.NewReader(""), &out, &errOut); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	// The counts are those of every artifact a build makes.
	placeholders, err := build.Placeholders("v1.34.4", "amd64")
	if err != nil {
		t.Fatal(err)
	}
	bins, imgs := (&manifest.Manifest{Artifacts: placeholders}).Counts()
	for _, want := range []string{"start  build kubernetes v1.34.4 (amd64)\n", "done   build etcd v3.6.5 (amd64)", "done   build runc v1.5.3 (amd64)",
		fmt.Sprintf("%d binaries and %d images for Kubernetes v1.34.4 linux/amd64 in %s", bins, imgs, filepath.Join(root, "artifacts", "v1.34.4", "amd64"))} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	built := strings.Count(out.String(), "done   build ")
	out.Reset()
	if code := Run(context.Background(), args, strings.NewReader(""), &out, &errOut); code != ExitOK ||
		strings.Count(out.String(), "(cached)") != built {
		t.Errorf("second run: exit %d, want all %d components cached:\n%s", code, built, out.String())
	}
}

func TestArtifactsBuildUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	code := Run(context.Background(), []string{"artifacts", "build", "--kubernetes-version", "1.34"}, strings.NewReader(""), &out, &errOut)
	if code != ExitUsage || !strings.Contains(errOut.String(), "v1.37.2") {
		t.Errorf("exit %d, stderr %q; want a usage error that shows the form", code, errOut.String())
	}
}
