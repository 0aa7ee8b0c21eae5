package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/spec"
)

// Target is how to reach one node over SSH.
type Target struct {
	// Name is the node's host name, used in messages.
	Name string
	// Addr is host:port.
	Addr string
	User string
	// KeyPath is the sandbox's private key; KnownHostsPath holds the
	// nodes' host keys.
	KeyPath, KnownHostsPath string
}

// targetFromFiles builds a Target from a private key and a known_hosts file.
func targetFromFiles(name, addr, keyPath, knownHostsPath string) (Target, error) {
	if _, err := os.Stat(keyPath); err != nil {
		return Target{}, fmt.Errorf("read the sandbox SSH key: %w (recreate the sandbox)", err)
	}
	if _, err := os.Stat(knownHostsPath); err != nil {
		return Target{}, fmt.Errorf("read known hosts: %w (recreate the sandbox)", err)
	}
	return Target{Name: name, Addr: net.JoinHostPort(addr, "22"), User: "root", KeyPath: keyPath, KnownHostsPath: knownHostsPath}, nil
}

// dial connects to t with package host's SSH client (host keys checked
// against t's known_hosts), giving up after timeout or when ctx ends.
func dial(ctx context.Context, t Target, timeout time.Duration) (host.Host, error) {
	addr, p, err := net.SplitHostPort(t.Addr)
	if err != nil {
		return nil, fmt.Errorf("node %s: address %q: %w", t.Name, t.Addr, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return nil, fmt.Errorf("node %s: port %q: %w", t.Name, p, err)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	d := host.NewDialer(host.DialOptions{Timeout: timeout})
	return d.Dial(ctx, spec.Host{Name: t.Name, Address: addr,
		SSH: spec.SSH{User: t.User, Port: port, KeyPath: t.KeyPath, KnownHostsPath: t.KnownHostsPath}})
}

// output runs cmd and returns its trimmed standard output; a non-zero
// exit is not an error when the command printed something (systemctl
// is-active prints "inactive" and exits 3).
func output(ctx context.Context, h host.Host, cmd string) (string, error) {
	out, _, err := h.Exec(ctx, cmd)
	text := strings.TrimSpace(string(out))
	var ee *host.ExitError
	if errors.As(err, &ee) && text != "" {
		err = nil
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
	h, err := dial(ctx, t, 10*time.Second)
	if err != nil {
		return 1, fmt.Errorf("ssh %s (%s): %w", t.Name, t.Addr, err)
	}
	defer h.Close()
	return host.Interactive(ctx, h, strings.Join(cmd, " "), st.In, st.Out, st.Err)
}
