package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/plan"
	"kubeup.dev/kubeup/internal/spec"
)

func planTestSpec(t *testing.T) string {
	t.Helper()
	fakeHome(t)
	return writeSpecFile(t, string(spec.Example()))
}

func TestPlanWritesEveryHostAndIsDeterministic(t *testing.T) {
	specPath := planTestSpec(t)
	out1 := filepath.Join(t.TempDir(), "p1")
	out2 := filepath.Join(t.TempDir(), "p2")
	if code, _, stderr := runCLI(t, "plan", "-f", specPath, "--out", out1); code != 0 {
		t.Fatalf("plan exit %d: %s", code, stderr)
	}
	code, stdout, stderr := runCLI(t, "plan", "-f", specPath, "--out", out2)
	if code != 0 || !strings.Contains(stdout, "for 3 hosts") || !strings.Contains(stderr, "reused") {
		t.Fatalf("second plan exit %d: %s %s", code, stdout, stderr)
	}
	m1, _ := os.ReadFile(filepath.Join(out1, "manifest.json"))
	m2, _ := os.ReadFile(filepath.Join(out2, "manifest.json"))
	if len(m1) == 0 || string(m1) != string(m2) {
		t.Fatal("same state in did not give the same manifest out")
	}
	var entries []plan.Entry
	if err := json.Unmarshal(m1, &entries); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		st, err := os.Stat(filepath.Join(out1, e.Host, e.Path))
		if err != nil {
			t.Fatalf("manifest lists %s on %s but the file is missing: %v", e.Path, e.Host, err)
		}
		if got := st.Mode().Perm(); e.Mode != fmt.Sprintf("%04o", uint32(got)) {
			t.Errorf("%s %s: manifest mode %s, file mode %o", e.Host, e.Path, e.Mode, got)
		}
	}
}

// TestPlanLeavesVerifyWithOpenSSL runs the real openssl verify on every
// certificate in the plan output against the CA that signs it.
func TestPlanLeavesVerifyWithOpenSSL(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatal("openssl is required (make test installs it)")
	}
	specPath := planTestSpec(t)
	out := filepath.Join(t.TempDir(), "plan")
	if code, _, stderr := runCLI(t, "plan", "-f", specPath, "--out", out); code != 0 {
		t.Fatalf("plan exit %d: %s", code, stderr)
	}
	pki := filepath.Join(out, "node1", "etc", "kubernetes", "pki")
	leaves := map[string]string{
		"apiserver.crt": "ca.crt", "apiserver-kubelet-client.crt": "ca.crt",
		"front-proxy-client.crt": "front-proxy-ca.crt", "apiserver-etcd-client.crt": "etcd/ca.crt",
		"etcd/server.crt": "etcd/ca.crt", "etcd/peer.crt": "etcd/ca.crt", "etcd/healthcheck-client.crt": "etcd/ca.crt",
	}
	for leaf, ca := range leaves {
		cmd := exec.Command("openssl", "verify", "-CAfile", filepath.Join(pki, ca), filepath.Join(pki, leaf))
		b, err := cmd.CombinedOutput()
		if err != nil || !strings.HasSuffix(strings.TrimSpace(string(b)), ": OK") {
			t.Errorf("openssl verify %s against %s: %v: %s", leaf, ca, err, b)
		}
	}
	worker := filepath.Join(out, "node2", "etc", "kubernetes", "pki")
	if _, err := os.Stat(filepath.Join(worker, "ca.key")); !os.IsNotExist(err) {
		t.Error("a worker received the CA private key")
	}
}

func TestPlanUsageAndInvalidSpec(t *testing.T) {
	specPath := planTestSpec(t)
	if code, _, _ := runCLI(t, "plan", "-f", specPath); code != ExitUsage {
		t.Errorf("plan without --out: exit %d, want %d", code, ExitUsage)
	}
	bad := writeSpecFile(t, strings.Replace(string(spec.Example()), "podCIDR: 10.244.0.0/16", "podCIDR: 10.96.0.0/16", 1))
	code, _, stderr := runCLI(t, "plan", "-f", bad, "--out", filepath.Join(t.TempDir(), "x"))
	if code != ExitInvalid || !strings.Contains(stderr, "spec.network") {
		t.Errorf("overlapping CIDRs: exit %d, stderr %s", code, stderr)
	}
}

// TestPlanRefusesTheSpecDirectory: plan --out pointed at the spec's own
// directory once renamed it away and deleted the spec, the CA key and
// secrets.yaml. Now it exits 2 with the reason and changes nothing there,
// while an earlier plan's directory is still replaced.
func TestPlanRefusesTheSpecDirectory(t *testing.T) {
	specPath := planTestSpec(t)
	dir := filepath.Dir(specPath)
	out := filepath.Join(t.TempDir(), "plan")
	if code, _, stderr := runCLI(t, "plan", "-f", specPath, "--out", out); code != 0 {
		t.Fatalf("plan exit %d: %s", code, stderr)
	}
	caKey := filepath.Join(dir, ".kubeup", "demo", "pki", "ca.key")
	key, err := os.ReadFile(caKey)
	if err != nil {
		t.Fatalf("the first plan made no CA key: %v", err)
	}
	code, stdout, stderr := runCLI(t, "plan", "-f", specPath, "--out", dir)
	if code != ExitUsage || !strings.Contains(stderr, "plan output "+dir+": it is not empty and holds no manifest.json") ||
		!strings.Contains(stderr, "nothing was changed: pass --out an empty or new directory") {
		t.Fatalf("plan --out the spec's directory: exit %d\n%s%s", code, stdout, stderr)
	}
	if b, err := os.ReadFile(caKey); err != nil || string(b) != string(key) {
		t.Fatalf("the CA key changed or went: %v", err)
	}
	if _, err := os.Stat(specPath); err != nil {
		t.Fatalf("the spec went: %v", err)
	}
	if err := os.WriteFile(filepath.Join(out, "notes.txt"), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "plan", "-f", specPath, "--out", out); code != ExitUsage || !strings.Contains(stderr, "it holds notes.txt that kubeup plan did not write") {
		t.Fatalf("plan over a plan with a foreign file: exit %d: %s", code, stderr)
	}
	if err := os.Remove(filepath.Join(out, "notes.txt")); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "plan", "-f", specPath, "--out", out); code != 0 {
		t.Fatalf("plan over an earlier plan: exit %d: %s", code, stderr)
	}
}

// TestPlanChecksTheDirectoryBeforeTheState: a refused --out creates no CA.
func TestPlanChecksTheDirectoryBeforeTheState(t *testing.T) {
	specPath := planTestSpec(t)
	out := t.TempDir()
	if err := os.WriteFile(filepath.Join(out, "x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := runCLI(t, "plan", "-f", specPath, "--out", out); code != ExitUsage {
		t.Fatalf("exit %d, want %d", code, ExitUsage)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(specPath), ".kubeup")); !os.IsNotExist(err) {
		t.Errorf("a refused plan made the state directory: %v", err)
	}
}
