package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"time"
)

// keyUsage is the declared usage, plus KeyEncipherment for RSA keys (an
// ECDSA key cannot encipher).
func (it item) keyUsage(pub crypto.PublicKey) x509.KeyUsage {
	if _, ok := pub.(*rsa.PublicKey); ok {
		return it.usage | x509.KeyUsageKeyEncipherment
	}
	return it.usage
}

// template builds the certificate it describes, valid from a little before
// now for validity.
func (it item) template(pub crypto.PublicKey, now time.Time, validity time.Duration, rnd io.Reader) (*x509.Certificate, error) {
	serial, err := serialNumber(rnd)
	if err != nil {
		return nil, err
	}
	return &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: it.cn, Organization: it.org},
		NotBefore:             now.Add(-backdate).UTC(),
		NotAfter:              now.Add(validity).UTC(),
		KeyUsage:              it.keyUsage(pub),
		ExtKeyUsage:           it.extUsage,
		BasicConstraintsValid: true,
		IsCA:                  it.kind == kindCA,
		DNSNames:              it.sans.dns,
		IPAddresses:           it.sans.netIPs(),
	}, nil
}

// serialNumber is a random positive 127-bit number.
func serialNumber(rnd io.Reader) (*big.Int, error) {
	limit := new(big.Int).Lsh(big.NewInt(1), 127)
	n, err := rand.Int(rnd, limit)
	if err != nil {
		return nil, fmt.Errorf("generate serial number: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil
}

// issue creates a fresh key and a certificate for it, signed by signer
// (nil: self-signed).
func (it item) issue(signer *entry, alg string, now time.Time, validity time.Duration, rnd io.Reader) (*entry, error) {
	key, err := generateKey(alg, rnd)
	if err != nil {
		return nil, fmt.Errorf("issue %s: %w", it.name, err)
	}
	tmpl, err := it.template(key.Public(), now, validity, rnd)
	if err != nil {
		return nil, fmt.Errorf("issue %s: %w", it.name, err)
	}
	parent, parentKey := tmpl, key
	if signer != nil {
		parent, parentKey = signer.cert, signer.key
	}
	der, err := x509.CreateCertificate(rnd, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		return nil, fmt.Errorf("issue %s: %w", it.name, err)
	}
	return newEntry(it, der, key)
}

// newEntry wraps a freshly issued certificate and its key.
func newEntry(it item, der []byte, key crypto.Signer) (*entry, error) {
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("issue %s: %w", it.name, err)
	}
	keyPEM, err := encodeKey(key)
	if err != nil {
		return nil, fmt.Errorf("issue %s: %w", it.name, err)
	}
	return &entry{item: it, cert: cert, key: key, certPEM: encodeCert(der), keyPEM: keyPEM}, nil
}
