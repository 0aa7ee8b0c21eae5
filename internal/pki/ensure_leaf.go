package pki

import (
	"bytes"
	"fmt"
)

// ensureLeaf reuses a leaf that still fits the spec and re-issues it
// otherwise. Its CA was ensured before it (catalog order).
func (e *ensurer) ensureLeaf(it item) (Change, error) {
	ca, ok := e.store.get(it.ca)
	if !ok {
		return Change{}, fmt.Errorf("certificate %s: its CA %s is not in the catalog before it", it.name, it.ca)
	}
	certPEM, keyPEM, err := e.store.read(it)
	if err != nil {
		return Change{}, err
	}
	if certPEM == nil && keyPEM == nil {
		return e.issueLeaf(it, ca, Change{Name: it.name, Action: Created})
	}
	ent, reason := e.checkLeaf(it, ca, certPEM, keyPEM)
	if reason == "" {
		return Change{Name: it.name, Action: Reused}, e.keep(ent, false)
	}
	return e.issueLeaf(it, ca, Change{Name: it.name, Action: Reissued, Reason: reason})
}

// checkLeaf loads a leaf and says why it must be re-issued ("" if not).
func (e *ensurer) checkLeaf(it item, ca *entry, certPEM, keyPEM []byte) (*entry, string) {
	if certPEM == nil || keyPEM == nil {
		return nil, "certificate or key missing"
	}
	ent, err := loadEntry(it, certPEM, keyPEM)
	if err != nil {
		return nil, err.Error()
	}
	return ent, leafProblem(ent, ca, e.alg, e.now)
}

func (e *ensurer) issueLeaf(it item, ca *entry, ch Change) (Change, error) {
	ent, err := it.issue(ca, e.alg, e.now, e.leafLife, e.rnd)
	if err != nil {
		return Change{}, err
	}
	return ch, e.keep(ent, true)
}

// ensureKeyPair loads the service account key, or creates it when absent.
// An unreadable key is an error: replacing it would invalidate every
// service account token. The public key is rewritten when it differs.
func (e *ensurer) ensureKeyPair(it item) (Change, error) {
	pubPEM, keyPEM, err := e.store.read(it)
	if err != nil {
		return Change{}, err
	}
	if keyPEM == nil {
		return e.createKeyPair(it)
	}
	ent, err := loadKeyPair(it, keyPEM)
	if err != nil {
		_, keyPath := e.store.paths(it)
		return Change{}, fmt.Errorf("service account key %s: %w. Replacing it would invalidate every "+
			"service account token: restore it from a control-plane host's %s", keyPath, err, it.hostKey)
	}
	if bytes.Equal(pubPEM, ent.certPEM) {
		return Change{Name: it.name, Action: Reused}, e.keep(ent, false)
	}
	ch := Change{Name: it.name, Action: Reissued, Reason: "public key rewritten from the private key"}
	return ch, e.keep(ent, true)
}

func (e *ensurer) createKeyPair(it item) (Change, error) {
	key, err := generateKey(e.alg, e.rnd)
	if err != nil {
		return Change{}, fmt.Errorf("generate %s: %w", it.name, err)
	}
	keyPEM, err := encodeKey(key)
	if err != nil {
		return Change{}, fmt.Errorf("generate %s: %w", it.name, err)
	}
	ent, err := loadKeyPair(it, keyPEM)
	if err != nil {
		return Change{}, fmt.Errorf("generate %s: %w", it.name, err)
	}
	return Change{Name: it.name, Action: Created}, e.keep(ent, true)
}

// loadKeyPair parses a private key and derives its public key PEM.
func loadKeyPair(it item, keyPEM []byte) (*entry, error) {
	key, err := parseKey(keyPEM)
	if err != nil {
		return nil, err
	}
	pubPEM, err := encodePublicKey(key.Public())
	if err != nil {
		return nil, err
	}
	return &entry{item: it, key: key, certPEM: pubPEM, keyPEM: keyPEM}, nil
}
