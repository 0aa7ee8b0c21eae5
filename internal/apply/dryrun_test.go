package apply

import (
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/artifacts/build"
	"kubeup.dev/kubeup/internal/artifacts/manifest"
)

// TestDryRunPlansWithUnbuiltArtifacts: a dry run before the artifacts are
// built (their placeholders from build.Placeholders) plans an upload of
// the multi-call binary once and links for its other names, and imports
// of every image, touching no local artifact file.
func TestDryRunPlansWithUnbuiltArtifacts(t *testing.T) {
	r, _ := testRun(t)
	arts, err := build.Placeholders("v1.34.4", "")
	if err != nil {
		t.Fatal(err)
	}
	r.Artifacts = &manifest.Manifest{KubernetesVersion: "v1.34.4", Arch: "amd64", Artifacts: arts}
	r.ArtifactsDir = "/nonexistent"
	rep, err := runPhases(t, r, true, "distribute")
	if err != nil {
		t.Fatal(err)
	}
	var node1 []string
	for _, hc := range rep.ChangesByHost() {
		if hc.Host == "node1" {
			node1 = hc.Changes
		}
	}
	got := strings.Join(node1, "\n")
	if strings.Count(got, "upload /usr/local/bin/kube") != 1 || strings.Count(got, "link /usr/local/bin/kube") != 5 ||
		!strings.Contains(got, "upload /usr/local/bin/etcdctl") || !strings.Contains(got, "pause.tar") {
		t.Errorf("node1 plans:\n%s", got)
	}
}
