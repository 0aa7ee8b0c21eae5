package host

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/crypto/ssh"
	"golang.org/x/term"
)

// Interactive runs cmd on h, a host dialled over SSH, as the login user
// with the given streams, the way `ssh HOST CMD` does; an empty cmd opens
// a login shell, with a PTY and the local terminal in raw mode when in is
// a terminal. It returns the exit status: 128+n for a command killed by
// signal n, 255 with an error when the session failed.
func Interactive(ctx context.Context, h Host, cmd string, in io.Reader, out, errOut io.Writer) (int, error) {
	sh, ok := h.(*sshHost)
	if !ok {
		return 255, fmt.Errorf("host %s: an interactive session needs a host dialled over SSH", h.Name())
	}
	s, err := sh.newSession(ctx)
	if err != nil {
		return 255, sh.connErr("ssh "+sh.t.host, err)
	}
	defer s.Close()
	stop := context.AfterFunc(ctx, func() { s.Close() })
	defer stop()
	s.Stdin, s.Stdout, s.Stderr = in, out, errOut
	if cmd == "" {
		err = shell(s, in)
	} else {
		err = s.Run(cmd)
	}
	return exitStatus(sh.t.host, err)
}

func exitStatus(host string, err error) (int, error) {
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
		return 255, fmt.Errorf("ssh %s: the session ended without an exit status", host)
	}
	return 255, fmt.Errorf("ssh %s: %w", host, err)
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
// terminal in raw mode when in is a terminal.
func shell(s *ssh.Session, in io.Reader) error {
	f, ok := in.(*os.File)
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
	if err := s.RequestPty(cmp.Or(os.Getenv("TERM"), "xterm-256color"), h, w, ssh.TerminalModes{ssh.ECHO: 1}); err != nil {
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
