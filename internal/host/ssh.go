package host

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/user"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/spec"
)

// DefaultTimeout bounds connecting to a host and how long a connected host
// may stop answering before its operations fail.
const DefaultTimeout = 30 * time.Second

// DefaultMaxSessions is how many commands run at once on one SSH
// connection. OpenSSH allows 10 sessions per connection (MaxSessions); one
// more is kept for SFTP.
const DefaultMaxSessions = 8

// DialOptions says how a Dialer reaches hosts.
type DialOptions struct {
	// Timeout bounds the TCP connect and the SSH handshake, and how long a
	// connected host may go without answering keepalives before every
	// operation on it fails (default DefaultTimeout).
	Timeout time.Duration
	// KnownHostsPath is the known_hosts file for hosts whose
	// ssh.knownHostsPath is empty (the state directory's known_hosts).
	KnownHostsPath string
	// AcceptNewHostKeys appends unknown host keys to the known_hosts file
	// instead of failing. A changed key always fails.
	AcceptNewHostKeys bool
	// AgentSocket is the ssh-agent socket (SSH_AUTH_SOCK), used when a
	// host's key file does not exist or needs a passphrase; empty: no agent.
	AgentSocket string
	// HomeDir expands "~" in key paths and holds the default identities
	// .ssh/id_ed25519, id_ecdsa and id_rsa (default os.UserHomeDir).
	HomeDir string
	// SSHConfigPath is an OpenSSH client configuration (~/.ssh/config)
	// whose Host and Match entries (and the files it includes) give User,
	// Port, IdentityFile and ProxyJump where the spec leaves them out, and
	// HostName, the address dialled for a host's address; empty reads none.
	SSHConfigPath string
	// SudoPassword asks for the sudo password of user on host, once for
	// all hosts without ssh.sudoPasswordFile (on a terminal); nil means
	// there is no one to ask.
	SudoPassword func(user, host string) ([]byte, error)
	// MaxSessions limits concurrent commands per host (default
	// DefaultMaxSessions).
	MaxSessions int
	// Logger receives connection events; nil discards them.
	Logger *slog.Logger
}

// Dialer connects to hosts. It keeps one connection per bastion, shared by
// the hosts behind it, until Close.
type Dialer struct {
	opts DialOptions
	log  *slog.Logger
	khMu sync.Mutex // serialises appends to known_hosts files

	mu    sync.Mutex
	jumps map[string]*jumpConn

	cfgOnce   sync.Once
	cfg       *sshConfig
	cfgErr    error
	localUser string // for Match localuser

	pwMu     sync.Mutex
	password []byte // the password asked on the terminal, kept in memory only
}

