package pki

import (
	"fmt"
	"io"
	"time"

	"kubeup.dev/kubeup/internal/spec"
)

// ensurer carries one Ensure run.
type ensurer struct {
	store    *Store
	items    []item
	alg      string
	leafLife time.Duration
	caLife   time.Duration
	now      time.Time
	rnd      io.Reader
}

// Ensure brings the certificate set in dir (state.PKIDir of the state
// directory) in line with c: missing certificates are created, valid ones
// reused byte for byte, and a leaf is re-issued when its subject, usages,
// SANs or key algorithm no longer match the spec, when it expires within
// 30 days or when the current CA did not sign it. A CA is never replaced:
// a broken CA is an error saying how to recover. now is the issuing time
// and rnd the source of randomness (crypto/rand.Reader outside tests).
func Ensure(dir string, c *spec.Cluster, now time.Time, rnd io.Reader) (*Store, []Change, error) {
	e, err := newEnsurer(dir, c, now, rnd)
	if err != nil {
		return nil, nil, err
	}
	var changes []Change
	for _, it := range e.items {
		ch, err := e.ensure(it)
		if err != nil {
			return nil, nil, err
		}
		changes = append(changes, ch)
	}
	return e.store, changes, nil
}

func newEnsurer(dir string, c *spec.Cluster, now time.Time, rnd io.Reader) (*ensurer, error) {
	alg := wantAlgorithm(c.Spec.PKI.KeyAlgorithm)
	if alg != algECDSA && alg != algRSA {
		return nil, fmt.Errorf("unknown key algorithm %q: set spec.pki.keyAlgorithm to ecdsa or rsa", alg)
	}
	its, err := items(c)
	if err != nil {
		return nil, err
	}
	return &ensurer{store: &Store{dir: dir}, items: its, alg: alg, now: now, rnd: rnd,
		leafLife: orDefault(c.Spec.PKI.CertificateValidity.Duration, spec.DefaultCertValidity),
		caLife:   orDefault(c.Spec.PKI.CAValidity.Duration, spec.DefaultCAValidity)}, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

func (e *ensurer) ensure(it item) (Change, error) {
	switch it.kind {
	case kindCA:
		return e.ensureCA(it)
	case kindKeyPair:
		return e.ensureKeyPair(it)
	}
	return e.ensureLeaf(it)
}

// keep adds an entry to the store, writing it first when it is new.
func (e *ensurer) keep(ent *entry, write bool) error {
	if write {
		if err := e.store.write(ent); err != nil {
			return err
		}
	}
	e.store.entries = append(e.store.entries, ent)
	return nil
}
