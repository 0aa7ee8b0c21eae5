package pki

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"kubeup.dev/kubeup/internal/atomicfile"
)

// entry is one loaded or issued certificate (or key pair) with its PEM.
type entry struct {
	item
	cert    *x509.Certificate // nil for a key pair
	key     crypto.Signer
	certPEM []byte // the public key PEM for a key pair
	keyPEM  []byte
}

// Store is the cluster's certificate set, as kept in the local state
// directory (state.PKIDir), in catalog order.
type Store struct {
	dir     string
	entries []*entry
}

// get returns the entry called name.
func (s *Store) get(name string) (*entry, bool) {
	for _, e := range s.entries {
		if e.name == name {
			return e, true
		}
	}
	return nil, false
}

// CACert returns the cluster CA certificate (PEM).
func (s *Store) CACert() []byte {
	e, _ := s.get(CA)
	return e.certPEM
}

// KeyPair returns the certificate and private key PEM of the certificate
// called name (for example Admin or KubeProxy).
func (s *Store) KeyPair(name string) (certPEM, keyPEM []byte, err error) {
	e, ok := s.get(name)
	if !ok || e.cert == nil {
		return nil, nil, fmt.Errorf("no certificate %q in the PKI store", name)
	}
	return e.certPEM, e.keyPEM, nil
}

// Expiries lists the validity of every certificate in catalog order.
func (s *Store) Expiries() []Expiry {
	var out []Expiry
	for _, e := range s.entries {
		if e.cert == nil {
			continue
		}
		out = append(out, Expiry{Name: e.name, CA: e.ca, Subject: e.cert.Subject.CommonName,
			NotBefore: e.cert.NotBefore, NotAfter: e.cert.NotAfter})
	}
	return out
}

// paths returns the local certificate (or public key) and key paths.
func (s *Store) paths(it item) (certPath, keyPath string) {
	base := filepath.Join(s.dir, filepath.FromSlash(it.name))
	if it.kind == kindKeyPair {
		return base + ".pub", base + ".key"
	}
	return base + ".crt", base + ".key"
}

// read returns the local PEM files of it; nil when a file does not exist.
func (s *Store) read(it item) (certPEM, keyPEM []byte, err error) {
	certPath, keyPath := s.paths(it)
	if certPEM, err = readOptional(certPath); err != nil {
		return nil, nil, err
	}
	if keyPEM, err = readOptional(keyPath); err != nil {
		return nil, nil, err
	}
	return certPEM, keyPEM, nil
}

func readOptional(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return b, nil
}

// write saves an entry: the key 0600 first, then the certificate 0644.
func (s *Store) write(e *entry) error {
	certPath, keyPath := s.paths(e.item)
	if err := atomicfile.WriteFile(keyPath, e.keyPEM, 0o600); err != nil {
		return err
	}
	return atomicfile.WriteFile(certPath, e.certPEM, 0o644)
}
