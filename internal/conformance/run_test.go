package conformance

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestGinkgoArgs(t *testing.T) {
	o := Options{E2ETest: "/c/e2e.test", Ginkgo: "/c/ginkgo", Kubectl: "/a/kubectl", Kubeconfig: "/s/admin.conf",
		Focus: `Pods should`, Parallel: 3, SpecTimeout: 2 * time.Hour, OutDir: "/r"}
	ps := o.passes()
	if len(ps) != 2 || ps[0].labels != "Conformance && Serial" || ps[0].nodes != 1 ||
		ps[1].labels != "Conformance && !Serial" || ps[1].nodes != 3 {
		t.Fatalf("passes = %+v", ps)
	}
	got := strings.Join(o.ginkgoArgs(ps[1]), " ")
	for _, want := range []string{"run --nodes=3 --label-filter=Conformance && !Serial --timeout=2h0m0s",
		"--json-report=report-parallel.json --junit-report=junit-parallel.xml", "--focus=Pods should /c/e2e.test -- ",
		"--kubeconfig=/s/admin.conf --provider=skeleton --kubectl-path=/a/kubectl --dns-domain=cluster.local"} {
		if !strings.Contains(got, want) {
			t.Errorf("args lack %q:\n%s", want, got)
		}
	}
}

func TestOptionsCheck(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ok := Options{E2ETest: file, Ginkgo: file, Kubectl: file, Kubeconfig: file, Parallel: 1, SpecTimeout: time.Minute, OutDir: dir}
	if err := ok.check(); err != nil {
		t.Fatalf("check = %v", err)
	}
	bad := ok
	bad.Ginkgo, bad.Parallel, bad.SpecTimeout = filepath.Join(dir, "missing"), 0, 0
	err := bad.check()
	for _, want := range []string{"ginkgo:", "parallel: 0 processes", "timeout: 0s"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("check = %v, want %q", err, want)
		}
	}
}

func TestOptionsAbsolute(t *testing.T) {
	o, err := Options{E2ETest: "bin/e2e.test", Ginkgo: "/c/ginkgo", Kubectl: "kubectl", Kubeconfig: "a.conf", OutDir: "r"}.absolute()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{o.E2ETest, o.Ginkgo, o.Kubectl, o.Kubeconfig, o.OutDir} {
		if !filepath.IsAbs(p) {
			t.Errorf("%s is relative: ginkgo runs in the reports directory", p)
		}
	}
}
