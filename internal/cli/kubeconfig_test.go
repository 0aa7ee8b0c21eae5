package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

func TestKubeconfigNeedsStateFirst(t *testing.T) {
	specPath := planTestSpec(t)
	code, _, stderr := runCLI(t, "kubeconfig", "-f", specPath)
	if code != ExitFailure || !strings.Contains(stderr, "run kubeup apply -f") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

func TestKubeconfigWritesPrivateFileAndMerges(t *testing.T) {
	specPath := planTestSpec(t)
	if code, _, stderr := runCLI(t, "plan", "-f", specPath, "--out", filepath.Join(t.TempDir(), "p")); code != 0 {
		t.Fatal(stderr)
	}
	p := filepath.Join(t.TempDir(), "admin.conf")
	code, stdout, stderr := runCLI(t, "kubeconfig", "-f", specPath, "--out", p)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	st, err := os.Stat(p)
	if err != nil || st.Mode().Perm() != 0o600 || !strings.Contains(stdout, "wrote "+p+" (0600)") {
		t.Fatalf("--out: %v %v, stdout %q", err, st, stdout)
	}
	if strings.Contains(stdout, "PRIVATE KEY") || strings.Contains(stdout, "client-key-data") {
		t.Fatal("the key was printed with --out")
	}
	if _, err := clientcmd.LoadFromFile(p); err != nil {
		t.Fatalf("--out wrote no kubeconfig: %v", err)
	}

	user := filepath.Join(t.TempDir(), "config")
	existing := clientcmdapi.NewConfig()
	existing.Clusters["other"] = &clientcmdapi.Cluster{Server: "https://other:6443"}
	existing.Contexts["other"] = &clientcmdapi.Context{Cluster: "other"}
	existing.CurrentContext = "other"
	if err := clientcmd.WriteToFile(*existing, user); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBECONFIG", user)
	if code, _, stderr := runCLI(t, "kubeconfig", "-f", specPath, "--merge"); code != 0 {
		t.Fatalf("merge exit %d: %s", code, stderr)
	}
	merged, err := clientcmd.LoadFromFile(user)
	if err != nil {
		t.Fatal(err)
	}
	if merged.Clusters["other"] == nil || merged.Clusters["demo"] == nil || merged.CurrentContext != "demo" {
		t.Fatalf("merge result: clusters %v current %q", len(merged.Clusters), merged.CurrentContext)
	}
	if code, _, _ := runCLI(t, "kubeconfig", "-f", specPath, "--merge", "--out", "x"); code != ExitUsage {
		t.Errorf("--merge with --out: exit %d", code)
	}
}

// TestKubeconfigPrintsOnStdout: kubeup kubeconfig -f FILE prints the admin
// kubeconfig, as kind get kubeconfig does, and writes no file.
func TestKubeconfigPrintsOnStdout(t *testing.T) {
	specPath := planTestSpec(t)
	if code, _, stderr := runCLI(t, "plan", "-f", specPath, "--out", filepath.Join(t.TempDir(), "p")); code != 0 {
		t.Fatal(stderr)
	}
	for _, args := range [][]string{{}, {"--out", "-"}} {
		code, stdout, stderr := runCLI(t, append([]string{"kubeconfig", "-f", specPath}, args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		cfg, err := clientcmd.Load([]byte(stdout))
		if err != nil || cfg.CurrentContext != "demo" || cfg.AuthInfos[cfg.Contexts["demo"].AuthInfo] == nil ||
			len(cfg.AuthInfos[cfg.Contexts["demo"].AuthInfo].ClientKeyData) == 0 {
			t.Fatalf("%v: stdout is not the admin kubeconfig (%v):\n%s", args, err, stdout)
		}
		if cfg.Clusters["demo"] == nil || cfg.Clusters["demo"].Server != "https://192.168.10.11:6443" {
			t.Errorf("%v: clusters %v", args, cfg.Clusters)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(specPath), ".kubeup", "demo", "admin.conf")); !os.IsNotExist(err) {
		t.Errorf("printing wrote admin.conf: %v", err)
	}
}
