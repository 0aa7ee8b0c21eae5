//go:build e2e

package host

// Integration tests against real OpenSSH servers started on 127.0.0.1.
// They need root (sshd runs as root and the tests create users) and the
// Debian packages openssh-server and sudo, which `make prereqs`
// (hack/ensure-prereqs.sh) installs.

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"kubeup.dev/kubeup/internal/spec"
)

const sshdPath = "/usr/sbin/sshd"

// sshd is one OpenSSH server run for a test.
type sshd struct {
	port    int
	hostKey ssh.PublicKey
	logPath string
}

// e2eEnv is what the tests share: a directory with the user key, the
// authorized_keys per user and known_hosts.
type e2eEnv struct {
	dir        string
	keyPath    string // authorized for every user
	authKeys   string // directory of authorized_keys files, one per user
	knownHosts string
}

func newEnv(t *testing.T) *e2eEnv {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the sshd tests need root: they run sshd and create users (run them in CI or with sudo)")
	}
	if _, err := os.Stat(sshdPath); err != nil {
		t.Fatalf("%s is missing: install openssh-server (make prereqs does)", sshdPath)
	}
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil { // sshd's privilege separation directory
		t.Fatal(err)
	}
	dir := t.TempDir()
	// Other users' sshd processes read their authorized_keys below dir.
	os.Chmod(filepath.Dir(dir), 0o755)
	os.Chmod(dir, 0o755)
	e := &e2eEnv{dir: dir, authKeys: filepath.Join(dir, "authorized_keys"), knownHosts: filepath.Join(dir, "known_hosts")}
	if err := os.Mkdir(e.authKeys, 0o755); err != nil {
		t.Fatal(err)
	}
	var pub ssh.PublicKey
	e.keyPath, pub = genKey(t, dir, "id_user")
	e.authorize(t, "root", pub)
	e.rootAlias(t)
	return e
}

// rootUser is a uid-0 user with /bin/sh as its shell. The tests log in as
// it rather than as root so that root's shell start-up files (bash reads
// ~/.bashrc for ssh commands) do not slow every command down.
const rootUser = "kubeup-e2e-root"

func (e *e2eEnv) rootAlias(t *testing.T) {
	t.Helper()
	exec.Command("userdel", "-f", rootUser).Run()
	out, err := exec.Command("useradd", "-o", "-u", "0", "-g", "0", "-M", "-d", e.dir, "-s", "/bin/sh", rootUser).CombinedOutput()
	if err != nil {
		t.Fatalf("useradd: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("userdel", "-f", rootUser).Run() })
	if out, err := exec.Command("usermod", "-p", "*", rootUser).CombinedOutput(); err != nil {
		t.Fatalf("usermod: %v: %s", err, out)
	}
	e.authorize(t, rootUser, readPub(t, e.keyPath))
}

// genKey writes an ed25519 private key file and returns it with its
// public key.
func genKey(t *testing.T, dir, name string) (string, ssh.PublicKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	blk, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(blk), 0o600); err != nil {
		t.Fatal(err)
	}
	sp, _ := ssh.NewPublicKey(pub)
	return p, sp
}

func (e *e2eEnv) authorize(t *testing.T, user string, pub ssh.PublicKey) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(e.authKeys, user), ssh.MarshalAuthorizedKey(pub), 0o644); err != nil {
		t.Fatal(err)
	}
}

