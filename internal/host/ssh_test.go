package host

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"kubeup.dev/kubeup/internal/spec"
)

func newPubKey(t *testing.T) ssh.PublicKey {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// writeKey writes a private key file, encrypted when passphrase is set.
func writeKey(t *testing.T, dir, passphrase string) string {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var blk *pem.Block
	if passphrase == "" {
		blk, err = ssh.MarshalPrivateKey(priv, "")
	} else {
		blk, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte(passphrase))
	}
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "id_ed25519")
	if err := os.WriteFile(p, pem.EncodeToMemory(blk), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestKnownHosts(t *testing.T) {
	dir := t.TempDir()
	kh := filepath.Join(dir, "state", "known_hosts")
	key, other := newPubKey(t), newPubKey(t)
	tg := target{host: "node1", addr: "10.0.0.2:2222", knownHosts: kh}
	remote := &net.TCPAddr{IP: net.IPv4(10, 0, 0, 2), Port: 2222}

	// Unknown key, file missing: an error that says how to accept it.
	d := NewDialer(DialOptions{})
	k, err := d.hostKeys(tg)
	if err != nil {
		t.Fatal(err)
	}
	err = k.callback(tg.addr, remote, key)
	var he *HostKeyError
	if !errors.As(err, &he) || !he.Unknown {
		t.Fatalf("unknown key: %v", err)
	}
	for _, want := range []string{"host node1 (10.0.0.2:2222)", "unknown host key ssh-ed25519 SHA256:", "--accept-new-host-keys", "ssh-keyscan -p 2222 10.0.0.2 >> " + kh} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("unknown key error lacks %q: %v", want, err)
		}
	}

	// Accepting appends the key; it is then known without accepting.
	d = NewDialer(DialOptions{AcceptNewHostKeys: true})
	k, _ = d.hostKeys(tg)
	if err := k.callback(tg.addr, remote, key); err != nil {
		t.Fatalf("accept: %v", err)
	}
	b, _ := os.ReadFile(kh)
	if !strings.HasPrefix(string(b), "[10.0.0.2]:2222 ssh-ed25519 ") {
		t.Fatalf("known_hosts = %q", b)
	}
	d = NewDialer(DialOptions{})
	k, _ = d.hostKeys(tg)
	if err := k.callback(tg.addr, remote, key); err != nil {
		t.Fatalf("known key: %v", err)
	}
	if algos := k.algorithms(tg.addr); len(algos) != 1 || algos[0] != ssh.KeyAlgoED25519 {
		t.Fatalf("algorithms = %q", algos)
	}

	// A changed key fails even when accepting new keys, naming file and line.
	d = NewDialer(DialOptions{AcceptNewHostKeys: true})
	k, _ = d.hostKeys(tg)
	err = k.callback(tg.addr, remote, other)
	if !errors.As(err, &he) || he.Unknown || he.Line != 1 {
		t.Fatalf("changed key: %v", err)
	}
	for _, want := range []string{"HOST KEY CHANGED", kh + ":1", `ssh-keygen -f ` + kh + ` -R "[10.0.0.2]:2222"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("changed key error lacks %q: %v", want, err)
		}
	}
}

func TestAuthErrors(t *testing.T) {
	dir := t.TempDir()
	d := NewDialer(DialOptions{HomeDir: dir})
	_, err := d.auth(mustTarget(t, d, spec.Host{Name: "node1", Address: "h", SSH: spec.SSH{KeyPath: "~/.ssh/none"}}))
	if err == nil || !strings.Contains(err.Error(), `host node1: no ssh key at "`+dir+`/.ssh/none" and no ssh-agent`) {
		t.Fatalf("missing key: %v", err)
	}
	p := writeKey(t, dir, "pass")
	_, err = d.auth(mustTarget(t, d, spec.Host{Name: "node1", Address: "h", SSH: spec.SSH{KeyPath: p}}))
	if err == nil || !strings.Contains(err.Error(), "protected by a passphrase: add it to ssh-agent (ssh-add "+p+")") {
		t.Fatalf("passphrase key: %v", err)
	}
	p = writeKey(t, t.TempDir(), "")
	a, err := d.auth(mustTarget(t, d, spec.Host{Name: "node1", Address: "h", SSH: spec.SSH{KeyPath: p}}))
	if err != nil || a.desc != "key "+p {
		t.Fatalf("plain key: %v", err)
	}
}

// mustTarget resolves h's target for a test.
func mustTarget(t *testing.T, d *Dialer, h spec.Host) target {
	t.Helper()
	tg, err := d.target(h)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func TestBastionTargets(t *testing.T) {
	d := NewDialer(DialOptions{})
	tests := []struct {
		jump string
		hops []string // user@addr
	}{
		{"bastion.example.com", []string{"deploy@bastion.example.com:22"}},
		{"ops@10.0.0.1:2200", []string{"ops@10.0.0.1:2200"}},
		{"[fd00::1]:22", []string{"deploy@[fd00::1]:22"}},
		{"ops@outer.example.com,inner:2222", []string{"ops@outer.example.com:22", "deploy@inner:2222"}},
		{"a@h1,b@h2,h3", []string{"a@h1:22", "b@h2:22", "deploy@h3:22"}},
	}
	for _, tt := range tests {
		h := spec.Host{Name: "n", Address: "10.0.0.2", SSH: spec.SSH{User: "deploy", ProxyJump: tt.jump}}
		hops, err := d.bastionTargets(h, mustTarget(t, d, h))
		var got []string
		for _, bt := range hops {
			if !bt.bastion {
				t.Errorf("%s: hop %s not marked a bastion", tt.jump, bt.addr)
			}
			got = append(got, bt.user+"@"+bt.addr)
		}
		if err != nil || !slices.Equal(got, tt.hops) {
			t.Errorf("%s: %v, %v; want %v", tt.jump, got, err, tt.hops)
		}
	}
	for _, bad := range []string{"a@b@c", "a@b,,c", "@b"} {
		h := spec.Host{Name: "n", SSH: spec.SSH{ProxyJump: bad}}
		if _, err := d.bastionTargets(h, mustTarget(t, d, h)); err == nil {
			t.Errorf("bad proxyJump %q accepted", bad)
		}
	}
}

// TestTargetFromSSHConfig: ~/.ssh/config fills what the spec leaves out
// (user, port, identity files, proxy jump, also for each hop); what the
// spec says wins.
func TestTargetFromSSHConfig(t *testing.T) {
	home := t.TempDir()
	cfg := filepath.Join(home, ".ssh", "config")
	os.MkdirAll(filepath.Dir(cfg), 0o700)
	doc := "Host 10.0.0.*\n  User deploy\n  Port 2222\n  IdentityFile ~/.ssh/work_%h\n  ProxyJump gw1.example.com,ops@gw2.example.com\n" +
		"Host gw1.example.com\n  User gate\n  Port 2200\n"
	if err := os.WriteFile(cfg, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	d := NewDialer(DialOptions{HomeDir: home, SSHConfigPath: cfg})
	tg := mustTarget(t, d, spec.Host{Name: "n1", Address: "10.0.0.5"})
	wantIDs := []string{home + "/.ssh/work_10.0.0.5", home + "/.ssh/id_ed25519", home + "/.ssh/id_ecdsa", home + "/.ssh/id_rsa"}
	if tg.user != "deploy" || tg.addr != "10.0.0.5:2222" || tg.proxyJump != "gw1.example.com,ops@gw2.example.com" || !slices.Equal(tg.identities, wantIDs) {
		t.Errorf("from config: %+v", tg)
	}
	hops, err := d.bastionTargets(spec.Host{Name: "n1"}, tg)
	if err != nil || len(hops) != 2 || hops[0].user+"@"+hops[0].addr != "gate@gw1.example.com:2200" || hops[1].user+"@"+hops[1].addr != "ops@gw2.example.com:22" {
		t.Errorf("hops from config: %+v, %v", hops, err)
	}
	tg = mustTarget(t, d, spec.Host{Name: "n2", Address: "10.0.0.6", SSH: spec.SSH{User: "root", Port: 22, KeyPath: "/k", ProxyJump: "none"}})
	if tg.user != "root" || tg.addr != "10.0.0.6:22" || tg.proxyJump != "" || tg.keyPath != "/k" || tg.identities != nil {
		t.Errorf("the spec must win: %+v", tg)
	}
	tg = mustTarget(t, d, spec.Host{Name: "n3", Address: "192.168.1.1"})
	if tg.user != "root" || tg.addr != "192.168.1.1:22" || tg.proxyJump != "" {
		t.Errorf("defaults: %+v", tg)
	}
	bad := filepath.Join(home, "bad-config")
	os.WriteFile(bad, []byte("Host *\n  Port ssh\n"), 0o600)
	d = NewDialer(DialOptions{HomeDir: home, SSHConfigPath: bad})
	if _, err := d.target(spec.Host{Name: "n1", Address: "10.0.0.5"}); err == nil || !strings.Contains(err.Error(), "host n1: ssh config "+bad+": line 2: Port") {
		t.Errorf("bad config: %v", err)
	}
}

// TestIdentityAuth: without keyPath, the keys in ssh-agent and the
// default identity files that exist and need no passphrase are offered.
func TestIdentityAuth(t *testing.T) {
	home := t.TempDir()
	sshDir := filepath.Join(home, ".ssh")
	os.MkdirAll(sshDir, 0o700)
	d := NewDialer(DialOptions{HomeDir: home})
	h := spec.Host{Name: "node1", Address: "h"}
	_, err := d.auth(mustTarget(t, d, h))
	want := "host node1: no ssh key to offer (SSH_AUTH_SOCK is unset; none of " + sshDir + "/id_ed25519, " + sshDir + "/id_ecdsa, " + sshDir + "/id_rsa is an unencrypted private key): set ssh.keyPath"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("no keys: %v\nwant %s", err, want)
	}

	// An encrypted id_ed25519 is skipped, a plain id_rsa offered.
	os.Rename(writeKey(t, sshDir, "pass"), filepath.Join(sshDir, "id_ed25519"))
	os.Rename(writeKey(t, sshDir, ""), filepath.Join(sshDir, "id_rsa"))
	a, err := d.auth(mustTarget(t, d, h))
	if err != nil || a.desc != "key "+sshDir+"/id_rsa" {
		t.Fatalf("default identity: %+v, %v", a, err)
	}

	// The agent's keys come first.
	sock := startAgent(t)
	d = NewDialer(DialOptions{HomeDir: home, AgentSocket: sock})
	a, err = d.auth(mustTarget(t, d, h))
	if err != nil || a.desc != "the 1 keys in ssh-agent ("+sock+"), key "+sshDir+"/id_rsa" {
		t.Fatalf("agent and identity: %+v, %v", a, err)
	}
	a.close()
}

// startAgent serves an in-memory ssh-agent holding one new key on a unix
// socket until the test ends.
func startAgent(t *testing.T) string {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return serveAgent(t, priv)
}

// serveAgent serves an in-memory ssh-agent holding priv on a unix socket
// until the test ends.
func serveAgent(t *testing.T, priv any) string {
	t.Helper()
	kr := agent.NewKeyring()
	if err := kr.Add(agent.AddedKey{PrivateKey: priv}); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(t.TempDir(), "agent.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); agent.ServeAgent(kr, c) }()
		}
	}()
	return sock
}

// TestSudoPasswordFile: the password file must be private; a trailing line
// break is dropped; the password goes first on stdin of a sudo -S -k
// command and never into the command line.
func TestSudoPasswordFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "pw")
	os.WriteFile(p, []byte("s3cret\n"), 0o644)
	if _, err := readPasswordFile(p); err == nil || !strings.Contains(err.Error(), "readable by others (mode 0644): chmod 600 "+p) {
		t.Fatalf("shared file: %v", err)
	}
	os.Chmod(p, 0o600)
	pw, err := readPasswordFile(p)
	if err != nil || string(pw) != "s3cret" {
		t.Fatalf("password = %q, %v", pw, err)
	}
	os.WriteFile(p, []byte("\n"), 0o600)
	if _, err := readPasswordFile(p); err == nil || !strings.Contains(err.Error(), "is empty") {
		t.Fatalf("empty file: %v", err)
	}
	h := &sshHost{sudo: true, sudoPw: []byte("s3cret")}
	cmd := h.rootCmd("echo hi")
	if cmd != "sudo -k -S -p '' -- sh -c 'echo hi'" || strings.Contains(cmd, "s3cret") {
		t.Errorf("rootCmd = %s", cmd)
	}
	b, _ := io.ReadAll(h.stdinFor(strings.NewReader("data")))
	if string(b) != "s3cret\ndata" {
		t.Errorf("stdin = %q", b)
	}
	b, _ = io.ReadAll(h.stdinFor(nil))
	if string(b) != "s3cret\n" {
		t.Errorf("stdin without input = %q", b)
	}
}

// TestSudoPasswordAskedOnce: hosts without a password file share the one
// asked on the terminal.
func TestSudoPasswordAskedOnce(t *testing.T) {
	asked := 0
	d := NewDialer(DialOptions{SudoPassword: func(user, host string) ([]byte, error) {
		asked++
		return []byte("pw-" + user), nil
	}})
	for _, host := range []string{"a", "b", "c"} {
		pw, from, err := d.sudoPassword(target{host: host, user: "deploy"})
		if err != nil || string(pw) != "pw-deploy" || from != "the terminal" {
			t.Fatalf("%s: %q %q %v", host, pw, from, err)
		}
	}
	if asked != 1 {
		t.Errorf("asked %d times, want once", asked)
	}
	if pw, _, err := NewDialer(DialOptions{}).sudoPassword(target{host: "a"}); pw != nil || err != nil {
		t.Errorf("no terminal: %q, %v", pw, err)
	}
}

func TestDialRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	ln.Close()
	dir := t.TempDir()
	d := NewDialer(DialOptions{KnownHostsPath: filepath.Join(dir, "kh"), Timeout: 2 * time.Second})
	h := spec.Host{Name: "node1", Address: "127.0.0.1", SSH: spec.SSH{User: "root", Port: addr.Port, KeyPath: writeKey(t, dir, "")}}
	_, err = d.Dial(context.Background(), h)
	var de *DialError
	want := "host node1 (" + addr.String() + "): connection refused: check the address and that sshd runs"
	if !errors.As(err, &de) || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}

func TestDialHandshakeTimeout(t *testing.T) {
	// A server that accepts and never speaks must not hang the dial.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	dir := t.TempDir()
	d := NewDialer(DialOptions{KnownHostsPath: filepath.Join(dir, "kh"), Timeout: 300 * time.Millisecond})
	port := ln.Addr().(*net.TCPAddr).Port
	h := spec.Host{Name: "node1", Address: "127.0.0.1", SSH: spec.SSH{User: "root", Port: port, KeyPath: writeKey(t, dir, "")}}
	start := time.Now()
	_, err = d.Dial(context.Background(), h)
	if err == nil || !strings.Contains(err.Error(), "connection timed out") {
		t.Fatalf("got %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("dial took %s", d)
	}
}

func TestDialLocalhost(t *testing.T) {
	h, err := NewDialer(DialOptions{}).Dial(context.Background(), spec.Host{Name: "me", Address: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := h.(*Local); !ok || h.Name() != "me" {
		t.Fatalf("got %T %s", h, h.Name())
	}
}
