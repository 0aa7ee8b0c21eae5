//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestApplyOnSandbox is issue 5's end-to-end test: a sandbox of 1 control
// plane and 2 workers, kubeup apply (which validates with smoke tests), an
// outside kubectl that sees 3 Ready nodes, status, a re-apply that changes
// nothing, and failures that name the host, phase and fix.
func TestApplyOnSandbox(t *testing.T) {
	kubeup := kubeupBin(t)
	dir := t.TempDir()
	name := fmt.Sprintf("e2e%d", time.Now().UnixNano()%100000)
	specPath := filepath.Join(dir, name+".yaml")

	must(t, dir, 60*time.Minute, kubeup, "artifacts", "build", "--kubernetes-version", k8sVersion)
	t.Cleanup(func() { run(t, dir, 2*time.Minute, kubeup, "sandbox", "delete", "--name", name) })
	must(t, dir, 15*time.Minute, kubeup, "sandbox", "create", "--name", name, "--nodes", "3", "--control-planes", "1", "-f", specPath)

	r := must(t, dir, 15*time.Minute, kubeup, "apply", "-f", specPath)
	t.Logf("cold apply of 1 control plane + 2 workers took %.1fs", r.took.Seconds())
	for _, want := range []string{"every host is a Ready node", "smoke: pods on every node", "is ready"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("apply output lacks %q:\n%s", want, r.out)
		}
	}

	kubectl := filepath.Join(cacheRoot(t), "artifacts", k8sVersion, "amd64", "bin", "kubectl")
	kubeconfig := filepath.Join(dir, ".kubeup", name, "admin.conf")
	nodes := must(t, dir, time.Minute, kubectl, "--kubeconfig", kubeconfig, "get", "nodes",
		"-o", `jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}`)
	ready := strings.Count(nodes.out, "=True")
	if ready != 3 {
		t.Fatalf("outside kubectl sees %d Ready nodes, want 3:\n%s", ready, nodes.out)
	}

	st := must(t, dir, 5*time.Minute, kubeup, "status", "-f", specPath, "--smoke")
	if !strings.Contains(st.out, "etcd healthy") || !strings.Contains(st.out, "certificate apiserver expires") {
		t.Errorf("status output incomplete:\n%s", st.out)
	}

	again := must(t, dir, 10*time.Minute, kubeup, "apply", "-f", specPath, "--skip-smoke")
	t.Logf("re-apply took %.1fs", again.took.Seconds())
	if !strings.Contains(again.out, "nothing changed") {
		t.Errorf("re-apply changed something:\n%s\n%s", again.out, tail(again.err, 40))
	}

	checkWrongKey(t, kubeup, dir, specPath)
	checkUnreachableHost(t, kubeup, dir, specPath)
}

// checkWrongKey: a key the nodes do not accept fails in the connect phase
// naming the host and what to check.
func checkWrongKey(t *testing.T, kubeup, dir, specPath string) {
	t.Helper()
	key := filepath.Join(dir, "wrong_key")
	must(t, dir, time.Minute, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key)
	b, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "wrongkey.yaml")
	if err := os.WriteFile(bad, []byte(replaceKeyPaths(string(b), key)), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, dir, 2*time.Minute, kubeup, "apply", "-f", bad)
	msg := r.err + r.out
	if r.code == 0 || !strings.Contains(msg, "connect") || !strings.Contains(msg, "authentication") || !strings.Contains(msg, "keyPath") {
		t.Errorf("wrong key: exit %d, want a connect error naming authentication and keyPath:\n%s", r.code, tail(msg, 20))
	}
}

func replaceKeyPaths(doc, key string) string {
	var out []string
	for _, l := range strings.Split(doc, "\n") {
		if strings.Contains(l, "keyPath:") {
			l = l[:strings.Index(l, "keyPath:")] + "keyPath: " + key
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// checkUnreachableHost: a host that does not answer fails within the SSH
// timeout, naming the host.
func checkUnreachableHost(t *testing.T, kubeup, dir, specPath string) {
	t.Helper()
	b, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i := strings.LastIndex(doc, "address: ")
	j := i + strings.Index(doc[i:], "\n")
	bad := filepath.Join(dir, "unreachable.yaml")
	if err := os.WriteFile(bad, []byte(doc[:i]+"address: 192.0.2.10"+doc[j:]), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, dir, 2*time.Minute, kubeup, "apply", "-f", bad, "--ssh-timeout", "5s")
	msg := r.err + r.out
	if r.code == 0 || !strings.Contains(msg, "192.0.2.10") || r.took > 60*time.Second {
		t.Errorf("unreachable host: exit %d after %s, want a failure naming 192.0.2.10 within the timeout:\n%s", r.code, r.took, tail(msg, 20))
	}
}
