package spec

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io/fs"
	"math/big"
	"os"
	"testing/fstest"
	"time"

	"golang.org/x/crypto/ssh"
)

// testFiles are the local files validation tests see: good keys,
// certificates and a bundle where the valid specs name them, and one file
// of each wrong kind.
func testFiles() fstest.MapFS {
	key, pub := testSSHKeys()
	encrypted, err := os.ReadFile("testdata/keys/id_encrypted") // bcrypt makes a new one slow
	if err != nil {
		panic(err)
	}
	cert, certKey := testCertificate()
	file := func(b []byte) *fstest.MapFile { return &fstest.MapFile{Data: b, Mode: 0o600} }
	return fstest.MapFS{
		"home/test/.ssh/id_ed25519":          file(key),
		"home/test/.ssh/id_ed25519.pub":      file(pub),
		"home/test/.ssh/id_encrypted":        file(encrypted),
		"home/test/.ssh/empty":               file(nil),
		"home/test/.ssh/blank":               file([]byte("\n\n")),
		"home/test/.ssh/garbage":             file([]byte("not a key\n")),
		"home/test/.ssh/putty.ppk":           file([]byte("PuTTY-User-Key-File-3: ssh-ed25519\n")),
		"home/test/.ssh/cert.pem":            file(cert),
		"home/test/.ssh/pipe":                &fstest.MapFile{Mode: fs.ModeNamedPipe | 0o600},
		"specs/keys/w2":                      file(key),
		"specs/sudo-password":                file([]byte("s3cret\n")),
		"specs/sudo-password-shared":         &fstest.MapFile{Data: []byte("s3cret\n"), Mode: 0o644},
		"specs/sudo-password-empty":          file([]byte("\n")),
		"etc/etcd/ca.crt":                    file(cert),
		"etc/etcd/ca.key":                    file(certKey),
		"etc/etcd/empty.crt":                 file(nil),
		"etc/etcd/garbage.crt":               file([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")),
		"specs/etcd/client.crt":              file(cert),
		"home/test/etcd/client.key":          file(certKey),
		"specs/bundles/kubeup-v1.34.4.tar":   file([]byte("tar")),
		"specs/bundles/old/kubeup-v1.33.tar": file([]byte("tar")),
	}
}

// testSSHKeys returns a new ed25519 private key in OpenSSH format and its
// public key line.
func testSSHKeys() (key, pub []byte) {
	pk, sk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	blk, err := ssh.MarshalPrivateKey(sk, "")
	if err != nil {
		panic(err)
	}
	sp, err := ssh.NewPublicKey(pk)
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(blk), ssh.MarshalAuthorizedKey(sp)
}

// testCertificate returns a new self-signed CA certificate and its
// private key, both PEM.
func testCertificate() (cert, key []byte) {
	sk, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "etcd-ca"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &sk.PublicKey, sk)
	if err != nil {
		panic(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(sk)
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
}
