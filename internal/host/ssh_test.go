package host

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

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
	_, err := d.auth(d.target(spec.Host{Name: "node1", Address: "h", SSH: spec.SSH{KeyPath: "~/.ssh/none"}}))
	if err == nil || !strings.Contains(err.Error(), `host node1: no ssh key at "`+dir+`/.ssh/none" and no ssh-agent`) {
		t.Fatalf("missing key: %v", err)
	}
	p := writeKey(t, dir, "pass")
	_, err = d.auth(d.target(spec.Host{Name: "node1", Address: "h", SSH: spec.SSH{KeyPath: p}}))
	if err == nil || !strings.Contains(err.Error(), "protected by a passphrase: add it to ssh-agent (ssh-add "+p+")") {
		t.Fatalf("passphrase key: %v", err)
	}
	p = writeKey(t, t.TempDir(), "")
	a, err := d.auth(d.target(spec.Host{Name: "node1", Address: "h", SSH: spec.SSH{KeyPath: p}}))
	if err != nil || a.desc != "key "+p {
		t.Fatalf("plain key: %v", err)
	}
}

func TestBastionTarget(t *testing.T) {
	d := NewDialer(DialOptions{})
	tests := []struct{ jump, user, addr string }{
		{"bastion.example.com", "deploy", "bastion.example.com:22"},
		{"ops@10.0.0.1:2200", "ops", "10.0.0.1:2200"},
		{"[fd00::1]:22", "deploy", "[fd00::1]:22"},
	}
	for _, tt := range tests {
		h := spec.Host{Name: "n", Address: "10.0.0.2", SSH: spec.SSH{User: "deploy", ProxyJump: tt.jump}}
		bt, err := d.bastionTarget(h, d.target(h))
		if err != nil || bt.user != tt.user || bt.addr != tt.addr || !bt.bastion {
			t.Errorf("%s: %+v, %v", tt.jump, bt, err)
		}
	}
	h := spec.Host{Name: "n", SSH: spec.SSH{ProxyJump: "a@b@c"}}
	if _, err := d.bastionTarget(h, d.target(h)); err == nil {
		t.Error("bad proxyJump accepted")
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
