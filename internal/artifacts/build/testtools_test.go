package build

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTestTools(t *testing.T) {
	mod := t.TempDir()
	e2e := filepath.Join(mod, "test", "e2e")
	if err := os.MkdirAll(e2e, 0o755); err != nil {
		t.Fatal(err)
	}
	src := `package e2e

import (
	"testing"

	_ "k8s.io/kubernetes/test/e2e/apps"
	"github.com/onsi/gomega"
	_ "k8s.io/kubernetes/test/e2e/internal/thing"
)
`
	if err := os.WriteFile(filepath.Join(e2e, "e2e_test.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := conformanceRecipe("v1.34.4", "amd64")
	if err != nil {
		t.Fatal(err)
	}
	got, err := testTools(r, mod)
	if err != nil {
		t.Fatal(err)
	}
	s := string(got)
	for _, want := range []string{"//go:build tools\n", "package tools\n", "\t_ \"k8s.io/kubernetes/test/e2e\"\n",
		"\t_ \"k8s.io/kubernetes/test/e2e/apps\"\n", "\t_ \"github.com/onsi/gomega\"\n",
		"\t_ \"github.com/onsi/ginkgo/v2/ginkgo\"\n", "\t_ \"k8s.io/sample-apiserver\"\n"} {
		if !strings.Contains(s, want) {
			t.Errorf("tools.go lacks %q:\n%s", want, s)
		}
	}
	for _, bad := range []string{`"testing"`, "internal/thing"} {
		if strings.Contains(s, bad) {
			t.Errorf("tools.go imports %s:\n%s", bad, s)
		}
	}
	if _, err := testTools(r, t.TempDir()); err == nil || !strings.Contains(err.Error(), "no test files") {
		t.Errorf("a module without the test files: %v", err)
	}
	if ld := ldflags(r, "2026-01-01T00:00:00Z"); !strings.Contains(ld, "k8s.io/component-base/version.buildDate=2026-01-01T00:00:00Z") {
		t.Errorf("ldflags = %s", ld)
	}
}
