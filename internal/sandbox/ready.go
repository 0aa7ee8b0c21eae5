package sandbox

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"kubeup.dev/kubeup/internal/host"
)

// Prober waits until a node is ready to be deployed onto.
type Prober interface {
	// WaitReady returns when the node answers SSH, systemd has finished
	// booting and containerd is active, or with an error saying what is
	// wrong.
	WaitReady(ctx context.Context, t Target) error
}

// SSHProber checks nodes over real SSH, verifying host keys.
type SSHProber struct {
	// Retry is the pause between connection attempts.
	Retry time.Duration
}

// WaitReady implements Prober.
func (p SSHProber) WaitReady(ctx context.Context, t Target) error {
	c, err := p.connect(ctx, t)
	if err != nil {
		return err
	}
	defer c.Close()
	state, err := output(ctx, c, "systemctl is-system-running --wait")
	if err != nil {
		return fmt.Errorf("ask systemd: %w", err)
	}
	if state != "running" {
		failed, _ := output(ctx, c, "systemctl list-units --failed --no-legend --plain | cut -d' ' -f1 | tr '\\n' ' '")
		return fmt.Errorf("systemd is %s, not running; failed units: %s (look with: journalctl -u UNIT)", state, cmp.Or(strings.TrimSpace(failed), "none"))
	}
	active, err := output(ctx, c, "systemctl is-active containerd")
	if err != nil {
		return fmt.Errorf("ask systemd about containerd: %w", err)
	}
	if active != "active" {
		return fmt.Errorf("containerd is %s, not active (look with: journalctl -u containerd)", active)
	}
	return nil
}

// connect retries until sshd answers; a host key that does not match is
// reported at once.
func (p SSHProber) connect(ctx context.Context, t Target) (host.Host, error) {
	retry := p.Retry
	if retry == 0 {
		retry = 100 * time.Millisecond
	}
	var last error
	for {
		c, err := dial(ctx, t, 3*time.Second)
		if err == nil {
			return c, nil
		}
		var ke *host.HostKeyError
		if errors.As(err, &ke) {
			return nil, fmt.Errorf("host key of %s does not match known_hosts: %w", t.Addr, err)
		}
		last = err
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("sshd on %s did not answer: %s", t.Addr, lastError(last))
		case <-time.After(retry):
		}
	}
}

func lastError(err error) string {
	if err == nil {
		return "no attempt finished"
	}
	return strings.TrimPrefix(err.Error(), "ssh: ")
}