// NewDialer returns a Dialer with o's empty fields defaulted.
func NewDialer(o DialOptions) *Dialer {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxSessions <= 0 {
		o.MaxSessions = DefaultMaxSessions
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Dialer{opts: o, log: log, jumps: map[string]*jumpConn{}}
}

// target is one SSH endpoint being dialled: a host or a bastion.
type target struct {
	host       string // the spec host name
	user       string
	addr       string   // host:port
	bastion    bool     // this endpoint is the host's bastion
	via        string   // the bastion's address when dialled through one
	keyPath    string   // expanded; empty tries identities
	identities []string // expanded key files tried when keyPath is empty
	proxyJump  string   // [user@]host[:port][,...]
	knownHosts string
	sudoPwFile string // expanded ssh.sudoPasswordFile
}

// label names the endpoint in messages.
func (t target) label() string {
	switch {
	case t.bastion:
		return fmt.Sprintf("bastion %s (for host %s)", t.addr, t.host)
	case t.via != "":
		return fmt.Sprintf("host %s (%s via bastion %s)", t.host, t.addr, t.via)
	}
	return fmt.Sprintf("host %s (%s)", t.host, t.addr)
}

// Dial connects to h: over SSH, or locally when h.Address is localhost.
// When the SSH user is not uid 0 it checks that sudo works without a
// password.
func (d *Dialer) Dial(ctx context.Context, h spec.Host) (Host, error) {
	if h.IsLocal() {
		return NewLocal(h.Name), nil
	}
	t, err := d.target(h)
	if err != nil {
		return nil, err
	}
	a, err := d.auth(t)
	if err != nil {
		return nil, err
	}
	defer a.close()
	client, err := d.connect(ctx, h, &t, a)
	if err != nil {
		return nil, err
	}
	sh := d.newSSHHost(t, client)
	if err := sh.detectRoot(ctx, d); err != nil {
		sh.Close()
		return nil, err
	}
	d.log.Debug("connected", "host", h.Name, "addr", t.addr, "user", t.user, "auth", a.desc, "via", t.via)
	return sh, nil
}

// target resolves how to reach h as OpenSSH would: what the spec says,
// else what ~/.ssh/config says for its address, else the defaults.
func (d *Dialer) target(h spec.Host) (target, error) {
	cfg, err := d.hostConfig(h.Address, sshMatchEnv{user: h.SSH.User, defaultUser: spec.DefaultSSHUser})
	if err != nil {
		return target{}, fmt.Errorf("host %s: %w", h.Name, err)
	}
	user := firstNonEmpty(h.SSH.User, cfg.User, spec.DefaultSSHUser)
	port := cmp.Or(h.SSH.Port, cfg.Port, spec.DefaultSSHPort)
	jump := firstNonEmpty(h.SSH.ProxyJump, cfg.ProxyJump)
	if strings.EqualFold(jump, "none") {
		jump = ""
	}
	addr := cfg.hostName(h.Address) // a Host alias's HostName
	t := target{
		host: h.Name, user: user, addr: net.JoinHostPort(addr, strconv.Itoa(port)),
		keyPath: d.expand(h.SSH.KeyPath), proxyJump: jump,
		knownHosts: d.expand(cmp.Or(h.SSH.KnownHostsPath, d.opts.KnownHostsPath)),
		sudoPwFile: d.expand(h.SSH.SudoPasswordFile),
	}
	if t.keyPath == "" {
		for _, f := range append(cfg.IdentityFiles, defaultIdentities()...) {
			t.identities = append(t.identities, expandIdentity(f, d.home(), addr, user))
		}
	}
	return t, nil
}

// defaultIdentities are the key files OpenSSH tries when none is named.
func defaultIdentities() []string {
	return []string{"~/.ssh/id_ed25519", "~/.ssh/id_ecdsa", "~/.ssh/id_rsa"}
}

// firstNonEmpty returns the first of ss that is not empty.
func firstNonEmpty(ss ...string) string { return cmp.Or(ss...) }

// hostConfig returns the ~/.ssh/config settings for a host name, reading
// the file (and those it includes) on first use.
func (d *Dialer) hostConfig(host string, env sshMatchEnv) (sshHostConfig, error) {
	d.cfgOnce.Do(func() {
		d.cfg, d.cfgErr = loadSSHConfig(d.opts.SSHConfigPath, d.home())
		d.localUser = localUser()
	})
	if d.cfgErr != nil {
		return sshHostConfig{}, d.cfgErr
	}
	env.localUser = d.localUser
	hc, err := d.cfg.lookup(host, env)
	if err != nil {
		return sshHostConfig{}, fmt.Errorf("%w: fix that line", err)
	}
	return hc, nil
}

// localUser is the name of the user running kubeup (Match localuser), or
// "" when it cannot be told.
func localUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USER")
}

// connect dials t directly or through h's bastion (recording it in t)
// and does the handshake.
func (d *Dialer) connect(ctx context.Context, h spec.Host, t *target, a *authMethod) (*ssh.Client, error) {
	var conn net.Conn
	var err error
	if t.proxyJump != "" {
		conn, err = d.dialViaJump(ctx, h, t, a)
	} else {
		conn, err = d.dialTCP(ctx, *t)
	}
	if err != nil {
		return nil, err
	}
	return d.handshake(ctx, conn, *t, a)
}

func (d *Dialer) dialTCP(ctx context.Context, t target) (net.Conn, error) {
	nd := net.Dialer{Timeout: d.opts.Timeout, KeepAlive: 15 * time.Second}
	conn, err := nd.DialContext(ctx, "tcp", t.addr)
	if err != nil {
		return nil, dialErr(ctx, t, err)
	}
	return conn, nil
}

