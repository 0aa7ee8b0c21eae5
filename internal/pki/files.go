package pki

import (
	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/spec"
)

// FilesFor returns the certificate and key files host h receives at their
// /etc/kubernetes/pki paths, all 0600 (CIS 1.1.20, 1.1.21), sorted by path.
// Every host gets ca.crt; control-plane hosts the API server's files and
// the cluster and front-proxy CA keys; etcd hosts their own etcd server and
// peer certificates. Workers never receive a CA key.
func (s *Store) FilesFor(h spec.Host) []hostfile.File {
	var out []hostfile.File
	for _, e := range s.entries {
		out = append(out, e.filesFor(h)...)
	}
	hostfile.Sort(out)
	return out
}

func (e *entry) filesFor(h spec.Host) []hostfile.File {
	var out []hostfile.File
	if e.hostCert != "" && e.certTo.includes(h, e.owner) {
		// Root-only as CIS 1.1.20 and 4.1.7 ask, though not secret.
		out = append(out, hostfile.File{Path: e.hostCert, Mode: 0o600, Content: e.certPEM, Plain: true, Readers: e.certReaders})
	}
	if e.hostKey != "" && e.keyTo.includes(h, e.owner) {
		out = append(out, hostfile.File{Path: e.hostKey, Mode: 0o600, Content: e.keyPEM, Readers: e.keyReaders})
	}
	return out
}
