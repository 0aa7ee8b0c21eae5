package host

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"
)

// authMethod is how kubeup proves its identity to a host.
type authMethod struct {
	methods []ssh.AuthMethod
	desc    string    // "key /root/.ssh/id_ed25519" or "the keys in ssh-agent"
	closer  io.Closer // the agent connection, if any
}

func (a *authMethod) close() {
	if a.closer != nil {
		a.closer.Close()
	}
}

// auth loads t's key file; it falls back to ssh-agent when the file does
// not exist or needs a passphrase. Without a key file it offers what
// OpenSSH does: the agent's keys and the identity files (see
// identityAuth).
func (d *Dialer) auth(t target) (*authMethod, error) {
	if t.keyPath == "" {
		return d.identityAuth(t)
	}
	b, err := os.ReadFile(t.keyPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if d.opts.AgentSocket == "" {
			return nil, fmt.Errorf("host %s: no ssh key at %q and no ssh-agent (SSH_AUTH_SOCK is unset): set ssh.keyPath to a private key or start ssh-agent", t.host, t.keyPath)
		}
		return d.agentAuth(t)
	case err != nil:
		return nil, fmt.Errorf("host %s: read ssh key: %w: check ssh.keyPath", t.host, err)
	}
	signer, err := ssh.ParsePrivateKey(b)
	var pm *ssh.PassphraseMissingError
	switch {
	case errors.As(err, &pm) && d.opts.AgentSocket != "":
		return d.agentAuth(t)
	case errors.As(err, &pm):
		return nil, fmt.Errorf("host %s: ssh key %s is protected by a passphrase: add it to ssh-agent (ssh-add %s) and set SSH_AUTH_SOCK", t.host, t.keyPath, t.keyPath)
	case err != nil:
		return nil, fmt.Errorf("host %s: ssh key %s: %w: set ssh.keyPath to an unencrypted private key (PEM or OpenSSH format)", t.host, t.keyPath, err)
	}
	return &authMethod{methods: []ssh.AuthMethod{ssh.PublicKeys(signer)}, desc: "key " + t.keyPath}, nil
}

// identityAuth offers the keys in ssh-agent, then those of t's identity
// files (from ~/.ssh/config, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa)
// that exist and need no passphrase; OpenSSH skips the others too.
func (d *Dialer) identityAuth(t target) (*authMethod, error) {
	a := &authMethod{}
	signers, descs := d.agentSigners(a)
	for _, p := range t.identities {
		s, err := loadIdentity(p)
		if err != nil {
			d.log.Debug("ssh identity skipped", "host", t.host, "file", p, "reason", err)
			continue
		}
		signers = append(signers, s)
		descs = append(descs, "key "+p)
	}
	if len(signers) == 0 {
		a.close()
		agentState := "SSH_AUTH_SOCK is unset"
		if d.opts.AgentSocket != "" {
			agentState = "ssh-agent at " + d.opts.AgentSocket + " holds no key"
		}
		return nil, fmt.Errorf("host %s: no ssh key to offer (%s; none of %s is an unencrypted private key): set ssh.keyPath, ssh-add a key to ssh-agent, or create one with ssh-keygen -t ed25519",
			t.host, agentState, strings.Join(t.identities, ", "))
	}
	a.methods = []ssh.AuthMethod{ssh.PublicKeys(signers...)}
	a.desc = strings.Join(descs, ", ")
	return a, nil
}

// agentSigners returns the keys in ssh-agent, keeping the connection in
// a for the handshake; none when there is no agent.
func (d *Dialer) agentSigners(a *authMethod) ([]ssh.Signer, []string) {
	if d.opts.AgentSocket == "" {
		return nil, nil
	}
	conn, err := net.DialTimeout("unix", d.opts.AgentSocket, d.opts.Timeout)
	if err != nil {
		d.log.Debug("ssh-agent unreachable", "socket", d.opts.AgentSocket, "err", err)
		return nil, nil
	}
	signers, err := agent.NewClient(conn).Signers()
	if err != nil || len(signers) == 0 {
		conn.Close()
		return nil, nil
	}
	a.closer = conn
	return signers, []string{fmt.Sprintf("the %d keys in ssh-agent (%s)", len(signers), d.opts.AgentSocket)}
}

