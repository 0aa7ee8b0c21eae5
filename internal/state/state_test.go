package state

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

func TestSecretsCreatedOnceAndPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".kubeup", "demo")
	s1, err := LoadOrCreateSecrets(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[a-z0-9]{6}\.[a-z0-9]{16}$`).MatchString(s1.BootstrapToken()) {
		t.Errorf("token %q has the wrong form", s1.BootstrapToken())
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
	if err := os.WriteFile(filepath.Join(dir, "secrets.yaml"), []byte("bootstrapTokenID: abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateSecrets(dir, nil); err == nil {
		t.Fatal("want error for incomplete secrets")
	}
}

func TestRandomTokenIsUniformAlphabet(t *testing.T) {
	// 255 is rejected (bias), 0 maps to 'a', 35 to '9'.
	tok, err := randomToken(bytes.NewReader([]byte{255, 0, 35}), 2)
	if err != nil || tok != "a9" {
		t.Fatalf("token %q err %v", tok, err)
	}
}

func TestDirIsBesideSpec(t *testing.T) {
	if got := Dir("/x/y/cluster.yaml", "demo"); got != "/x/y/.kubeup/demo" {
		t.Errorf("Dir = %s", got)
	}
}
