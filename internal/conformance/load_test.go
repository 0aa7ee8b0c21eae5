package conformance

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/conformance/testimages"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/layout"
)

func TestLoadImages(t *testing.T) {
	archive := filepath.Join(t.TempDir(), "images.tar")
	if err := os.WriteFile(archive, []byte("archive"), 0o644); err != nil {
		t.Fatal(err)
	}
	a := testimages.Archive{Path: archive, Made: []string{"registry.k8s.io/e2e-test-images/agnhost:2.56", "registry.k8s.io/pause:3.10.1"}}
	complete := host.NewFake("complete").On(`^ctr -n k8s.io images ls -q$`, host.Reply{Stdout: strings.Join(a.Made, "\n") + "\n"})
	partial := host.NewFake("partial").
		On(`^ctr -n k8s.io images ls -q$`, host.Reply{Stdout: "registry.k8s.io/pause:3.10.1\n"}).
		On(`^ctr -n k8s.io images import `, host.Reply{})
	broken := host.NewFake("broken").On(`^ctr -n k8s.io images ls -q$`, host.Reply{Code: 1, Stderr: "connection refused"})
	var progress strings.Builder
	err := LoadImages(context.Background(), []host.Host{complete, partial, broken}, a, &progress)
	if err == nil || !strings.Contains(err.Error(), "host broken: list containerd's images") {
		t.Fatalf("error = %v, want one naming host broken", err)
	}
	if complete.Changed() {
		t.Errorf("a host with every image was changed: %v", complete.Calls())
	}
	f, ok := partial.File(imageUpload)
	if !ok || string(f.Content) != "archive" || f.Mode != 0o600 {
		t.Errorf("partial host: upload = %+v, %v", f, ok)
	}
	if l, ok := partial.File(layout.TestImagesList); !ok || string(l.Content) != strings.Join(a.Made, "\n")+"\n" {
		t.Errorf("partial host: the list of test images for reset = %q, %v", l.Content, ok)
	}
	cmds := strings.Join(partial.Commands(), "\n")
	if !strings.Contains(cmds, "ctr -n k8s.io images import "+imageUpload+"; rc=$?; rm -f "+imageUpload) {
		t.Errorf("partial host: commands = %s", cmds)
	}
	if !strings.Contains(progress.String(), "test images on complete: all present") ||
		!strings.Contains(progress.String(), "test images on partial: 2 imported") {
		t.Errorf("progress = %q", progress.String())
	}
}