// loadIdentity reads an unencrypted private key file.
func loadIdentity(p string) (ssh.Signer, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	return ssh.ParsePrivateKey(b)
}

func (d *Dialer) agentAuth(t target) (*authMethod, error) {
	conn, err := net.DialTimeout("unix", d.opts.AgentSocket, d.opts.Timeout)
	if err != nil {
		return nil, fmt.Errorf("host %s: connect to ssh-agent at %s: %w: check SSH_AUTH_SOCK or set ssh.keyPath", t.host, d.opts.AgentSocket, err)
	}
	ag := agent.NewClient(conn)
	return &authMethod{
		methods: []ssh.AuthMethod{ssh.PublicKeysCallback(ag.Signers)},
		desc:    "the keys in ssh-agent (" + d.opts.AgentSocket + ")",
		closer:  conn,
	}, nil
}

// HostKeyError is a host key that known_hosts does not vouch for.
type HostKeyError struct {
	Label       string // "host node1 (10.0.0.2:22)"
	Addr        string // as written in known_hosts: "[10.0.0.2]:2222"
	Fingerprint string // "ssh-ed25519 SHA256:..."
	File        string
	Line        int  // the known line for a changed or revoked key
	Unknown     bool // no key is known for the host
	Revoked     bool
}

func (e *HostKeyError) Error() string {
	switch {
	case e.Unknown:
		return fmt.Sprintf("%s: unknown host key %s (not in %s): check the fingerprint, then rerun with --accept-new-host-keys, or add it with 'ssh-keyscan %s >> %s'",
			e.Label, e.Fingerprint, e.File, keyscanArgs(e.Addr), e.File)
	case e.Revoked:
		return fmt.Sprintf("%s: host key %s is marked @revoked in %s:%d: the host must get a new key", e.Label, e.Fingerprint, e.File, e.Line)
	}
	return fmt.Sprintf("%s: HOST KEY CHANGED: the host offers %s but %s:%d holds a different key; someone may be intercepting the connection. If the host was reinstalled, remove the old key with 'ssh-keygen -f %s -R \"%s\"' and rerun with --accept-new-host-keys",
		e.Label, e.Fingerprint, e.File, e.Line, e.File, e.Addr)
}

// keyscanArgs turns a known_hosts address into ssh-keyscan arguments.
func keyscanArgs(addr string) string {
	if host, port, err := net.SplitHostPort(addr); err == nil {
		return "-p " + port + " " + host
	}
	return addr
}

// hostKeys verifies host keys against one known_hosts file.
type hostKeys struct {
	t      target
	accept bool
	mu     *sync.Mutex // the Dialer's known_hosts lock
	log    *slog.Logger
	check  ssh.HostKeyCallback
	failed error // the verdict of a failed check, for the handshake's caller
}

// hostKeys loads t's known_hosts file; a missing file knows no host.
func (d *Dialer) hostKeys(t target) (*hostKeys, error) {
	k := &hostKeys{t: t, accept: d.opts.AcceptNewHostKeys, mu: &d.khMu, log: d.log}
	if t.knownHosts == "" {
		return nil, fmt.Errorf("host %s: no known_hosts file configured: set ssh.knownHostsPath", t.host)
	}
	check, err := knownhosts.New(t.knownHosts)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("host %s: %w: fix or remove that line", t.host, err)
	default:
		k.check = check
	}
	return k, nil
}

// callback is the ssh.HostKeyCallback.
func (k *hostKeys) callback(hostname string, remote net.Addr, key ssh.PublicKey) error {
	err := k.verify(hostname, remote, key)
	k.failed = err
	return err
}

func (k *hostKeys) verify(hostname string, remote net.Addr, key ssh.PublicKey) error {
	err := k.lookup(hostname, remote, key)
	if err == nil {
		return nil
	}
	kerr := &HostKeyError{
		Label: k.t.label(), Addr: knownhosts.Normalize(hostname), File: k.t.knownHosts,
		Fingerprint: key.Type() + " " + ssh.FingerprintSHA256(key),
	}
	var ke *knownhosts.KeyError
	var re *knownhosts.RevokedError
	switch {
	case errors.As(err, &re):
		kerr.Revoked, kerr.Line = true, re.Revoked.Line
	case errors.As(err, &ke) && len(ke.Want) > 0:
		kerr.Line = ke.Want[0].Line
	case errors.As(err, &ke) && k.accept:
		return k.add(hostname, key)
	case errors.As(err, &ke):
		kerr.Unknown = true
	default:
		return fmt.Errorf("%s: check host key in %s: %w", k.t.label(), k.t.knownHosts, err)
	}
	return kerr
}

