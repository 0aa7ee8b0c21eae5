//go:build e2e

package sandbox_test

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

	"kubeup.dev/kubeup/internal/sandbox"
	"kubeup.dev/kubeup/internal/sandbox/engine"
	"kubeup.dev/kubeup/internal/sandbox/nodeimage"
	"kubeup.dev/kubeup/internal/spec"
)

// TestSandboxE2E creates a real 3-node sandbox, runs commands on every
// node over SSH, deletes it and checks that nothing is left. It needs a
// Docker engine (hack/ensure-docker.sh) and root (to build the node image
// with debootstrap when it is not cached).
func TestSandboxE2E(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	d, err := engine.Connect(ctx)
	if err != nil {
		t.Fatalf("%v", err)
	}
	defer d.Close()
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	logw := testWriter{t}
	m := &sandbox.Manager{Engine: d, Host: sandbox.LocalHost{}, Prober: sandbox.SSHProber{}, Out: logw,
		Images: &nodeimage.Builder{Engine: d, Recipe: nodeimage.DefaultRecipe(), Progress: logw,
			CacheDir: filepath.Join(cache, "kubeup", "nodeimage"), Log: &out}}
	name := fmt.Sprintf("e2e-%d", time.Now().UnixNano()%100000)
	dir := t.TempDir()
	t.Cleanup(func() { m.Delete(context.Background(), name) })

	if _, _, err := m.Images.Ensure(ctx); err != nil { // not part of the timed create
		t.Fatalf("node image: %v\n%s", err, tail(out.String(), 40))
	}
	start := time.Now()
	sb, err := m.Create(ctx, sandbox.CreateOptions{Name: name, Nodes: 3, SpecPath: filepath.Join(dir, name+".yaml")})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	t.Logf("warm create of 3 nodes took %.1fs", time.Since(start).Seconds())

	checkSpecFile(t, sb.SpecPath)
	for _, n := range sb.Nodes {
		checkNode(ctx, t, m, name, n.Name)
	}
	checkCLI(t, name, dir)

	start = time.Now()
	found, err := m.Delete(ctx, name)
	if err != nil || !found {
		t.Fatalf("delete = %v, %v", found, err)
	}
	t.Logf("delete took %.1fs", time.Since(start).Seconds())
	checkNothingLeft(t, name)
	if found, err := m.Delete(ctx, name); err != nil || found {
		t.Errorf("second delete = %v, %v; want false, nil", found, err)
	}
}

// checkNode runs commands on a node over real SSH (key and known_hosts
// from the state directory).
func checkNode(ctx context.Context, t *testing.T, m *sandbox.Manager, name, node string) {
	t.Helper()
	tg, err := m.Target(ctx, name, node)
	if err != nil {
		t.Fatalf("target %s: %v", node, err)
	}
	for cmd, want := range map[string]string{
		"hostname":                                node,
		"systemctl is-active containerd":          "active",
		"systemctl is-system-running":             "running",
		"systemctl is-active ssh":                 "active",
		"test -x /opt/cni/bin/bridge && echo cni": "cni",
	} {
		var stdout, stderr bytes.Buffer
		code, err := sandbox.Run(ctx, tg, []string{cmd}, sandbox.Streams{In: strings.NewReader(""), Out: &stdout, Err: &stderr})
		if err != nil || code != 0 || strings.TrimSpace(stdout.String()) != want {
			t.Errorf("%s: %s = %q (exit %d, %v, stderr %q), want %q", node, cmd, stdout.String(), code, err, stderr.String(), want)
		}
	}
	code, err := sandbox.Run(ctx, tg, []string{"exit 7"}, sandbox.Streams{In: strings.NewReader(""), Out: &bytes.Buffer{}, Err: &bytes.Buffer{}})
	if err != nil || code != 7 {
		t.Errorf("%s: exit status = %d, %v; want 7", node, code, err)
	}
}

func checkSpecFile(t *testing.T, path string) {
	t.Helper()
	c, err := spec.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if ps := spec.Validate(c, spec.OSOptions(path)); ps.HasErrors() {
		t.Errorf("spec does not validate: %v", ps.Err())
	}
	if len(c.Spec.Hosts) != 3 || c.Spec.Sandbox == nil {
		t.Errorf("spec hosts = %d, sandbox = %v", len(c.Spec.Hosts), c.Spec.Sandbox)
	}
}

// checkCLI runs the kubeup binary (KUBEUP_BIN, set by make e2e) for list
// and ssh, whose exit status must be the remote command's.
func checkCLI(t *testing.T, name, dir string) {
	t.Helper()
	bin := os.Getenv("KUBEUP_BIN")
	if bin == "" {
		t.Log("KUBEUP_BIN not set: skipping the command line checks")
		return
	}
	list, err := exec.Command(bin, "sandbox", "list").CombinedOutput()
	if err != nil || !strings.Contains(string(list), name) || !strings.Contains(string(list), "running") {
		t.Errorf("sandbox list: %v\n%s", err, list)
	}
	cmd := exec.Command(bin, "sandbox", "ssh", name, "node2", "--", "hostname; exit 3")
	cmd.Dir = dir
	b, err := cmd.CombinedOutput()
	if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 3 || strings.TrimSpace(string(b)) != name+"-node2" {
		t.Errorf("kubeup sandbox ssh: %v, output %q; want exit 3 and the host name", err, b)
	}
}

// checkNothingLeft asks the docker CLI for anything labelled with the
// sandbox's name.
func checkNothingLeft(t *testing.T, name string) {
	t.Helper()
	for _, kind := range []string{"container", "volume", "network"} {
		args := []string{kind, "ls", "-q", "--filter", "label=dev.kubeup.sandbox=" + name}
		if kind == "container" {
			args = append(args, "-a")
		}
		out, err := exec.Command("docker", args...).CombinedOutput()
		if err != nil {
			t.Errorf("docker %v: %v\n%s", args, err, out)
			continue
		}
		if s := strings.TrimSpace(string(out)); s != "" {
			t.Errorf("%ss left after delete: %s", kind, s)
		}
	}
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// testWriter sends progress lines to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
