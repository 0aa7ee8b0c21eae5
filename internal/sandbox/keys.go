package sandbox

import (
	"archive/tar"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"kubeup.dev/kubeup/internal/atomicfile"
)

// File names in the state directory.
const (
	keyFile        = "id_ed25519"
	knownHostsFile = "known_hosts"
)

// clientKey is the key kubeup logs in to the nodes with.
type clientKey struct {
	path       string
	authorized []byte // the authorized_keys line
}

// loadOrCreateKey reads dir/id_ed25519, creating it (0600, with a .pub
// beside it) when missing.
func loadOrCreateKey(dir, comment string) (*clientKey, error) {
	p := filepath.Join(dir, keyFile)
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		b, err = writeNewKey(p, comment)
	}
	if err != nil {
		return nil, fmt.Errorf("sandbox SSH key: %w", err)
	}
	signer, err := ssh.ParsePrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("sandbox SSH key %s: %w (delete it to make a new one)", p, err)
	}
	return &clientKey{path: p, authorized: ssh.MarshalAuthorizedKey(signer.PublicKey())}, nil
}

func writeNewKey(p, comment string) ([]byte, error) {
	k, err := newHostKey(comment)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(p, k.privatePEM, 0o600); err != nil {
		return nil, err
	}
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k.public))) + " " + comment + "\n"
	return k.privatePEM, atomicfile.WriteFile(p+".pub", []byte(line), 0o644)
}

// hostKey is an ed25519 key pair: a node's SSH host key, made by kubeup
// so that known_hosts can be written before the node starts (sshd on the
// node presents it and the first connection verifies it), or the
// sandbox's client key.
type hostKey struct {
	privatePEM []byte
	public     ssh.PublicKey
}

func newHostKey(comment string) (*hostKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	block, err := ssh.MarshalPrivateKey(priv, comment)
	if err != nil {
		return nil, err
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return &hostKey{privatePEM: pem.EncodeToMemory(block), public: sshPub}, nil
}

// knownHostsLines renders one known_hosts line per node, matching its
// address and its name.
func knownHostsLines(nodes []*Node) []byte {
	var b bytes.Buffer
	for _, n := range nodes {
		b.WriteString(knownhosts.Line([]string{n.Address.String(), n.Name}, n.hostKey.public))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// nodeFiles is the tar stream copied to "/" of a created node before it
// starts: root's authorized_keys and the node's host key. Both live on the
// container's own file system, not on the /run or /tmp tmpfs.
func nodeFiles(authorized []byte, hk *hostKey, extra []nodeEntry) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	now := time.Now()
	entries := append([]nodeEntry{
		{name: "root/.ssh/", mode: 0o700, dir: true},
		{name: "root/.ssh/authorized_keys", mode: 0o600, body: authorized},
		{name: "etc/ssh/ssh_host_ed25519_key", mode: 0o600, body: hk.privatePEM},
		{name: "etc/ssh/ssh_host_ed25519_key.pub", mode: 0o644, body: ssh.MarshalAuthorizedKey(hk.public)},
	}, extra...)
	for _, e := range entries {
		if err := e.write(tw, now); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// nodeEntry is one file, directory or symbolic link copied onto a node.
type nodeEntry struct {
	name string // below "/"
	mode int64
	body []byte
	dir  bool
	link string // a symbolic link's target
}

// write adds e to tw.
func (e nodeEntry) write(tw *tar.Writer, now time.Time) error {
	h := &tar.Header{Name: e.name, Mode: e.mode, Size: int64(len(e.body)), ModTime: now,
		Typeflag: tar.TypeReg, Format: tar.FormatPAX}
	switch {
	case e.dir:
		h.Typeflag = tar.TypeDir
	case e.link != "":
		h.Typeflag, h.Linkname, h.Size, h.Mode = tar.TypeSymlink, e.link, 0, 0o777
	}
	if err := tw.WriteHeader(h); err != nil {
		return err
	}
	_, err := tw.Write(e.body)
	return err
}
