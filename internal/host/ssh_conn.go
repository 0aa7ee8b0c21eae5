package host

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"

	"kubeup.dev/kubeup/internal/spec"
)

// keepalive probes an SSH connection with keepalive@openssh.com requests
// and closes it when a reply does not come in time, so that every pending
// and later operation fails instead of hanging. A host that stops
// answering is detected within the timeout: a probe every timeout/3, each
// allowed 2*timeout/3 for its reply.
type keepalive struct {
	done     chan struct{}
	stopOnce sync.Once

	mu   sync.Mutex
	dead error
}

func startKeepalive(c ssh.Conn, addr string, timeout time.Duration) *keepalive {
	k := &keepalive{done: make(chan struct{})}
	go k.loop(c, addr, timeout)
	return k
}

func (k *keepalive) loop(c ssh.Conn, addr string, timeout time.Duration) {
	interval := timeout / 3
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-k.done:
			return
		case <-tick.C:
		}
		if err := k.probe(c, timeout-interval); err != nil {
			k.fail(fmt.Errorf("%w: %s did not answer for %s (ssh keepalive): check that it is up and reachable, or raise the ssh timeout",
				ErrNotAnswering, addr, timeout))
			c.Close()
			return
		}
	}
}

// probe sends one keepalive request and waits up to wait for the reply.
// A failure reply is fine: any reply proves the host answers.
func (k *keepalive) probe(c ssh.Conn, wait time.Duration) error {
	reply := make(chan error, 1)
	go func() {
		_, _, err := c.SendRequest("keepalive@openssh.com", true, nil)
		reply <- err
	}()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case err := <-reply:
		return err
	case <-timer.C:
		return errors.New("keepalive timed out")
	case <-k.done:
		return nil
	}
}

func (k *keepalive) fail(err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.dead = err
}

// err is the reason the connection was closed, or nil while it is alive.
func (k *keepalive) err() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.dead
}

func (k *keepalive) stop() { k.stopOnce.Do(func() { close(k.done) }) }

// jumpConn is a connection to a bastion shared by the hosts behind it.
type jumpConn struct {
	client *ssh.Client
	ka     *keepalive
}

// dialViaJump opens a TCP channel to t through its chain of bastions
// (ProxyJump), connecting to each hop through the one before when needed.
// It records the last bastion in t.via.
func (d *Dialer) dialViaJump(ctx context.Context, h spec.Host, t *target, a *authMethod) (net.Conn, error) {
	hops, err := d.bastionTargets(h, *t)
	if err != nil {
		return nil, err
	}
	t.via = hops[len(hops)-1].addr
	var j *jumpConn
	for i := range hops {
		if j, err = d.jump(ctx, h, hops[:i+1], j, a); err != nil {
			return nil, err
		}
	}
	return j.dial(ctx, *t, d.opts.Timeout)
}

// dial opens a TCP channel through the bastion to t.
func (j *jumpConn) dial(ctx context.Context, t target, timeout time.Duration) (net.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := j.client.DialContext(dctx, "tcp", t.addr)
	if err != nil {
		if dead := j.ka.err(); dead != nil {
			err = dead
		}
		return nil, dialErr(dctx, t, err)
	}
	return conn, nil
}

// bastionTargets parses t.proxyJump, [user@]host[:port] hops separated by
// commas. A hop's user and port default to ~/.ssh/config's for its host,
// else to the host's SSH user and 22.
func (d *Dialer) bastionTargets(h spec.Host, t target) ([]target, error) {
	var hops []target
	for _, hop := range strings.Split(t.proxyJump, ",") {
		bt, err := d.bastionTarget(h, t, hop)
		if err != nil {
			return nil, err
		}
		hops = append(hops, bt)
	}
	return hops, nil
}