// handshake runs the SSH handshake on conn, bounded by the timeout, and
// turns host key, authentication and protocol failures into clear errors.
func (d *Dialer) handshake(ctx context.Context, conn net.Conn, t target, a *authMethod) (*ssh.Client, error) {
	keys, err := d.hostKeys(t)
	if err != nil {
		conn.Close()
		return nil, err
	}
	cfg := &ssh.ClientConfig{
		User:              t.user,
		Auth:              a.methods,
		HostKeyCallback:   keys.callback,
		HostKeyAlgorithms: keys.algorithms(t.addr),
		ClientVersion:     "SSH-2.0-kubeup",
	}
	hctx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
	defer cancel()
	stop := context.AfterFunc(hctx, func() { conn.Close() })
	c, chans, reqs, err := ssh.NewClientConn(conn, t.addr, cfg)
	if !stop() {
		if err == nil {
			c.Close()
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: connect: %w", t.label(), context.Cause(ctx))
		}
		return nil, &DialError{Label: t.label(), Reason: fmt.Sprintf("connection timed out (no ssh handshake within %s)", d.opts.Timeout), Err: context.DeadlineExceeded}
	}
	if err != nil {
		conn.Close()
		return nil, handshakeErr(t, a, keys.failed, err)
	}
	return ssh.NewClient(c, chans, reqs), nil
}

// expand replaces a leading "~" with the home directory.
func (d *Dialer) expand(p string) string {
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return p
	}
	return d.home() + p[1:]
}

// home is the home directory of DialOptions, or the user's.
func (d *Dialer) home() string {
	if d.opts.HomeDir != "" {
		return d.opts.HomeDir
	}
	home, _ := os.UserHomeDir()
	return home
}

// Close closes the bastion connections. Hosts are closed by their own
// Close.
func (d *Dialer) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	var errs []error
	for k, j := range d.jumps {
		j.ka.stop()
		errs = append(errs, j.client.Close())
		delete(d.jumps, k)
	}
	return errors.Join(errs...)
}

// sshHost is a Host reached over one SSH connection.
type sshHost struct {
	t        target
	client   *ssh.Client
	sudo     bool
	sudoPw   []byte // the sudo password when sudo needs one; never logged
	ka       *keepalive
	sessions chan struct{}
	timeout  time.Duration

	sftpMu sync.Mutex
	sftpc  *sftp.Client
}

func (d *Dialer) newSSHHost(t target, c *ssh.Client) *sshHost {
	return &sshHost{
		t: t, client: c, timeout: d.opts.Timeout,
		ka:       startKeepalive(c, t.addr, d.opts.Timeout),
		sessions: make(chan struct{}, d.opts.MaxSessions),
	}
}

// detectRoot decides whether commands need sudo: not when the user is
// uid 0; else sudo must work, without a password or with the one d finds
// (ssh.sudoPasswordFile, or asked once on the terminal).
func (h *sshHost) detectRoot(ctx context.Context, d *Dialer) error {
	out, _, err := h.Exec(ctx, "id -u")
	if err != nil {
		return fmt.Errorf("%s: %w", h.t.label(), err)
	}
	lines := strings.Fields(string(out)) // the last word: shell start-up files may print
	if len(lines) > 0 && lines[len(lines)-1] == "0" {
		return nil
	}
	h.sudo = true
	_, _, err = h.Exec(ctx, "true")
	var se *SudoError
	switch {
	case errors.As(err, &se) && se.NeedsPassword:
		return h.useSudoPassword(ctx, d, se)
	case errors.As(err, &se):
		return se
	case err != nil:
		return fmt.Errorf("%s: check sudo: %w", h.t.label(), err)
	}
	return nil
}

// useSudoPassword gets the sudo password from d and checks that sudo
// takes it; se is the error to return when there is none.
func (h *sshHost) useSudoPassword(ctx context.Context, d *Dialer, se *SudoError) error {
	pw, from, err := d.sudoPassword(h.t)
	switch {
	case err != nil:
		return err
	case pw == nil:
		return se
	}
	h.sudoPw = pw
	if _, _, err := h.Exec(ctx, "true"); err != nil {
		h.sudoPw = nil
		return fmt.Errorf("%s: sudo refused the password from %s for user %s: check the password (%w)", h.t.label(), from, h.t.user, err)
	}
	return nil
}

// rootCmd wraps cmd to run as root: as is for root, through sudo -n, or
// through sudo -S -k when sudo needs a password (which stdinFor puts
// first on stdin; -k makes sudo always read it, so it never reaches cmd).
func (h *sshHost) rootCmd(cmd string) string {
	if h.sudoPw == nil {
		return asRoot(cmd, h.sudo)
	}
	return "sudo -k -S -p '' -- sh -c " + Quote(cmd)
}