// lookup runs the known_hosts check; an absent file knows no key.
func (k *hostKeys) lookup(hostname string, remote net.Addr, key ssh.PublicKey) error {
	if k.check == nil {
		return &knownhosts.KeyError{}
	}
	if remote == nil {
		remote = &net.TCPAddr{}
	}
	return k.check(hostname, remote, key)
}

// add appends hostname's key to the known_hosts file.
func (k *hostKeys) add(hostname string, key ssh.PublicKey) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	p := k.t.knownHosts
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("%s: add host key: %w", k.t.label(), err)
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("%s: add host key: %w", k.t.label(), err)
	}
	line := knownhosts.Line([]string{hostname}, key) + "\n"
	if st, err := f.Stat(); err == nil && st.Size() > 0 && !endsWithNewline(p) {
		line = "\n" + line
	}
	if _, err := f.WriteString(line); err != nil {
		f.Close()
		return fmt.Errorf("%s: add host key to %s: %w", k.t.label(), p, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%s: add host key to %s: %w", k.t.label(), p, err)
	}
	k.log.Info("added host key", "host", k.t.host, "addr", k.t.addr, "key", key.Type()+" "+ssh.FingerprintSHA256(key), "file", p)
	return nil
}

func endsWithNewline(p string) bool {
	b, err := os.ReadFile(p)
	return err == nil && (len(b) == 0 || b[len(b)-1] == '\n')
}

// algorithms lists the host key algorithms of the keys known for addr, so
// that the host presents a key of a known type; nil when none is known.
func (k *hostKeys) algorithms(addr string) []string {
	if k.check == nil {
		return nil
	}
	pub, _, _ := ed25519.GenerateKey(nil)
	probe, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil
	}
	var ke *knownhosts.KeyError
	if !errors.As(k.check(addr, &net.TCPAddr{}, probe), &ke) {
		return nil
	}
	var algos []string
	seen := map[string]bool{}
	for _, w := range ke.Want {
		for _, a := range algorithmsFor(w.Key.Type()) {
			if !seen[a] {
				seen[a] = true
				algos = append(algos, a)
			}
		}
	}
	return algos
}

// algorithmsFor maps a key type to the signature algorithms that use it.
func algorithmsFor(keyType string) []string {
	if keyType == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{keyType}
}

// sudoPassword returns the sudo password for t and where it came from:
// t's ssh.sudoPasswordFile, else the one asked on the terminal (once for
// every host). It returns nil when there is neither.
func (d *Dialer) sudoPassword(t target) ([]byte, string, error) {
	if t.sudoPwFile != "" {
		pw, err := readPasswordFile(t.sudoPwFile)
		if err != nil {
			return nil, "", fmt.Errorf("host %s: %w", t.host, err)
		}
		return pw, "ssh.sudoPasswordFile " + t.sudoPwFile, nil
	}
	d.pwMu.Lock()
	defer d.pwMu.Unlock()
	if d.password == nil && d.opts.SudoPassword != nil {
		pw, err := d.opts.SudoPassword(t.user, t.host)
		if err != nil {
			return nil, "", fmt.Errorf("host %s: read the sudo password: %w", t.host, err)
		}
		d.password = pw
	}
	return d.password, "the terminal", nil
}

// readPasswordFile reads a password file, which must be private (0600);
// one trailing line break is not part of the password.
func readPasswordFile(p string) ([]byte, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("sudo password file: %w: check ssh.sudoPasswordFile", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("sudo password file %s is readable by others (mode %04o): chmod 600 %s", p, st.Mode().Perm(), p)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("sudo password file: %w", err)
	}
	b = bytes.TrimSuffix(bytes.TrimSuffix(b, []byte("\n")), []byte("\r"))
	if len(b) == 0 {
		return nil, fmt.Errorf("sudo password file %s is empty: write the password in it", p)
	}
	return b, nil
}
