package state

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"
)

func TestSecretsCreatedOnceAndPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".kubeup", "demo")
	s1, err := LoadOrCreateSecrets(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s1.BootstrapTokenID != "" || s1.BootstrapTokenSecret != "" {
		t.Errorf("new secrets carry a cluster-wide bootstrap token %+v", s1)
	}
	key, err := base64.StdEncoding.DecodeString(s1.EncryptionKey)
	if err != nil || len(key) != 32 {
		t.Errorf("encryption key: %v len %d", err, len(key))
	}
	st, err := os.Stat(filepath.Join(dir, "secrets.yaml"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("secrets file mode: %v %v", err, st)
	}
	s2, err := LoadOrCreateSecrets(dir, bytes.NewReader(make([]byte, 100)))
	if err != nil {
		t.Fatal(err)
	}
	if *s2 != *s1 {
		t.Error("secrets regenerated on second load")
	}
}

func TestIncompleteSecretsIsAnError(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "secrets.yaml"), []byte("bootstrapTokenID: abcdef\nbootstrapTokenSecret: 0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateSecrets(dir, nil); err == nil {
		t.Fatal("want error for incomplete secrets")
	}
}

func TestDirIsBesideSpec(t *testing.T) {
	if got := Dir("/x/y/cluster.yaml", "demo"); got != "/x/y/.kubeup/demo" {
		t.Errorf("Dir = %s", got)
	}
}