// stdinFor is a command's stdin: the sudo password line, when sudo needs
// one, before in.
func (h *sshHost) stdinFor(in io.Reader) io.Reader {
	if h.sudoPw == nil {
		return in
	}
	pw := io.MultiReader(bytes.NewReader(h.sudoPw), strings.NewReader("\n"))
	if in == nil {
		return pw
	}
	return io.MultiReader(pw, in)
}

// Name implements Host.
func (h *sshHost) Name() string { return h.t.host }

// Exec implements Host. Cancelling ctx returns at once: Exec asks sshd
// to kill the command and closes the session (sshd honours the signal
// only for non-root users; a root command runs to its end, holding a
// session slot until then).
func (h *sshHost) Exec(ctx context.Context, cmd string, opts ...ExecOption) ([]byte, []byte, error) {
	c := newExecConfig(opts)
	op := "exec " + describeCmd(cmdForErrors(cmd, c))
	if err := h.acquire(ctx); err != nil {
		return nil, nil, h.connErr(op, err)
	}
	sess, err := h.newSession(ctx)
	if err != nil {
		<-h.sessions
		return nil, nil, h.connErr(op, err)
	}
	o := newOutputs(c)
	g := &gate{}
	sess.Stdin, sess.Stdout, sess.Stderr = g.reader(h.stdinFor(c.stdin)), g.writer(o.stdout), g.writer(o.stderr)
	if err := sess.Start(h.rootCmd(cmd)); err != nil {
		sess.Close()
		<-h.sessions
		return nil, nil, h.connErr(op, err)
	}
	done := make(chan error, 1)
	go func() {
		done <- sess.Wait()
		sess.Close()
		<-h.sessions
	}()
	select {
	case err = <-done:
		return o.stdoutBytes(), o.err.Bytes(), h.execErr(op, cmdForErrors(cmd, c), err, o.err.Bytes())
	case <-ctx.Done():
		g.cut()
		_ = sess.Signal(ssh.SIGKILL)
		_ = sess.Close()
		return nil, nil, fmt.Errorf("%s: %w", op, context.Cause(ctx))
	}
}

// newSession opens a session, retrying while sshd refuses it for having
// too many (it frees a closed session's slot a moment after the close).
func (h *sshHost) newSession(ctx context.Context) (*ssh.Session, error) {
	deadline := time.Now().Add(h.timeout)
	delay := 5 * time.Millisecond
	for {
		sess, err := h.client.NewSession()
		var oe *ssh.OpenChannelError
		if err == nil || !errors.As(err, &oe) || (oe.Reason != ssh.ConnectionFailed && oe.Reason != ssh.Prohibited) {
			return sess, err
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%w: sshd keeps refusing new sessions: raise MaxSessions in its sshd_config or lower kubeup's per-host limit", err)
		}
		if err := sleep(ctx, delay); err != nil {
			return nil, err
		}
		delay = min(2*delay, 200*time.Millisecond)
	}
}

