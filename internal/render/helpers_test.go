package render

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/spec"
	"kubeup.dev/kubeup/internal/state"
)

// variants are the spec files under testdata/specs.
var variants = []string{"basic", "sandbox", "ha", "external", "etcdonly", "staticpods", "staticpods-ha"}

// testSecrets are fixed so that golden files are stable.
func testSecrets() *state.Secrets {
	return &state.Secrets{
		BootstrapTokenID:     "abcdef",
		BootstrapTokenSecret: "0123456789abcdef",
		EncryptionKey:        "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
	}
}

func loadSpec(t *testing.T, variant string) *spec.Cluster {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "specs", variant+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := spec.Parse(b)
	if err != nil {
		t.Fatalf("spec %s: %v", variant, err)
	}
	return c
}

// renderHosts renders every host of a variant, keyed by host name.
func renderHosts(t *testing.T, variant string) map[string][]hostfile.File {
	t.Helper()
	c := loadSpec(t, variant)
	out := map[string][]hostfile.File{}
	for _, h := range c.Spec.Hosts {
		files, err := HostFiles(c, h, testSecrets())
		if err != nil {
			t.Fatalf("%s/%s: %v", variant, h.Name, err)
		}
		out[h.Name] = files
	}
	return out
}

// fileAt returns the file at path, failing the test when it is missing.
func fileAt(t *testing.T, files []hostfile.File, path string) hostfile.File {
	t.Helper()
	for _, f := range files {
		if f.Path == path {
			return f
		}
	}
	t.Fatalf("no file %s", path)
	return hostfile.File{}
}

func hasFile(files []hostfile.File, path string) bool {
	for _, f := range files {
		if f.Path == path {
			return true
		}
	}
	return false
}

// runFile is the file that runs component name in cluster c: its unit, or
// its staged static pod manifest.
func runFile(c *spec.Cluster, name string) string {
	if component(name).RunsAs(c) == catalog.StaticPod {
		return layout.StagedManifest(name)
	}
	return layout.Unit(name)
}

// units returns the systemd unit files among files.
func units(files []hostfile.File) []hostfile.File {
	var out []hostfile.File
	for _, f := range files {
		if strings.HasSuffix(f.Path, ".service") {
			out = append(out, f)
		}
	}
	return out
}
