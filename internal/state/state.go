// Package state manages a cluster's local state directory
// (.kubeup/<cluster>/ beside the spec): its location and the generated
// secrets (bootstrap token, encryption key), kept 0600.
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
	// BootstrapTokenID and BootstrapTokenSecret form the kubelet TLS
	// bootstrap token "<id>.<secret>" ([a-z0-9]{6}.[a-z0-9]{16}).
	BootstrapTokenID     string `yaml:"bootstrapTokenID"`
	BootstrapTokenSecret string `yaml:"bootstrapTokenSecret"`
	// EncryptionKey is the base64 of 32 random bytes for aescbc/secretbox
	// encryption of Secrets at rest.
	EncryptionKey string `yaml:"encryptionKey"`
}

// BootstrapToken returns "<id>.<secret>".
func (s *Secrets) BootstrapToken() string {
	return s.BootstrapTokenID + "." + s.BootstrapTokenSecret
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
		if s.BootstrapTokenID == "" || s.BootstrapTokenSecret == "" || s.EncryptionKey == "" {
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
	id, err := randomToken(r, 6)
	if err != nil {
		return nil, err
	}
	secret, err := randomToken(r, 16)
	if err != nil {
		return nil, err
	}
	key := make([]byte, 32)
	if _, err := io.ReadFull(r, key); err != nil {
		return nil, fmt.Errorf("generate encryption key: %w", err)
	}
	return &Secrets{BootstrapTokenID: id, BootstrapTokenSecret: secret,
		EncryptionKey: base64.StdEncoding.EncodeToString(key)}, nil
}

const tokenChars = "abcdefghijklmnopqrstuvwxyz0123456789"

// randomToken returns n characters from [a-z0-9] without modulo bias.
func randomToken(r io.Reader, n int) (string, error) {
	out := make([]byte, 0, n)
	buf := make([]byte, 1)
	for len(out) < n {
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", fmt.Errorf("generate token: %w", err)
		}
		if int(buf[0]) >= 256-(256%len(tokenChars)) {
			continue
		}
		out = append(out, tokenChars[int(buf[0])%len(tokenChars)])
	}
	return string(out), nil
}