// acquire takes one of the host's session slots.
func (h *sshHost) acquire(ctx context.Context) error {
	select {
	case h.sessions <- struct{}{}:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

func (h *sshHost) execErr(op, cmd string, err error, stderr []byte) error {
	if err == nil {
		return nil
	}
	var ee *ssh.ExitError
	if errors.As(err, &ee) {
		code := ee.ExitStatus()
		if ee.Signal() != "" {
			code = -1
			stderr = append(stderr, "\nkilled by signal "+ee.Signal()...)
		}
		return exitErr(h.t.host, h.t.user, h.sudo, cmd, code, stderr)
	}
	return h.connErr(op, err)
}

// exitErr builds the error of a command that exited with code.
func exitErr(host, user string, sudo bool, cmd string, code int, stderr []byte) error {
	if sudo {
		if se := sudoFailure(host, user, code, stderr); se != nil {
			return se
		}
	}
	return &ExitError{Host: host, Cmd: cmd, Code: code, Stderr: tail(stderr)}
}

// connErr wraps a transport failure, preferring the keepalive's verdict
// when the host stopped answering.
func (h *sshHost) connErr(op string, err error) error {
	if dead := h.ka.err(); dead != nil {
		return fmt.Errorf("%s: %w", op, dead)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// Upload implements Host. As root it creates path.tmp-XXXX with its final
// mode (a shell redirection under a umask: SFTP cannot create a file with
// a mode), fills it over SFTP and renames it; as another user the sudo
// install script reads the content from stdin straight into the target
// directory (see installScript). Nothing is staged in /tmp.
func (h *sshHost) Upload(ctx context.Context, r io.Reader, p string, mode fs.FileMode) error {
	if err := checkPath(p); err != nil {
		return err
	}
	var err error
	if h.sudo {
		err = uploadViaStdin(ctx, h, r, p, mode)
	} else {
		err = h.uploadRoot(ctx, r, p, mode)
	}
	if err != nil {
		return fmt.Errorf("upload %s: %w", p, err)
	}
	return nil
}

// uploadRoot creates the temporary file by command, with its mode, then
// writes it over SFTP and renames it to p.
func (h *sshHost) uploadRoot(ctx context.Context, r io.Reader, p string, mode fs.FileMode) error {
	c, err := h.sftp()
	if err != nil {
		return err
	}
	tmp := tmpName(p)
	if _, _, err := h.Exec(ctx, createScript(tmp, p, mode)); err != nil {
		return err
	}
	if err := h.sftpWrite(ctx, c, tmp, r, mode); err != nil {
		_ = c.Remove(tmp)
		return err
	}
	if err := c.PosixRename(tmp, p); err != nil {
		_ = c.Remove(tmp)
		return h.connErr("rename "+tmp, err)
	}
	return nil
}

// sftpWrite opens name, which createScript made, sets mode exactly (the
// umask left out execute bits) and copies r into it.
func (h *sshHost) sftpWrite(ctx context.Context, c *sftp.Client, name string, r io.Reader, mode fs.FileMode) error {
	f, err := c.OpenFile(name, os.O_WRONLY|os.O_TRUNC)
	if err != nil {
		return h.connErr("open "+name, err)
	}
	defer f.Close()
	if err := f.Chmod(mode); err != nil {
		return h.connErr("chmod "+name, err)
	}
	if _, err := io.Copy(f, ctxReader{ctx: ctx, r: r}); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("write %s: %w", name, context.Cause(ctx))
		}
		return h.connErr("write "+name, err)
	}
	if err := f.Close(); err != nil {
		return h.connErr("close "+name, err)
	}
	return nil
}

// sftp returns the host's SFTP client, opening it on first use.
func (h *sshHost) sftp() (*sftp.Client, error) {
	h.sftpMu.Lock()
	defer h.sftpMu.Unlock()
	if h.sftpc != nil {
		return h.sftpc, nil
	}
	c, err := sftp.NewClient(h.client, sftp.UseConcurrentWrites(true))
	if err != nil {
		return nil, h.connErr("start sftp (is the sftp subsystem enabled in sshd_config?)", err)
	}
	h.sftpc = c
	return c, nil
}

// WriteFile implements Host.
func (h *sshHost) WriteFile(ctx context.Context, f hostfile.File) error { return writeFile(ctx, h, f) }

// ReadFile implements Host.
func (h *sshHost) ReadFile(ctx context.Context, p string) ([]byte, error) {
	return readVia(ctx, h, p)
}

// SHA256 implements Host.
func (h *sshHost) SHA256(ctx context.Context, p string) (string, error) {
	return sha256Via(ctx, h, p)
}

// Close implements Host.
func (h *sshHost) Close() error {
	h.ka.stop()
	h.sftpMu.Lock()
	if h.sftpc != nil {
		h.sftpc.Close()
		h.sftpc = nil
	}
	h.sftpMu.Unlock()
	if err := h.client.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("close %s: %w", h.t.label(), err)
	}
	return nil
}

// gate cuts a command's stdin and outputs off from the caller once Exec
// has returned early, since the session's copy goroutines may still run.
type gate struct {
	mu  sync.Mutex
	off bool
}

func (g *gate) cut() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.off = true
}

func (g *gate) isOff() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.off
}

func (g *gate) reader(r io.Reader) io.Reader {
	if r == nil {
		return nil
	}
	return gatedReader{g: g, r: r}
}

func (g *gate) writer(w io.Writer) io.Writer { return gatedWriter{g: g, w: w} }

type gatedReader struct {
	g *gate
	r io.Reader
}

func (r gatedReader) Read(p []byte) (int, error) {
	if r.g.isOff() {
		return 0, io.EOF
	}
	return r.r.Read(p)
}

type gatedWriter struct {
	g *gate
	w io.Writer
}

// Write holds the gate's lock so that nothing is written after cut.
func (w gatedWriter) Write(p []byte) (int, error) {
	w.g.mu.Lock()
	defer w.g.mu.Unlock()
	if w.g.off {
		return len(p), nil
	}
	return w.w.Write(p)
}
