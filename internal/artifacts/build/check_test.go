package build

import (
	"context"
	"os"
	"reflect"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/artifacts/podimages"
)

// TestCheckBuildsNothing: on an empty cache Check names every component
// it would build, returns placeholders for every artifact and leaves the
// cache directory absent; once built, it returns Ensure's manifest and
// names nothing.
func TestCheckBuildsNothing(t *testing.T) {
	opts, calls := fakeEnv(t)
	m, missing, err := Check(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(mustRecipes(t, "v1.34.4")); len(missing) != n || !strings.Contains(strings.Join(missing, ", "), "kubernetes v1.34.4 (amd64)") ||
		!strings.Contains(strings.Join(missing, ", "), "kubernetes-images v1.34.4 (amd64)") ||
		!strings.Contains(strings.Join(missing, ", "), "runc v1.5.3 (amd64)") {
		t.Errorf("would build %q, want all %d components", missing, n)
	}
	if got := builds(t, calls); len(got) != 0 {
		t.Errorf("Check built:\n%s", strings.Join(got, "\n"))
	}
	if _, err := os.Stat(opts.CacheRoot); !os.IsNotExist(err) {
		t.Errorf("Check created the cache %s: %v", opts.CacheRoot, err)
	}
	if bins, _ := m.Counts(); bins != len(builtBinaries()) {
		t.Fatalf("%d binary placeholders, want %d", bins, len(builtBinaries()))
	}
	apiserver, _ := m.Find(manifest.KindBinary, "kube-apiserver")
	kubelet, _ := m.Find(manifest.KindBinary, "kubelet")
	etcdctl, _ := m.Find(manifest.KindBinary, "etcdctl")
	if apiserver.SHA256 == "" || apiserver.SHA256 != kubelet.SHA256 || etcdctl.SHA256 == apiserver.SHA256 {
		t.Errorf("placeholder checksums: the multi-call aliases share one, other binaries differ: %q %q %q",
			apiserver.SHA256, kubelet.SHA256, etcdctl.SHA256)
	}
	if pause, ok := m.Find(manifest.KindImage, "pause"); !ok || pause.Image != "registry.k8s.io/pause:3.10.1" {
		t.Errorf("pause placeholder = %+v", pause)
	}
	if k, ok := m.Find(manifest.KindImage, podimages.KubernetesImages); !ok || len(k.Refs()) != 4 || k.Path != "images/kubernetes-images.tar" {
		t.Errorf("kubernetes-images placeholder = %+v", k)
	}

	built, _, err := Ensure(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	builds(t, calls)
	m, missing, err = Check(context.Background(), opts)
	if err != nil || len(missing) != 0 {
		t.Fatalf("after Ensure Check would build %q (%v)", missing, err)
	}
	for _, a := range built.Artifacts {
		if got, ok := m.Find(a.Kind, a.Name); !ok || !reflect.DeepEqual(got, a) {
			t.Errorf("%s: Check has %+v, Ensure %+v", a.Name, got, a)
		}
	}
}