// bastionTarget parses one hop of a ProxyJump chain.
func (d *Dialer) bastionTarget(h spec.Host, t target, s string) (target, error) {
	user, hostport, hasUser := strings.Cut(s, "@")
	if !hasUser {
		user, hostport = "", s
	}
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host, port = hostport, ""
	}
	host = strings.Trim(host, "[]")
	if (hasUser && user == "") || host == "" || strings.ContainsAny(host, "@/ ") {
		return target{}, fmt.Errorf("host %s: proxyJump %q: %q is not [user@]host[:port]: fix ssh.proxyJump or ProxyJump in ~/.ssh/config", h.Name, t.proxyJump, s)
	}
	cfg, err := d.hostConfig(host, sshMatchEnv{user: user, defaultUser: t.user})
	if err != nil {
		return target{}, fmt.Errorf("host %s: %w", h.Name, err)
	}
	if port == "" {
		port = strconv.Itoa(cmp.Or(cfg.Port, spec.DefaultSSHPort))
	}
	return target{
		host: h.Name, user: firstNonEmpty(user, cfg.User, t.user), addr: net.JoinHostPort(cfg.hostName(host), port), bastion: true,
		keyPath: t.keyPath, identities: t.identities, knownHosts: t.knownHosts,
	}, nil
}

// jump returns the connection to the last bastion of chain, dialling it
// (through prev, the connection to the hop before, if any) when there is
// none or the previous one died. Connections are shared per chain.
func (d *Dialer) jump(ctx context.Context, h spec.Host, chain []target, prev *jumpConn, a *authMethod) (*jumpConn, error) {
	bt := chain[len(chain)-1]
	var key strings.Builder
	for _, hop := range chain {
		key.WriteString(hop.user + "@" + hop.addr + ",")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if j := d.jumps[key.String()]; j != nil && j.ka.err() == nil {
		return j, nil
	}
	var conn net.Conn
	var err error
	if prev == nil {
		conn, err = d.dialTCP(ctx, bt)
	} else {
		conn, err = prev.dial(ctx, bt, d.opts.Timeout)
	}
	if err != nil {
		return nil, err
	}
	c, err := d.handshake(ctx, conn, bt, a)
	if err != nil {
		return nil, err
	}
	j := &jumpConn{client: c, ka: startKeepalive(c, bt.addr, d.opts.Timeout)}
	d.jumps[key.String()] = j
	d.log.Debug("connected to bastion", "host", h.Name, "bastion", bt.addr, "user", bt.user, "hop", len(chain))
	return j, nil
}

// DialError says that an SSH endpoint could not be reached.
type DialError struct {
	Label  string // "host node1 (10.0.0.2:22)"
	Reason string // "connection refused", "connection timed out", ...
	Err    error
}

func (e *DialError) Error() string {
	return fmt.Sprintf("%s: %s: check the address and that sshd runs", e.Label, e.Reason)
}

func (e *DialError) Unwrap() error { return e.Err }

// dialErr classifies a failure to reach t.
func dialErr(ctx context.Context, t target, err error) error {
	reason := err.Error()
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(reason, "Connection refused"):
		reason = "connection refused"
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		reason = "connection timed out"
	case ctx.Err() != nil:
		return fmt.Errorf("%s: connect: %w", t.label(), context.Cause(ctx))
	}
	return &DialError{Label: t.label(), Reason: reason, Err: err}
}

// AuthError says that the host refused every key offered.
type AuthError struct {
	Label, User, With string
	Err               error
}

func (e *AuthError) Error() string {
	return fmt.Sprintf("%s: ssh authentication as %s with %s failed: check ssh.keyPath and the host's authorized_keys for %s",
		e.Label, e.User, e.With, e.User)
}

func (e *AuthError) Unwrap() error { return e.Err }

// handshakeErr classifies a failed SSH handshake. keyErr is the host key
// verdict recorded by the host key callback, if it failed.
func handshakeErr(t target, a *authMethod, keyErr, err error) error {
	switch {
	case keyErr != nil:
		return keyErr
	case strings.Contains(err.Error(), "unable to authenticate"):
		return &AuthError{Label: t.label(), User: t.user, With: a.desc, Err: err}
	}
	return fmt.Errorf("%s: ssh handshake failed: %w: check that %s is an ssh server", t.label(), err, t.addr)
}
