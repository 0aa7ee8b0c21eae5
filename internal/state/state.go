// Package state manages a cluster's local state directory
// (.kubeup/<cluster>/ beside the spec): its location and the generated
// secrets (the encryption key), kept 0600.
package state

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"kubeup.dev/kubeup/internal/atomicfile"
)

// Dir returns the state directory for cluster name beside the spec file.
func Dir(specPath, name string) string {
	return filepath.Join(filepath.Dir(specPath), ".kubeup", name)
}

// PKIDir is where the cluster's CA and certificates are kept locally.
func PKIDir(dir string) string { return filepath.Join(dir, "pki") }

// Secrets are generated once per cluster and reused on every run.
type Secrets struct {
	// BootstrapTokenID and BootstrapTokenSecret are the cluster-wide,
	// never-expiring bootstrap token older kubeup versions made; read only
	// so that apply can delete its Secret from the cluster (nodes now join
	// with tokens of their own that expire and are deleted once used).
	BootstrapTokenID     string `yaml:"bootstrapTokenID,omitempty"`
	BootstrapTokenSecret string `yaml:"bootstrapTokenSecret,omitempty"`
	// EncryptionKey is the base64 of 32 random bytes for aescbc/secretbox
	// encryption of Secrets at rest.
	EncryptionKey string `yaml:"encryptionKey"`
}

// Values are the secret strings, for redaction.
func (s *Secrets) Values() []string {
	out := []string{s.EncryptionKey}
	if s.BootstrapTokenID != "" {
		out = append(out, s.BootstrapTokenID+"."+s.BootstrapTokenSecret, s.BootstrapTokenSecret)
	}
	return out
}

const secretsFile = "secrets.yaml"

// LoadOrCreateSecrets reads dir/secrets.yaml, creating it (0600) with fresh
// random values from r when it does not exist.
func LoadOrCreateSecrets(dir string, r io.Reader) (*Secrets, error) {
	p := filepath.Join(dir, secretsFile)
	b, err := os.ReadFile(p)
	if err == nil {
		var s Secrets
		if err := yaml.Unmarshal(b, &s); err != nil {
			return nil, fmt.Errorf("read %s: %w (restore it from a control-plane host's %s)", p, err, "/var/lib/kubeup")
		}
		if s.EncryptionKey == "" {
			return nil, fmt.Errorf("%s is incomplete: restore it from backup or a control-plane host", p)
		}
		return &s, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read secrets: %w", err)
	}
	s, err := newSecrets(r)
	if err != nil {
		return nil, err
	}
	out, err := yaml.Marshal(s)
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(p, out, 0o600); err != nil {
		return nil, err
	}
	return s, nil
}

func newSecrets(r io.Reader) (*Secrets, error) {
	if r == nil {
		r = rand.Reader
	}
	key := make([]byte, 32)
	if _, err := io.ReadFull(r, key); err != nil {
		return nil, fmt.Errorf("generate encryption key: %w", err)
	}
	return &Secrets{EncryptionKey: base64.StdEncoding.EncodeToString(key)}, nil
}
