package sandbox

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// reply is what the test sshd answers to a command.
type reply struct {
	out    string
	status uint32
	signal string // exit-signal instead of exit-status
}

// startSSHD serves SSH on 127.0.0.1 to the holder of the sandbox key in
// dir, answering exec requests from replies (an unknown command exits
// 127), and returns a Target for it; known_hosts vouches for knownKey,
// the server's own key when nil.
func startSSHD(t *testing.T, replies map[string]reply, knownKey ssh.PublicKey) Target {
	t.Helper()
	dir := t.TempDir()
	key, err := loadOrCreateKey(dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	authorized, _, _, _, err := ssh.ParseAuthorizedKey(key.authorized)
	if err != nil {
		t.Fatal(err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	hostSigner, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &ssh.ServerConfig{PublicKeyCallback: func(_ ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
		if bytes.Equal(k.Marshal(), authorized.Marshal()) {
			return nil, nil
		}
		return nil, errors.New("unknown key")
	}}
	cfg.AddHostKey(hostSigner)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go serveSSH(conn, cfg, replies)
		}
	}()
	if knownKey == nil {
		knownKey = hostSigner.PublicKey()
	}
	kh := filepath.Join(dir, knownHostsFile)
	if err := os.WriteFile(kh, []byte(knownhosts.Line([]string{knownhosts.Normalize(ln.Addr().String())}, knownKey)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return Target{Name: "demo-node1", Addr: ln.Addr().String(), User: "root", KeyPath: key.path, KnownHostsPath: kh}
}

func serveSSH(conn net.Conn, cfg *ssh.ServerConfig, replies map[string]reply) {
	_, chans, reqs, err := ssh.NewServerConn(conn, cfg)
	if err != nil {
		return
	}
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "only sessions")
			continue
		}
		ch, creqs, err := nc.Accept()
		if err != nil {
			continue
		}
		go func() {
			defer ch.Close()
			for req := range creqs {
				var p struct{ Cmd string }
				if req.Type != "exec" || ssh.Unmarshal(req.Payload, &p) != nil {
					req.Reply(false, nil)
					continue
				}
				req.Reply(true, nil)
				r, ok := replies[p.Cmd]
				if !ok {
					r = reply{status: 127}
				}
				ch.Write([]byte(r.out))
				if r.signal != "" {
					ch.SendRequest("exit-signal", false, ssh.Marshal(struct {
						Signal     string
						CoreDumped bool
						Msg, Lang  string
					}{Signal: r.signal}))
				} else {
					ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{r.status}))
				}
				return
			}
		}()
	}
}

var nodeReplies = map[string]reply{
	"id -u":                              {out: "0\n"},
	"systemctl is-system-running --wait": {out: "running\n"},
	"systemctl is-active containerd":     {out: "inactive\n", status: 3},
	"hostname":                           {out: "demo-node1\n"},
	"exit 7":                             {status: 7},
	"sleep 1000":                         {signal: "KILL"},
	"systemctl list-units --failed --no-legend --plain | cut -d' ' -f1 | tr '\\n' ' '": {out: "kubelet.service "},
}

// TestRunOverSSH: Run reaches a node with the sandbox's key, checking its
// host key, and returns the command's output and exit status.
func TestRunOverSSH(t *testing.T) {
	tg := startSSHD(t, nodeReplies, nil)
	for cmd, want := range map[string]struct {
		out  string
		code int
	}{"hostname": {"demo-node1\n", 0}, "exit 7": {"", 7}, "sleep 1000": {"", 128 + 9}} {
		var out bytes.Buffer
		code, err := Run(context.Background(), tg, strings.Fields(cmd), Streams{In: strings.NewReader(""), Out: &out, Err: &bytes.Buffer{}})
		if err != nil || code != want.code || out.String() != want.out {
			t.Errorf("%s: exit %d, %v, output %q; want exit %d, output %q", cmd, code, err, out.String(), want.code, want.out)
		}
	}
}

// TestProberOverSSH: the prober reports a node whose containerd is not
// active, fails at once on a host key known_hosts does not vouch for,
// and says which sshd did not answer.
func TestProberOverSSH(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := SSHProber{}.WaitReady(ctx, startSSHD(t, nodeReplies, nil))
	if err == nil || !strings.Contains(err.Error(), "containerd is inactive, not active") {
		t.Errorf("inactive containerd: %v", err)
	}

	ready := map[string]reply{"id -u": {out: "0\n"}, "systemctl is-system-running --wait": {out: "running\n"}, "systemctl is-active containerd": {out: "active\n"}}
	if err := (SSHProber{}).WaitReady(ctx, startSSHD(t, ready, nil)); err != nil {
		t.Errorf("ready node: %v", err)
	}

	other, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	otherKey, err := ssh.NewPublicKey(other)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = SSHProber{}.WaitReady(ctx, startSSHD(t, ready, otherKey))
	if err == nil || !strings.Contains(err.Error(), "does not match known_hosts") || time.Since(start) > 2*time.Second {
		t.Errorf("changed host key: %v after %s", err, time.Since(start))
	}

	down := startSSHD(t, ready, nil)
	down.Addr = "127.0.0.1:1"
	short, stop := context.WithTimeout(ctx, 300*time.Millisecond)
	defer stop()
	if err := (SSHProber{}).WaitReady(short, down); err == nil || !strings.Contains(err.Error(), "sshd on 127.0.0.1:1 did not answer") {
		t.Errorf("no sshd: %v", err)
	}
}
