package pki

import (
	"crypto/x509"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestOpenSSLVerifiesEveryLeaf runs the real openssl verify on each leaf
// against its CA, at the test clock and for the leaf's purpose.
func TestOpenSSLVerifiesEveryLeaf(t *testing.T) {
	t.Parallel()
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatal("openssl is not installed: install it (apt-get install openssl)")
	}
	dir := t.TempDir()
	mustEnsure(t, dir, testCluster(), testNow)
	for name, w := range expectedLeaves() {
		caFile := filepath.Join(dir, filepath.FromSlash(w.ca)+".crt")
		leaf := filepath.Join(dir, filepath.FromSlash(name)+".crt")
		purpose := "sslclient"
		if slices.Contains(w.ext, x509.ExtKeyUsageServerAuth) {
			purpose = "sslserver"
		}
		out, err := exec.Command(openssl, "verify", "-attime", fmt.Sprint(testNow.Unix()),
			"-purpose", purpose, "-CAfile", caFile, leaf).CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != leaf+": OK" {
			t.Errorf("openssl verify %s against %s: %v\n%s", name, w.ca, err, out)
		}
	}
}
