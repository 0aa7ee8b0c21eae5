package pki

import (
	"fmt"

	"kubeup.dev/kubeup/internal/spec"
)

// Load reads the certificate set c declares from dir without creating or
// re-issuing anything, for commands that only look (status, kubeconfig).
// Every file must exist and every key must match its certificate.
func Load(dir string, c *spec.Cluster) (*Store, error) {
	its, err := items(c)
	if err != nil {
		return nil, err
	}
	s := &Store{dir: dir}
	for _, it := range its {
		ent, err := s.load(it)
		if err != nil {
			return nil, err
		}
		s.entries = append(s.entries, ent)
	}
	return s, nil
}

func (s *Store) load(it item) (*entry, error) {
	certPEM, keyPEM, err := s.read(it)
	if err != nil {
		return nil, err
	}
	certPath, keyPath := s.paths(it)
	if certPEM == nil || keyPEM == nil {
		return nil, fmt.Errorf("%s or %s is missing: run 'kubeup apply' to create the cluster's certificates",
			certPath, keyPath)
	}
	var ent *entry
	if it.kind == kindKeyPair {
		ent, err = loadKeyPair(it, keyPEM)
	} else {
		ent, err = loadEntry(it, certPEM, keyPEM)
	}
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", certPath, err)
	}
	return ent, nil
}
