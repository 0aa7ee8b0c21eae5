package spec

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"
)

// localFile says what a local file named in the spec is and must hold.
type localFile struct {
	// what names the file in messages: "SSH key".
	what string
	// fix says how to make the file exist.
	fix string
	// example is a typical file name, for a path that names a directory.
	example string
	// content checks what the file holds; nil accepts anything.
	content func(b []byte) error
	// private files must not be readable by group or others.
	private bool
}

// sudoPasswordFile holds a sudo password (ssh.sudoPasswordFile).
func sudoPasswordFile() localFile {
	return localFile{what: "sudo password file", fix: "write the password in it (chmod 600) or leave sudoPasswordFile out to be asked on the terminal",
		example: "sudo-password", private: true, content: func(b []byte) error {
			if len(bytes.TrimRight(b, "\r\n")) == 0 {
				return errors.New("is empty: write the sudo password in it")
			}
			return nil
		}}
}

// sshKeyFile is a private SSH key (keyPath).
func sshKeyFile() localFile {
	return localFile{what: "SSH key", fix: "create one with ssh-keygen -t ed25519 or set keyPath",
		example: "id_ed25519", content: checkPrivateSSHKey}
}

// etcdCAFile is the external etcd's CA certificate.
func etcdCAFile() localFile {
	return localFile{what: "etcd CA file", fix: "copy the etcd CA certificate there", example: "ca.crt",
		content: func(b []byte) error { return checkPEM(b, "CERTIFICATE", "the etcd CA certificate") }}
}

// etcdCertFile is the API server's client certificate for external etcd.
func etcdCertFile() localFile {
	return localFile{what: "etcd client certificate", fix: "copy the client certificate there", example: "client.crt",
		content: func(b []byte) error { return checkPEM(b, "CERTIFICATE", "the client certificate") }}
}

// etcdKeyFile is the private key of the etcd client certificate.
func etcdKeyFile() localFile {
	return localFile{what: "etcd client key", fix: "copy the client key there", example: "client.key",
		content: func(b []byte) error { return checkPEM(b, "PRIVATE KEY", "the client's private key") }}
}

// bundleFile is an offline artifacts bundle.
func bundleFile() localFile {
	return localFile{what: "bundle", fix: "make one with kubeup artifacts bundle", example: "kubeup-bundle.tar"}
}

// file checks that the local file p named at path exists, is a regular
// file and holds what f says. A file already checked as the same kind
// (one key that several hosts share) is not reported again.
func (v *validator) file(path, p string, f localFile) {
	if p == "" {
		v.errorf(path, "the %s path is required", f.what)
		return
	}
	seen := f.what + "\x00" + p
	if v.files[seen] {
		return
	}
	v.files[seen] = true
	if strings.HasPrefix(p, "~") && p != "~" && !strings.HasPrefix(p, "~/") {
		v.errorf(path, "%q: ~user paths are not supported: write the full path", p)
		return
	}
	if strings.HasPrefix(p, "~") && v.opts.HomeDir == "" {
		v.errorf(path, "%q: the home directory is unknown: set HOME or write an absolute path", p)
		return
	}
	if v.opts.StatFile == nil {
		return
	}
	full := ExpandPath(p, v.opts.HomeDir, v.opts.BaseDir)
	if err := v.regularFile(full, f); err != nil {
		v.errorf(path, "%v", err)
		return
	}
	if f.content == nil || v.opts.ReadFile == nil {
		return
	}
	b, err := v.opts.ReadFile(full)
	if err != nil {
		v.errorf(path, "%s %s cannot be read: %v", f.what, full, withoutPath(err))
		return
	}
	if err := f.content(b); err != nil {
		v.errorf(path, "%s %s %v", f.what, full, err)
	}
}

// regularFile explains why full is not a regular file to read, or returns
// nil.
func (v *validator) regularFile(full string, f localFile) error {
	fi, err := v.opts.StatFile(full)
	shown := clip(full)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%s %s does not exist: %s", f.what, shown, f.fix)
	case err != nil:
		return fmt.Errorf("%s %s cannot be read: %w", f.what, shown, withoutPath(err))
	case fi.IsDir():
		return fmt.Errorf("%s %s is a directory: name the file itself, such as %s", f.what, shown, clip(filepath.Join(full, f.example)))
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s %s is not a regular file (%s): name a file", f.what, shown, fi.Mode().Type())
	case f.private && fi.Mode().Perm()&0o077 != 0:
		return fmt.Errorf("%s %s is readable by others (mode %04o): chmod 600 %s", f.what, shown, fi.Mode().Perm(), shown)
	}
	return nil
}

// withoutPath returns the error inside a *fs.PathError, whose path the
// message already names (clipped), or err itself.
func withoutPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// publicKeyPrefixes start the lines of OpenSSH public key files.
func publicKeyPrefixes() []string {
	return []string{"ssh-", "ecdsa-sha2-", "sk-ssh-", "sk-ecdsa-"}
}

// checkPrivateSSHKey explains, after the file's path, why b is not a
// private key kubeup can use, or returns nil. A key protected by a
// passphrase is accepted: ssh-agent may hold it.
func checkPrivateSSHKey(b []byte) error {
	const fix = "set keyPath to a private key, such as ~/.ssh/id_ed25519"
	text := bytes.TrimSpace(b)
	switch {
	case len(text) == 0:
		return errors.New("is empty: " + fix)
	case hasAnyPrefix(string(text), publicKeyPrefixes()) || bytes.Contains(text, []byte("PUBLIC KEY-----")):
		return errors.New("holds a public key: set keyPath to the private key (the same name without .pub)")
	case bytes.HasPrefix(text, []byte("PuTTY-User-Key-File")):
		return errors.New("is a PuTTY key: convert it with puttygen KEY -O private-openssh -o id_ed25519")
	}
	_, err := ssh.ParseRawPrivateKey(b)
	var pm *ssh.PassphraseMissingError
	if err != nil && !errors.As(err, &pm) {
		return fmt.Errorf("holds no private key kubeup can read (%v): %s in OpenSSH or PEM format", err, fix)
	}
	return nil
}

// checkPEM explains, after the file's path, why b holds no PEM block
// whose type ends in kind ("CERTIFICATE", "PRIVATE KEY"), or returns nil;
// desc names what the file should hold.
func checkPEM(b []byte, kind, desc string) error {
	var found []string
	for rest := b; ; {
		blk, r := pem.Decode(rest)
		if blk == nil {
			break
		}
		rest = r
		if !strings.HasSuffix(blk.Type, kind) {
			found = append(found, blk.Type)
			continue
		}
		if kind == "CERTIFICATE" {
			if _, err := x509.ParseCertificate(blk.Bytes); err != nil {
				return fmt.Errorf("holds a damaged certificate (%v): copy %s there again", err, desc)
			}
		}
		return nil
	}
	if len(found) == 0 {
		return fmt.Errorf("holds no PEM block (-----BEGIN %s-----): copy %s there", kind, desc)
	}
	return fmt.Errorf("holds a PEM %s block, not a %s: copy %s there (are certFile and keyFile swapped?)", found[0], kind, desc)
}

// hasAnyPrefix reports whether s starts with one of prefixes.
func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
