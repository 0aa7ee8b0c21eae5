package cli

import (
	"strings"
	"testing"
)

// TestConformanceRunRefusesBadInput: every mistake is named before
// anything is built or any host is touched.
func TestConformanceRunRefusesBadInput(t *testing.T) {
	fakeHome(t)
	t.Setenv("KUBECONFIG", "")
	spec := writeSpecFile(t, soloSpec)
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no cluster", nil, ExitUsage, "give -f FILE (a kubeup cluster) or --kubeconfig FILE (any cluster)"},
		{"kubeconfig without version", []string{"--kubeconfig", "/nonexistent"}, ExitUsage, "--kubernetes-version is required with --kubeconfig"},
		{"-f with --kubeconfig", []string{"-f", spec, "--kubeconfig", "k"}, ExitUsage, "drop --kubeconfig and --kubernetes-version"},
		{"zero processes", []string{"-f", spec, "--parallel", "0"}, ExitUsage, "--parallel 0: give 1 or more processes"},
		{"zero timeout", []string{"-f", spec, "--timeout", "0s"}, ExitUsage, "--timeout 0s: give a positive duration"},
		{"never applied", []string{"-f", spec}, ExitFailure, "has no admin kubeconfig"},
		{"missing kubeconfig", []string{"--kubeconfig", "/nonexistent/k", "--kubernetes-version", "v1.34.4"}, ExitUsage,
			"kubeconfig: stat /nonexistent/k: no such file or directory"},
		{"bad version", []string{"--kubeconfig", spec, "--kubernetes-version", "1.34"}, ExitUsage, "must start with v"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, append([]string{"conformance", "run"}, c.args...)...)
			if code != c.code || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errOut, c.code, c.want)
			}
		})
	}
}
