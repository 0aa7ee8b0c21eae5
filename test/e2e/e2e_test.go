//go:build e2e

// Package e2e holds kubeup's end-to-end tests: the real kubeup binary
// creates a sandbox of node containers, deploys a cluster onto it over SSH,
// and the tests check it the way a user would, then remove everything.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kubeup.dev/kubeup/internal/versions"
)

// k8sVersion is the Kubernetes version the e2e tier deploys: kubeup's
// default.
func k8sVersion() string { return versions.Default() }

// smokeImage is kubeup's test image of k8sVersion.
func smokeImage(t *testing.T) string {
	t.Helper()
	set, err := versions.For(k8sVersion())
	if err != nil {
		t.Fatal(err)
	}
	return set.SmokeTestImage()
}

// kubeupBin returns the kubeup binary: $KUBEUP_BIN (make sets it) or one
// built into the test's temporary directory.
func kubeupBin(t *testing.T) string {
	t.Helper()
	if b := os.Getenv("KUBEUP_BIN"); b != "" {
		return b
	}
	bin := filepath.Join(t.TempDir(), "kubeup")
	cmd := exec.Command("go", "build", "-o", bin, "kubeup.dev/kubeup/cmd/kubeup")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build kubeup: %v\n%s", err, out)
	}
	return bin
}

// result is a finished command.
type result struct {
	code     int
	out, err string
	took     time.Duration
}

// run executes a command in dir with a deadline and returns its result.
func run(t *testing.T, dir string, timeout time.Duration, name string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := result{out: stdout.String(), err: stderr.String(), took: time.Since(start)}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return r
}

// must runs a command that must succeed.
func must(t *testing.T, dir string, timeout time.Duration, name string, args ...string) result {
	t.Helper()
	r := run(t, dir, timeout, name, args...)
	if r.code != 0 {
		t.Fatalf("%s %s: exit %d\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), r.code, r.out, tail(r.err, 60))
	}
	return r
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// cacheRoot is where kubeup keeps artifacts.
func cacheRoot(t *testing.T) string {
	if c := os.Getenv("KUBEUP_CACHE"); c != "" {
		return c
	}
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(home, ".cache", "kubeup")
}

// newSandbox builds the artifacts (cached), creates a sandbox named
// prefix and a number, of nodes node containers whose first
// controlPlanes are control-plane and etcd hosts, deleted when the test
// ends. It returns the kubeup binary, the test's working directory, the
// sandbox's name and the path of its spec.
func newSandbox(t *testing.T, prefix string, nodes, controlPlanes int) (kubeup, dir, name, specPath string) {
	t.Helper()
	kubeup = kubeupBin(t)
	dir = t.TempDir()
	name = fmt.Sprintf("%s%d", prefix, time.Now().UnixNano()%100000)
	specPath = filepath.Join(dir, name+".yaml")
	must(t, dir, 60*time.Minute, kubeup, "artifacts", "build", "--kubernetes-version", k8sVersion())
	t.Cleanup(func() { run(t, dir, 2*time.Minute, kubeup, "sandbox", "delete", "--name", name) })
	must(t, dir, 15*time.Minute, kubeup, "sandbox", "create", "--name", name, "--nodes", fmt.Sprint(nodes),
		"--control-planes", fmt.Sprint(controlPlanes), "-f", specPath)
	return kubeup, dir, name, specPath
}
