package bootstrap

import (
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/spec"
)

// TestConfigAddonHoldsNoURLCredentials: a mirror URL's user and password
// reach neither the kubeup-config ConfigMap nor its file on the
// control-plane hosts (0644); the spec kubeup downloads with keeps them.
func TestConfigAddonHoldsNoURLCredentials(t *testing.T) {
	c := testCluster(t)
	c.Spec.Artifacts.Source = "release"
	c.Spec.Artifacts.Mirrors = map[string]string{"kubernetes": "https://ci:hunter22@mirror.example.com/release"}
	files, err := Files(c, c.Spec.Hosts[0], []byte(testCA))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.Contains(string(f.Content), "hunter22") || strings.Contains(string(f.Content), "ci:") {
			t.Errorf("%s (mode %o) holds the mirror's credentials:\n%s", f.Path, f.Mode, f.Content)
		}
	}
	if c.Spec.Artifacts.Mirrors["kubernetes"] != "https://ci:hunter22@mirror.example.com/release" {
		t.Error("rendering changed the spec kubeup downloads with")
	}
	b, err := specConfigMap(c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "https://"+spec.RedactedUserinfo+"@mirror.example.com/release") {
		t.Errorf("the mirror is not kept, redacted:\n%s", b)
	}
}
