// Package csrtest makes the certificate signing requests a kubelet makes,
// for tests of their approval.
package csrtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"net"
	"testing"

	certv1 "k8s.io/api/certificates/v1"
)

// NodeClient is the request a kubelet makes for the client certificate of
// common name cn (in system:nodes), as user (empty: the API server fills
// it in on create).
func NodeClient(t testing.TB, name, user, cn string) *certv1.CertificateSigningRequest {
	t.Helper()
	csr := &certv1.CertificateSigningRequest{
		Spec: certv1.CertificateSigningRequestSpec{
			Request:    request(t, &x509.CertificateRequest{Subject: pkix.Name{CommonName: cn, Organization: []string{"system:nodes"}}}),
			SignerName: certv1.KubeAPIServerClientKubeletSignerName, Username: user,
			Usages: []certv1.KeyUsage{certv1.UsageDigitalSignature, certv1.UsageClientAuth},
		},
	}
	csr.Name = name
	return csr
}

// NodeServing is the request node's kubelet makes for its serving
// certificate for dns names and ips, as the API server records it (by
// system:node:<node> in system:nodes).
func NodeServing(t testing.TB, name, node string, dns []string, ips []net.IP) *certv1.CertificateSigningRequest {
	t.Helper()
	csr := &certv1.CertificateSigningRequest{
		Spec: certv1.CertificateSigningRequestSpec{
			Request: request(t, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "system:node:" + node, Organization: []string{"system:nodes"}},
				DNSNames: dns, IPAddresses: ips}),
			SignerName: certv1.KubeletServingSignerName, Username: "system:node:" + node, Groups: []string{"system:nodes", "system:authenticated"},
			Usages: []certv1.KeyUsage{certv1.UsageDigitalSignature, certv1.UsageKeyEncipherment, certv1.UsageServerAuth},
		},
	}
	csr.Name = name
	return csr
}

// request is a PEM certificate request of tmpl signed with a new key.
func request(t testing.TB, tmpl *x509.CertificateRequest) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}