// startSSHD runs sshd on a free port with a new host key (or hostKeyPath
// when set) until the test ends.
func (e *e2eEnv) startSSHD(t *testing.T, name, hostKeyPath string) *sshd {
	t.Helper()
	dir := filepath.Join(e.dir, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	var pub ssh.PublicKey
	if hostKeyPath == "" {
		hostKeyPath, pub = genKey(t, dir, "host_key")
	} else {
		pub = readPub(t, hostKeyPath)
	}
	s := &sshd{port: freePort(t), hostKey: pub, logPath: filepath.Join(dir, "sshd.log")}
	cfg := filepath.Join(dir, "sshd_config")
	conf := fmt.Sprintf(`Port %d
ListenAddress 127.0.0.1
HostKey %s
PidFile %s/sshd.pid
AuthorizedKeysFile %s/%%u
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
Subsystem sftp internal-sftp
AllowTcpForwarding yes
MaxStartups 100
LogLevel DEBUG1
`, s.port, hostKeyPath, dir, e.authKeys)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(sshdPath, "-D", "-f", cfg, "-E", s.logPath)
	if out, err := exec.Command(sshdPath, "-t", "-f", cfg).CombinedOutput(); err != nil {
		t.Fatalf("sshd -t: %v: %s", err, out)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	waitPort(t, s.port)
	return s
}

func readPub(t *testing.T, keyPath string) ssh.PublicKey {
	b, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.ParsePrivateKey(b)
	if err != nil {
		t.Fatal(err)
	}
	return s.PublicKey()
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func waitPort(t *testing.T, port int) {
	t.Helper()
	for range 100 {
		if c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port)); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("sshd did not listen on port %d", port)
}

func (e *e2eEnv) spec(name, user string, port int) spec.Host {
	return spec.Host{Name: name, Address: "127.0.0.1", SSH: spec.SSH{User: user, Port: port, KeyPath: e.keyPath}}
}

func (e *e2eEnv) dialer(accept bool, timeout time.Duration) *Dialer {
	return NewDialer(DialOptions{KnownHostsPath: e.knownHosts, AcceptNewHostKeys: accept, Timeout: timeout})
}

// dial connects as user, accepting the host key.
func (e *e2eEnv) dial(t *testing.T, s *sshd, user string) Host {
	t.Helper()
	h, err := e.dialer(true, 10*time.Second).Dial(context.Background(), e.spec("node1", user, s.port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func TestSSHExec(t *testing.T) {
	e := newEnv(t)
	s := e.startSSHD(t, "node1", "")
	ctx := context.Background()
	if out, _, err := e.dial(t, s, "root").Exec(ctx, "id -u"); err != nil || string(out) != "0\n" {
		t.Fatalf("Exec as root: %q %v", out, err)
	}
	h := e.dial(t, s, rootUser)

	out, errb, err := h.Exec(ctx, "echo out; echo err >&2; id -u")
	if err != nil || string(out) != "out\n0\n" || string(errb) != "err\n" {
		t.Fatalf("Exec = %q %q %v", out, errb, err)
	}
	_, _, err = h.Exec(ctx, "echo failing >&2; exit 7")
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != 7 || ee.Stderr != "failing" || ee.Host != "node1" {
		t.Fatalf("exit 7: %v", err)
	}
	out, _, err = h.Exec(ctx, "wc -c", Stdin(bytes.NewReader(make([]byte, 1<<20))))
	if err != nil || strings.TrimSpace(string(out)) != "1048576" {
		t.Fatalf("stdin: %q %v", out, err)
	}

	// More concurrent commands than sshd's MaxSessions (10) on one connection.
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 30)
	for i := range 30 {
		wg.Go(func() {
			out, _, err := h.Exec(ctx, fmt.Sprintf("sleep 0.1; echo %d", i))
			if err == nil && strings.TrimSpace(string(out)) != strconv.Itoa(i) {
				err = fmt.Errorf("command %d printed %q", i, out)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("30 concurrent commands took %s", time.Since(start))

	cctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	start = time.Now()
	if _, _, err := h.Exec(cctx, "sleep 5"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cancelled exec: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("cancelled exec returned after %s", d)
	}
	if _, _, err := h.Exec(ctx, "true"); err != nil {
		t.Fatalf("connection unusable after a cancelled command: %v", err)
	}
}

func TestSSHFiles(t *testing.T) {
	e := newEnv(t)
	h := e.dial(t, e.startSSHD(t, "node1", ""), rootUser)
	ctx := context.Background()
	dir := filepath.Join(e.dir, "files")
	p := filepath.Join(dir, "etc", "kubernetes", "pki", "ca.key")

	if err := h.Upload(ctx, strings.NewReader("v1"), p, 0o600); err != nil {
		t.Fatal(err)
	}
	assertFile(t, p, "v1", 0o600)

	// Replace a file while a reader polls it: it sees the old or the new
	// content, never a part.
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<20) // 16 MiB
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if b, err := os.ReadFile(p); err == nil && string(b) != "v1" && len(b) != len(big) {
				t.Errorf("reader saw a partial file of %d bytes", len(b))
				return
			}
		}
	})
	start := time.Now()
	if err := h.Upload(ctx, bytes.NewReader(big), p, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("uploaded 16 MiB in %s", time.Since(start))
	close(stop)
	wg.Wait()
	assertFile(t, p, string(big), 0o644)
	assertNoTemp(t, filepath.Dir(p))

	b, err := h.ReadFile(ctx, p)
	if err != nil || !bytes.Equal(b, big) {
		t.Fatalf("ReadFile: %d bytes, %v", len(b), err)
	}
	sum, _ := NewLocal("l").SHA256(ctx, p)
	if got, err := h.SHA256(ctx, p); err != nil || got != sum {
		t.Fatalf("SHA256 = %s, %v; want %s", got, err, sum)
	}
	if _, err := h.ReadFile(ctx, p+".missing"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("ReadFile missing: %v", err)
	}
	if _, err := h.SHA256(ctx, p+".missing"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("SHA256 missing: %v", err)
	}

	// A cancelled upload leaves the old file and no temporary file.
	cctx, cancel := context.WithCancel(ctx)
	r := &cancelAfter{r: bytes.NewReader(big), n: 1 << 20, cancel: cancel}
	if err := h.Upload(cctx, r, p, 0o644); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled upload: %v", err)
	}
	assertFile(t, p, string(big), 0o644)
	assertNoTemp(t, filepath.Dir(p))
}

// cancelAfter cancels a context once n bytes were read.
type cancelAfter struct {
	r      io.Reader
	n      int
	cancel func()
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.n -= n; c.n <= 0 {
		c.cancel()
	}
	return n, err
}

func TestSSHKnownHosts(t *testing.T) {
	e := newEnv(t)
	s := e.startSSHD(t, "node1", "")
	ctx := context.Background()
	hs := e.spec("node1", rootUser, s.port)

	_, err := e.dialer(false, 5*time.Second).Dial(ctx, hs)
	var he *HostKeyError
	if !errors.As(err, &he) || !he.Unknown {
		t.Fatalf("unknown host key: %v", err)
	}
	t.Logf("unknown: %v", err)

	h, err := e.dialer(true, 5*time.Second).Dial(ctx, hs)
	if err != nil {
		t.Fatalf("accept: %v", err)
	}
	h.Close()
	b, _ := os.ReadFile(e.knownHosts)
	if want := fmt.Sprintf("[127.0.0.1]:%d %s", s.port, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.hostKey)))); strings.TrimSpace(string(b)) != want {
		t.Fatalf("known_hosts = %q, want %q", b, want)
	}
	h, err = e.dialer(false, 5*time.Second).Dial(ctx, hs)
	if err != nil {
		t.Fatalf("known host: %v", err)
	}
	h.Close()

	// The same address now presents another key.
	s2 := e.startSSHD(t, "node1-reinstalled", "")
	line := fmt.Sprintf("[127.0.0.1]:%d %s", s2.port, ssh.MarshalAuthorizedKey(s.hostKey))
	f, _ := os.OpenFile(e.knownHosts, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(line)
	f.Close()
	_, err = e.dialer(true, 5*time.Second).Dial(ctx, e.spec("node1", rootUser, s2.port))
	if !errors.As(err, &he) || he.Unknown || he.Line != 2 {
		t.Fatalf("changed host key: %v", err)
	}
	for _, want := range []string{"HOST KEY CHANGED", e.knownHosts + ":2", fmt.Sprintf(`ssh-keygen -f %s -R "[127.0.0.1]:%d"`, e.knownHosts, s2.port)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	t.Logf("changed: %v", err)
}

func TestSSHWrongKey(t *testing.T) {
	e := newEnv(t)
	s := e.startSSHD(t, "node1", "")
	wrong, _ := genKey(t, e.dir, "id_wrong")
	hs := e.spec("node1", rootUser, s.port)
	hs.SSH.KeyPath = wrong
	_, err := e.dialer(true, 5*time.Second).Dial(context.Background(), hs)
	var ae *AuthError
	want := fmt.Sprintf("host node1 (127.0.0.1:%d): ssh authentication as %s with key %s failed: check ssh.keyPath and the host's authorized_keys for %[2]s", s.port, rootUser, wrong)
	if !errors.As(err, &ae) || err.Error() != want {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
}

// testUser creates a local user that can log in with e's key, and
// removes it when the test ends.
func (e *e2eEnv) testUser(t *testing.T, name string, sudo bool) {
	t.Helper()
	exec.Command("userdel", "-f", "-r", name).Run()
	if out, err := exec.Command("useradd", "-m", "-s", "/bin/sh", name).CombinedOutput(); err != nil {
		t.Fatalf("useradd: %v: %s", err, out)
	}
	// "*" rather than useradd's "!": sshd refuses locked accounts.
	if out, err := exec.Command("usermod", "-p", "*", name).CombinedOutput(); err != nil {
		t.Fatalf("usermod: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("userdel", "-f", "-r", name).Run() })
	e.authorize(t, name, readPub(t, e.keyPath))
	if sudo {
		if _, err := exec.LookPath("sudo"); err != nil {
			t.Fatal("sudo is missing: install it (make prereqs does)")
		}
		p := "/etc/sudoers.d/" + name
		if err := os.WriteFile(p, []byte(name+" ALL=(ALL) NOPASSWD: ALL\n"), 0o440); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Remove(p) })
	}
}

func TestSSHNonRootSudo(t *testing.T) {
	e := newEnv(t)
	s := e.startSSHD(t, "node1", "")
	e.testUser(t, "kubeup-e2e-sudo", true)
	h := e.dial(t, s, "kubeup-e2e-sudo")
	ctx := context.Background()
	if out, _, err := h.Exec(ctx, "id -u; whoami"); err != nil || string(out) != "0\nroot\n" {
		t.Fatalf("Exec as root via sudo: %q %v", out, err)
	}
	_, _, err := h.Exec(ctx, "echo 'it''s' >&2; exit 4")
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != 4 || ee.Stderr != "its" {
		t.Fatalf("exit code through sudo: %v", err)
	}
	root := filepath.Join(e.dir, "rootonly")
	os.Mkdir(root, 0o700)
	p := filepath.Join(root, "sub", "kubelet.conf")
	if err := h.Upload(ctx, strings.NewReader("secret"), p, 0o600); err != nil {
		t.Fatal(err)
	}
	assertFile(t, p, "secret", 0o600)
	st, _ := os.Stat(p)
	if uid := statUID(st); uid != 0 {
		t.Fatalf("uploaded file owned by uid %d, want root", uid)
	}
	assertNoTemp(t, filepath.Dir(p))
	if b, err := h.ReadFile(ctx, p); err != nil || string(b) != "secret" {
		t.Fatalf("ReadFile of a root-only file: %q %v", b, err)
	}
	if _, err := h.ReadFile(ctx, p+".missing"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("ReadFile missing: %v", err)
	}
	leftovers, _ := filepath.Glob("/tmp/.kubeup-upload*")
	if len(leftovers) > 0 {
		t.Errorf("staged uploads left in /tmp: %v", leftovers)
	}

	// A large file streams through sudo's stdin into the target directory.
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MiB
	src := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(src, big, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	start := time.Now()
	if err := h.Upload(ctx, f, filepath.Join(root, "sub", "kubelet"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("uploaded 4 MiB through sudo in %s", time.Since(start))
	assertFile(t, filepath.Join(root, "sub", "kubelet"), string(big), 0o755)
	assertNoTemp(t, filepath.Dir(p))
}

func TestSSHNonRootWithoutSudo(t *testing.T) {
	e := newEnv(t)
	s := e.startSSHD(t, "node1", "")
	e.testUser(t, "kubeup-e2e-nosudo", false)
	_, err := e.dialer(true, 10*time.Second).Dial(context.Background(), e.spec("node1", "kubeup-e2e-nosudo", s.port))
	var se *SudoError
	want := "user kubeup-e2e-nosudo needs password-less sudo (add 'kubeup-e2e-nosudo ALL=(ALL) NOPASSWD: ALL' to /etc/sudoers.d/kubeup)"
	if !errors.As(err, &se) || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v\nwant it to contain %s", err, want)
	}
	t.Logf("no sudo: %v", err)
}

func TestSSHProxyJump(t *testing.T) {
	e := newEnv(t)
	target := e.startSSHD(t, "node1", "")
	bastion := e.startSSHD(t, "bastion", "")
	d := e.dialer(true, 10*time.Second)
	defer d.Close()
	ctx := context.Background()
	var hosts []Host
	for _, name := range []string{"node1", "node2"} { // two hosts share one bastion connection
		hs := e.spec(name, rootUser, target.port)
		hs.SSH.ProxyJump = fmt.Sprintf("%s@127.0.0.1:%d", rootUser, bastion.port)
		h, err := d.Dial(ctx, hs)
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		hosts = append(hosts, h)
	}
	for _, h := range hosts {
		if out, _, err := h.Exec(ctx, "echo via bastion"); err != nil || string(out) != "via bastion\n" {
			t.Fatalf("Exec through bastion: %q %v", out, err)
		}
	}
	if err := hosts[0].Upload(ctx, strings.NewReader("x"), filepath.Join(e.dir, "jumped"), 0o644); err != nil {
		t.Fatal(err)
	}
	log, _ := os.ReadFile(bastion.logPath)
	forwards := strings.Count(string(log), fmt.Sprintf("target 127.0.0.1 port %d", target.port))
	logins := strings.Count(string(log), "Accepted publickey for "+rootUser)
	if forwards != 2 || logins != 1 {
		t.Fatalf("bastion log: %d forwards to the target (want 2), %d logins (want 1)", forwards, logins)
	}
}

// freezer is a TCP proxy that can stop forwarding, like a host that
// stops answering (paused VM, pulled cable).
type freezer struct {
	ln     net.Listener
	mu     sync.Mutex
	frozen bool
	thawed chan struct{}
}

func newFreezer(t *testing.T, target int) *freezer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &freezer{ln: ln, thawed: make(chan struct{})}
	close(f.thawed)
	t.Cleanup(func() { f.set(false); ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(c, target)
		}
	}()
	return f
}

func (f *freezer) port() int { return f.ln.Addr().(*net.TCPAddr).Port }

func (f *freezer) set(frozen bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if frozen == f.frozen {
		return
	}
	f.frozen = frozen
	if frozen {
		f.thawed = make(chan struct{})
	} else {
		close(f.thawed)
	}
}

func (f *freezer) gate() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.thawed
}

func (f *freezer) serve(c net.Conn, target int) {
	defer c.Close()
	b, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(target))
	if err != nil {
		return
	}
	defer b.Close()
	done := make(chan struct{}, 2)
	go func() { f.pipe(b, c); done <- struct{}{} }()
	go func() { f.pipe(c, b); done <- struct{}{} }()
	<-done
}

func (f *freezer) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		<-f.gate()
		n, err := src.Read(buf)
		<-f.gate()
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func TestSSHHostStopsAnswering(t *testing.T) {
	e := newEnv(t)
	s := e.startSSHD(t, "node1", "")
	fz := newFreezer(t, s.port)
	const timeout = 3 * time.Second
	d := e.dialer(true, timeout)
	ctx := context.Background()
	h, err := d.Dial(ctx, e.spec("node1", rootUser, fz.port()))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if _, _, err := h.Exec(ctx, "true"); err != nil {
		t.Fatal(err)
	}

	// A command running when the host stops answering, and one started
	// after, both fail within the timeout.
	running := make(chan error, 1)
	go func() { _, _, err := h.Exec(ctx, "sleep 8"); running <- err }()
	time.Sleep(200 * time.Millisecond)
	fz.set(true)
	start := time.Now()
	_, _, err = h.Exec(ctx, "true")
	took := time.Since(start)
	if !errors.Is(err, ErrNotAnswering) || took > timeout+time.Second {
		t.Fatalf("exec on a frozen host: %v after %s (timeout %s)", err, took, timeout)
	}
	t.Logf("frozen host failed after %s: %v", took.Round(10*time.Millisecond), err)
	select {
	case err := <-running:
		if !errors.Is(err, ErrNotAnswering) {
			t.Fatalf("running command: %v", err)
		}
	case <-time.After(time.Second):
		t.Fatal("the running command did not fail")
	}
	if err := h.Upload(ctx, strings.NewReader("x"), "/tmp/kubeup-frozen", 0o644); !errors.Is(err, ErrNotAnswering) {
		t.Fatalf("upload on a dead connection: %v", err)
	}

	// Dialling a host that accepts TCP but never answers fails too.
	start = time.Now()
	_, err = d.Dial(ctx, e.spec("node1", rootUser, fz.port()))
	if err == nil || !strings.Contains(err.Error(), "timed out") || time.Since(start) > timeout+time.Second {
		t.Fatalf("dial frozen host: %v after %s", err, time.Since(start))
	}
	t.Logf("dial: %v", err)
}

func statUID(st os.FileInfo) uint32 { return st.Sys().(*syscall.Stat_t).Uid }

// TestSSHWithoutKeyPath: a host without keyPath logs in with the key in
// ssh-agent, or with the default identity ~/.ssh/id_ed25519, as OpenSSH.
func TestSSHWithoutKeyPath(t *testing.T) {
	e := newEnv(t)
	s := e.startSSHD(t, "node1", "")
	ctx := context.Background()
	hs := e.spec("node1", rootUser, s.port)
	hs.SSH.KeyPath = ""

	// The agent holds the key; the home directory holds none.
	b, err := os.ReadFile(e.keyPath)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := ssh.ParseRawPrivateKey(b)
	if err != nil {
		t.Fatal(err)
	}
	sock := serveAgent(t, priv)
	d := NewDialer(DialOptions{KnownHostsPath: e.knownHosts, AcceptNewHostKeys: true, Timeout: 10 * time.Second,
		HomeDir: t.TempDir(), AgentSocket: sock})
	h, err := d.Dial(ctx, hs)
	if err != nil {
		t.Fatalf("agent login: %v", err)
	}
	h.Close()

	// No agent; the key is the default identity.
	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, ".ssh"), 0o700)
	if err := os.WriteFile(filepath.Join(home, ".ssh", "id_ed25519"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	d = NewDialer(DialOptions{KnownHostsPath: e.knownHosts, Timeout: 10 * time.Second, HomeDir: home})
	h, err = d.Dial(ctx, hs)
	if err != nil {
		t.Fatalf("default identity login: %v", err)
	}
	if out, _, err := h.Exec(ctx, "echo ok"); err != nil || string(out) != "ok\n" {
		t.Fatalf("Exec: %q %v", out, err)
	}
	h.Close()
}

// TestSSHConfigAndTwoHopProxyJump: ~/.ssh/config gives the user, port,
// identity file and a two-hop ProxyJump for a host the spec names by
// address only; the first bastion forwards to the second, the second to
// the host.
func TestSSHConfigAndTwoHopProxyJump(t *testing.T) {
	e := newEnv(t)
	target := e.startSSHD(t, "node1", "")
	b1 := e.startSSHD(t, "bastion1", "")
	b2 := e.startSSHD(t, "bastion2", "")
	home := t.TempDir()
	cfg := filepath.Join(home, "config")
	doc := fmt.Sprintf("Host 127.0.0.1\n  User %s\n  Port %d\n  IdentityFile %s\n  ProxyJump 127.0.0.1:%d,127.0.0.1:%d\n",
		rootUser, target.port, e.keyPath, b1.port, b2.port)
	if err := os.WriteFile(cfg, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	d := NewDialer(DialOptions{KnownHostsPath: e.knownHosts, AcceptNewHostKeys: true, Timeout: 10 * time.Second,
		HomeDir: home, SSHConfigPath: cfg})
	defer d.Close()
	ctx := context.Background()
	h, err := d.Dial(ctx, spec.Host{Name: "node1", Address: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if out, _, err := h.Exec(ctx, "echo via two bastions"); err != nil || string(out) != "via two bastions\n" {
		t.Fatalf("Exec through two bastions: %q %v", out, err)
	}
	if err := h.Upload(ctx, strings.NewReader("x"), filepath.Join(e.dir, "jumped2"), 0o600); err != nil {
		t.Fatal(err)
	}
	log1, _ := os.ReadFile(b1.logPath)
	log2, _ := os.ReadFile(b2.logPath)
	if !strings.Contains(string(log1), fmt.Sprintf("target 127.0.0.1 port %d", b2.port)) ||
		!strings.Contains(string(log2), fmt.Sprintf("target 127.0.0.1 port %d", target.port)) {
		t.Fatalf("want bastion1 to forward to bastion2 and bastion2 to the host:\n--- bastion1\n%s\n--- bastion2\n%s", log1, log2)
	}
}

// TestSSHSudoWithPassword: a user whose sudo asks for a password works
// with ssh.sudoPasswordFile; the password never reaches a command's input
// or output; a wrong one is refused with the fix.
func TestSSHSudoWithPassword(t *testing.T) {
	e := newEnv(t)
	s := e.startSSHD(t, "node1", "")
	const name, password = "kubeup-e2e-sudopw", "pw-Kubeup-1"
	e.testUser(t, name, false)
	if out, err := exec.Command("sh", "-c", "echo '"+name+":"+password+"' | chpasswd").CombinedOutput(); err != nil {
		t.Fatalf("chpasswd: %v: %s", err, out)
	}
	sudoers := "/etc/sudoers.d/" + name
	if err := os.WriteFile(sudoers, []byte(name+" ALL=(ALL) ALL\n"), 0o440); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(sudoers) })
	pwFile := filepath.Join(t.TempDir(), "sudo-password")
	if err := os.WriteFile(pwFile, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	hs := e.spec("node1", name, s.port)

	// Without a password: the error says how to give one.
	_, err := e.dialer(true, 10*time.Second).Dial(ctx, hs)
	var se *SudoError
	if !errors.As(err, &se) || !se.NeedsPassword || !strings.Contains(err.Error(), "set ssh.sudoPasswordFile") {
		t.Fatalf("no password: %v", err)
	}

	hs.SSH.SudoPasswordFile = pwFile
	h, err := e.dialer(true, 10*time.Second).Dial(ctx, hs)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if out, _, err := h.Exec(ctx, "id -u; cat"); err != nil || string(out) != "0\n" {
		t.Fatalf("Exec as root with a password: %q %v (the password must not reach stdin)", out, err)
	}
	out, _, err := h.Exec(ctx, "cat", Stdin(strings.NewReader("input")))
	if err != nil || string(out) != "input" {
		t.Fatalf("stdin through sudo -S: %q %v", out, err)
	}
	root := filepath.Join(e.dir, "pwroot")
	os.Mkdir(root, 0o700)
	p := filepath.Join(root, "ca.key")
	if err := h.Upload(ctx, strings.NewReader("secret"), p, 0o600); err != nil {
		t.Fatal(err)
	}
	assertFile(t, p, "secret", 0o600)

	os.WriteFile(pwFile, []byte("wrong\n"), 0o600)
	_, err = e.dialer(true, 10*time.Second).Dial(ctx, hs)
	if err == nil || !strings.Contains(err.Error(), "sudo refused the password from ssh.sudoPasswordFile "+pwFile) || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("wrong password: %v", err)
	}
}
