package pki

import (
	"crypto/x509"
	"fmt"
	"io"
	"time"

	"kubeup.dev/kubeup/internal/spec"
)

// NodeClient issues the kubelet client certificate of node (CN
// system:node:NODE in group system:nodes, as the kubelet's TLS bootstrap
// gets it), signed by the cluster CA, valid for spec.pki's leaf
// validity. Hosts that run static pods need it: their kubelet starts the
// API server, so it cannot ask the API server for a certificate first.
// The pair is returned as one PEM (certificate, then key), the kubelet's
// kubelet-client-current.pem form; the kubelet rotates it from then on.
// It is not kept in the state directory.
func (s *Store) NodeClient(c *spec.Cluster, node string, now time.Time, rnd io.Reader) ([]byte, error) {
	ca, ok := s.get(CA)
	if !ok || ca.key == nil {
		return nil, fmt.Errorf("issue the kubelet client certificate of %s: the PKI store has no cluster CA key", node)
	}
	it := item{def: def{name: "kubelet-client/" + node, kind: kindLeaf, ca: CA, cn: "system:node:" + node,
		org: []string{"system:nodes"}, usage: x509.KeyUsageDigitalSignature, extUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}}
	e, err := it.issue(ca, wantAlgorithm(c.Spec.PKI.KeyAlgorithm), now, c.Spec.PKI.CertificateValidity.Duration, rnd)
	if err != nil {
		return nil, err
	}
	return append(append([]byte{}, e.certPEM...), e.keyPEM...), nil
}
