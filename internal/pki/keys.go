package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
)

// Key algorithms (spec.pki.keyAlgorithm).
const (
	algECDSA = "ecdsa"
	algRSA   = "rsa"
	rsaBits  = 2048
)

// generateKey creates a private key: ECDSA P-256 or RSA 2048.
func generateKey(alg string, rnd io.Reader) (crypto.Signer, error) {
	switch alg {
	case algECDSA, "":
		return ecdsa.GenerateKey(elliptic.P256(), rnd)
	case algRSA:
		return rsa.GenerateKey(rnd, rsaBits)
	}
	return nil, fmt.Errorf("unknown key algorithm %q (set spec.pki.keyAlgorithm to ecdsa or rsa)", alg)
}

// algorithmOf names a public key's algorithm as the spec does; keys the
// spec cannot ask for get a descriptive name that matches nothing.
func algorithmOf(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P256() {
			return algECDSA
		}
		return "ecdsa-" + k.Curve.Params().Name
	case *rsa.PublicKey:
		if k.N.BitLen() >= rsaBits {
			return algRSA
		}
		return fmt.Sprintf("rsa-%d", k.N.BitLen())
	}
	return fmt.Sprintf("%T", pub)
}

// wantAlgorithm is the spec's key algorithm with its default.
func wantAlgorithm(alg string) string {
	if alg == "" {
		return algECDSA
	}
	return alg
}

// encodeKey renders a private key as PEM (SEC 1 or PKCS #1, as kubeadm).
func encodeKey(key crypto.Signer) ([]byte, error) {
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		der, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			return nil, fmt.Errorf("encode key: %w", err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), nil
	case *rsa.PrivateKey:
		der := x509.MarshalPKCS1PrivateKey(k)
		return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: der}), nil
	}
	return nil, fmt.Errorf("encode key: unsupported key type %T", key)
}

// parseKey reads a PEM private key (SEC 1, PKCS #1 or PKCS #8).
func parseKey(b []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("no PEM private key found")
	}
	switch block.Type {
	case "EC PRIVATE KEY":
		return x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		return x509.ParsePKCS1PrivateKey(block.Bytes)
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, err
		}
		if s, ok := k.(crypto.Signer); ok {
			return s, nil
		}
		return nil, fmt.Errorf("unsupported key type %T", k)
	}
	return nil, fmt.Errorf("unexpected PEM block %q", block.Type)
}

// encodePublicKey renders a public key as a PKIX "PUBLIC KEY" PEM block.
func encodePublicKey(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("encode public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// keyMatches reports whether key is the private half of cert's public key.
func keyMatches(cert *x509.Certificate, key crypto.Signer) bool {
	pub, ok := cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	return ok && pub.Equal(key.Public())
}

// parseCert reads one PEM certificate.
func parseCert(b []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("no PEM certificate found")
	}
	return x509.ParseCertificate(block.Bytes)
}

// encodeCert renders a DER certificate as PEM.
func encodeCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
