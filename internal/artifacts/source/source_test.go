package source

import (
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/spec"
)

// TestReleaseFetchCarriesTheSpecsMirrorsAndChecksums: a release source
// downloads through the spec's mirrors and trusts its pinned checksums
// (flannel publishes none: without them the fetch cannot start).
func TestReleaseFetchCarriesTheSpecsMirrorsAndChecksums(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	c := &spec.Cluster{Spec: spec.Spec{KubernetesVersion: "v1.34.4", Artifacts: spec.Artifacts{Source: "release",
		Mirrors:   map[string]string{"flannel": "https://mirror.example.com/flannel"},
		Checksums: map[string]string{"flannel-v0.26.7-linux-amd64.tar.gz": sum}}}}
	o := fetchOptions(c, Options{CacheRoot: "/cache"})
	if o.KubernetesVersion != "v1.34.4" || o.CacheRoot != "/cache" || o.Mirrors["flannel"] != "https://mirror.example.com/flannel" ||
		o.Checksums["flannel-v0.26.7-linux-amd64.tar.gz"] != sum {
		t.Errorf("fetch options %+v", o)
	}
}
