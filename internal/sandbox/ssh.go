package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
	"golang.org/x/term"
)

// Target is how to reach one node over SSH.
type Target struct {
	// Name is the node's host name, used in messages.
	Name string
	// Addr is host:port.
	Addr     string
	User     string
	Signer   ssh.Signer
	HostKeys ssh.HostKeyCallback
}

// targetFromFiles builds a Target from a private key and a known_hosts file.
func targetFromFiles(name, addr, keyPath, knownHostsPath string) (Target, error) {
	b, err := os.ReadFile(keyPath)
	if err != nil {
		return Target{}, fmt.Errorf("read the sandbox SSH key: %w (recreate the sandbox)", err)
	}
	signer, err := ssh.ParsePrivateKey(b)
	if err != nil {
		return Target{}, fmt.Errorf("parse the sandbox SSH key %s: %w", keyPath, err)
	}
	hk, err := knownhosts.New(knownHostsPath)
	if err != nil {
		return Target{}, fmt.Errorf("read known hosts: %w (recreate the sandbox)", err)
	}
	return Target{Name: name, Addr: net.JoinHostPort(addr, "22"), User: "root", Signer: signer, HostKeys: hk}, nil
}

// dial opens an SSH connection, giving up after timeout or when ctx ends.
func dial(ctx context.Context, t Target, timeout time.Duration) (*ssh.Client, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", t.Addr)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	cfg := &ssh.ClientConfig{User: t.User, Auth: []ssh.AuthMethod{ssh.PublicKeys(t.Signer)},
		HostKeyCallback: t.HostKeys, Timeout: timeout}
	c, chans, reqs, err := ssh.NewClientConn(conn, t.Addr, cfg)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return ssh.NewClient(c, chans, reqs), nil
}

// output runs cmd and returns its trimmed standard output; a non-zero
// exit is not an error when the command printed something (systemctl
// is-active prints "inactive" and exits 3).
func output(ctx context.Context, c *ssh.Client, cmd string) (string, error) {
	s, err := c.NewSession()
	if err != nil {
		return "", err
	}
	defer s.Close()
	stop := context.AfterFunc(ctx, func() { s.Close() })
	defer stop()
	out, err := s.Output(cmd)
	text := strings.TrimSpace(string(out))
	var ee *ssh.ExitError
	if errors.As(err, &ee) && text != "" {
		err = nil
	}
	if ctx.Err() != nil {
		return text, ctx.Err()
	}
	return text, err
}

// Streams are a command's standard streams.
type Streams struct {
	In       io.Reader
	Out, Err io.Writer
}

// Run runs cmd on the target (an interactive login shell with a PTY when
// cmd is empty) and returns its exit status.
func Run(ctx context.Context, t Target, cmd []string, st Streams) (int, error) {
	c, err := dial(ctx, t, 10*time.Second)
	if err != nil {
		return 1, fmt.Errorf("ssh %s (%s): %w", t.Name, t.Addr, err)
	}
	defer c.Close()
	s, err := c.NewSession()
	if err != nil {
		return 1, fmt.Errorf("ssh %s: %w", t.Name, err)
	}
	defer s.Close()
	s.Stdin, s.Stdout, s.Stderr = st.In, st.Out, st.Err
	if len(cmd) == 0 {
		err = shell(s, st)
	} else {
		err = s.Run(strings.Join(cmd, " "))
	}
	return exitStatus(t, err)
}

func exitStatus(t Target, err error) (int, error) {
	var ee *ssh.ExitError
	var missing *ssh.ExitMissingError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &ee):
		if ee.Signal() != "" && ee.ExitStatus() == 0 {
			return 128 + signalNumber(ee.Signal()), nil
		}
		return ee.ExitStatus(), nil
	case errors.As(err, &missing):
		return 255, fmt.Errorf("ssh %s: the session ended without an exit status", t.Name)
	}
	return 255, fmt.Errorf("ssh %s: %w", t.Name, err)
}

func signalNumber(name string) int {
	switch name {
	case "HUP":
		return 1
	case "INT":
		return 2
	case "KILL":
		return 9
	case "TERM":
		return 15
	}
	return 0
}

// shell runs an interactive login shell, with a PTY and the local
// terminal in raw mode when standard input is a terminal.
func shell(s *ssh.Session, st Streams) error {
	f, ok := st.In.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		if err := s.Shell(); err != nil {
			return err
		}
		return s.Wait()
	}
	fd := int(f.Fd())
	w, h, err := term.GetSize(fd)
	if err != nil {
		w, h = 80, 24
	}
	termType := cmpOrString(os.Getenv("TERM"), "xterm-256color")
	if err := s.RequestPty(termType, h, w, ssh.TerminalModes{ssh.ECHO: 1}); err != nil {
		return fmt.Errorf("request a terminal: %w", err)
	}
	old, err := term.MakeRaw(fd)
	if err != nil {
		return fmt.Errorf("raw terminal: %w", err)
	}
	defer term.Restore(fd, old)
	stop := forwardResize(s, fd)
	defer stop()
	if err := s.Shell(); err != nil {
		return err
	}
	return s.Wait()
}

// forwardResize sends the terminal's new size on SIGWINCH.
func forwardResize(s *ssh.Session, fd int) func() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGWINCH)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-ch:
				if w, h, err := term.GetSize(fd); err == nil {
					_ = s.WindowChange(h, w)
				}
			case <-done:
				return
			}
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}

func cmpOrString(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
