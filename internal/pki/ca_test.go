package pki

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestBrokenCAIsAnErrorAndIsKept(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		breakIt func(t *testing.T, dir string)
		now     time.Time
		want    string
	}{
		{"corrupt certificate", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "ca.crt"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
		}, testNow, "unreadable certificate"},
		{"mismatched key", func(t *testing.T, dir string) {
			copyFile(t, filepath.Join(dir, "front-proxy-ca.key"), filepath.Join(dir, "ca.key"))
		}, testNow, "the key does not match the certificate"},
		{"key missing", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "etcd", "ca.key"))
		}, testNow, "only one of"},
		{"leaf certificate in place of the CA", func(t *testing.T, dir string) {
			copyFile(t, filepath.Join(dir, "front-proxy-client.crt"), filepath.Join(dir, "front-proxy-ca.crt"))
			copyFile(t, filepath.Join(dir, "front-proxy-client.key"), filepath.Join(dir, "front-proxy-ca.key"))
		}, testNow, "not a certificate authority"},
		{"CA deleted but its leaves remain", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "ca.crt"))
			os.Remove(filepath.Join(dir, "ca.key"))
		}, testNow, "apiserver.crt (which it signed) exists"},
		{"expired", func(*testing.T, string) {}, testNow.Add(11 * 365 * 24 * time.Hour), "expired on"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			mustEnsure(t, dir, testCluster(), testNow)
			tt.breakIt(t, dir)
			before := snapshot(t, dir)
			_, _, err := Ensure(dir, testCluster(), tt.now, testRand(9))
			if err == nil {
				t.Fatal("Ensure succeeded with a broken CA")
			}
			for _, w := range []string{tt.want, "never replaces a CA", "restore"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			assertUnchanged(t, before, snapshot(t, dir))
		})
	}
}

func assertUnchanged(t *testing.T, before, after map[string][]byte) {
	t.Helper()
	if len(before) != len(after) {
		t.Errorf("%d files before, %d after", len(before), len(after))
	}
	for p, b := range before {
		if !bytes.Equal(after[p], b) {
			t.Errorf("%s was overwritten", p)
		}
	}
}

func TestServiceAccountKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := testCluster()
	mustEnsure(t, dir, c, testNow)
	pub, _ := os.ReadFile(filepath.Join(dir, "sa.pub"))
	os.Remove(filepath.Join(dir, "sa.pub"))
	_, changes := mustEnsure(t, dir, c, testNow)
	assertActions(t, changes, Reused, map[string]Action{"sa": Reissued})
	if again, _ := os.ReadFile(filepath.Join(dir, "sa.pub")); !bytes.Equal(again, pub) {
		t.Errorf("sa.pub not rebuilt from sa.key")
	}

	writeFile(t, filepath.Join(dir, "sa.key"), "garbage")
	_, _, err := Ensure(dir, c, testNow, testRand(1))
	if err == nil || !strings.Contains(err.Error(), "invalidate every service account token") {
		t.Fatalf("corrupt sa.key: err %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "sa.key")); string(b) != "garbage" {
		t.Errorf("corrupt sa.key was overwritten")
	}
}

func TestUnknownAlgorithm(t *testing.T) {
	t.Parallel()
	c := testCluster()
	c.Spec.PKI.KeyAlgorithm = "dsa"
	_, _, err := Ensure(t.TempDir(), c, testNow, testRand(1))
	if err == nil || !strings.Contains(err.Error(), "spec.pki.keyAlgorithm") {
		t.Fatalf("err %v, want one naming spec.pki.keyAlgorithm", err)
	}
}
