package pki

import (
	"fmt"
	"os"
)

// ensureCA loads a CA, or creates it when neither its certificate, its key
// nor any certificate it signed exists. Anything else wrong is an error.
func (e *ensurer) ensureCA(it item) (Change, error) {
	certPEM, keyPEM, err := e.store.read(it)
	if err != nil {
		return Change{}, err
	}
	if certPEM == nil && keyPEM == nil {
		return e.createCA(it)
	}
	certPath, keyPath := e.store.paths(it)
	if certPEM == nil || keyPEM == nil {
		return Change{}, e.caError(it, fmt.Sprintf("only one of %s and %s exists", certPath, keyPath))
	}
	ent, err := loadEntry(it, certPEM, keyPEM)
	if err == nil {
		err = checkCA(ent, e.now)
	}
	if err != nil {
		return Change{}, e.caError(it, err.Error())
	}
	return Change{Name: it.name, Action: Reused}, e.keep(ent, false)
}

func (e *ensurer) createCA(it item) (Change, error) {
	if leaf := e.signedLeafOnDisk(it.name); leaf != "" {
		return Change{}, e.caError(it, "it is missing but "+leaf+" (which it signed) exists")
	}
	ent, err := it.issue(nil, e.alg, e.now, e.caLife, e.rnd)
	if err != nil {
		return Change{}, err
	}
	return Change{Name: it.name, Action: Created}, e.keep(ent, true)
}

// signedLeafOnDisk returns the path of a certificate signed by CA name that
// is already in the store directory, or "".
func (e *ensurer) signedLeafOnDisk(name string) string {
	for _, it := range e.items {
		if it.kind != kindLeaf || it.ca != name {
			continue
		}
		p, _ := e.store.paths(it)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// caError explains a CA problem and how to recover from it.
func (e *ensurer) caError(it item, problem string) error {
	certPath, keyPath := e.store.paths(it)
	return fmt.Errorf("certificate authority %s: %s. kubeup never replaces a CA on its own: "+
		"restore %s and %s from a control-plane host's %s and %s, "+
		"or, to start a new cluster, run 'kubeup reset' and delete %s",
		it.name, problem, certPath, keyPath, it.hostCert, it.hostKey, e.store.dir)
}
