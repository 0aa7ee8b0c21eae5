package pki

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"time"
)

// loadEntry parses a certificate and its key and checks that they match.
func loadEntry(it item, certPEM, keyPEM []byte) (*entry, error) {
	key, err := parseKey(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("unreadable key: %w", err)
	}
	cert, err := parseCert(certPEM)
	if err != nil {
		return nil, fmt.Errorf("unreadable certificate: %w", err)
	}
	if !keyMatches(cert, key) {
		return nil, errors.New("the key does not match the certificate")
	}
	return &entry{item: it, cert: cert, key: key, certPEM: certPEM, keyPEM: keyPEM}, nil
}

// checkCA reports why a loaded CA cannot sign certificates now.
func checkCA(e *entry, now time.Time) error {
	c := e.cert
	switch {
	case !c.IsCA || c.KeyUsage&x509.KeyUsageCertSign == 0:
		return errors.New("the certificate is not a certificate authority")
	case now.Before(c.NotBefore):
		return fmt.Errorf("not valid before %s (check this machine's clock)", c.NotBefore.Format(time.RFC3339))
	case !now.Before(c.NotAfter):
		return fmt.Errorf("expired on %s", c.NotAfter.Format(time.RFC3339))
	}
	return nil
}

// leafProblem says why a loaded leaf must be re-issued, or "" when it
// still fits the spec and is signed by ca.
func leafProblem(e *entry, ca *entry, alg string, now time.Time) string {
	c := e.cert
	switch {
	case !signedBy(c, ca.cert):
		return "not signed by the current " + ca.name
	case now.Before(c.NotBefore):
		return "not valid before " + c.NotBefore.Format(time.RFC3339)
	case now.Add(renewalWindow(c.NotAfter.Sub(c.NotBefore))).After(c.NotAfter):
		return "expires " + c.NotAfter.Format(time.RFC3339)
	case algorithmOf(c.PublicKey) != alg:
		return fmt.Sprintf("key algorithm %s, the spec asks for %s", algorithmOf(c.PublicKey), alg)
	}
	return specProblem(e)
}

// specProblem compares a leaf's subject, usages and SANs with its item.
func specProblem(e *entry) string {
	c := e.cert
	switch {
	case c.IsCA:
		return "is a CA certificate"
	case c.Subject.CommonName != e.cn || !sameSet(c.Subject.Organization, e.org):
		return "subject changed"
	case c.KeyUsage != e.keyUsage(c.PublicKey):
		return "key usages changed"
	case !sameSet(c.ExtKeyUsage, e.extUsage):
		return "extended key usages changed"
	}
	return e.sans.diff(altNamesOf(c))
}

// signedBy reports whether ca issued cert.
func signedBy(cert, ca *x509.Certificate) bool {
	return bytes.Equal(cert.RawIssuer, ca.RawSubject) && cert.CheckSignatureFrom(ca) == nil
}

func sameSet[T comparable](a, b []T) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			return false
		}
	}
	return true
}
