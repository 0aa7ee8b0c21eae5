package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/term"

	"kubeup.dev/kubeup/internal/host"
)

// userDialer dials hosts as the user running kubeup would with OpenSSH
// (withUserSSH, the agent of SSH_AUTH_SOCK), trusting the host keys kept
// in stateDir/known_hosts.
func userDialer(app *App, stateDir string, o host.DialOptions) *host.Dialer {
	o.KnownHostsPath = filepath.Join(stateDir, "known_hosts")
	o.AgentSocket = os.Getenv("SSH_AUTH_SOCK")
	return host.NewDialer(withUserSSH(app, o))
}

// withUserSSH completes o as OpenSSH would behave for the user running
// kubeup: ~/.ssh/config's Host entries, and a sudo password asked once on
// the terminal when a host's sudo needs one and the spec names no file.
func withUserSSH(app *App, o host.DialOptions) host.DialOptions {
	if home, err := os.UserHomeDir(); err == nil && o.SSHConfigPath == "" {
		o.SSHConfigPath = filepath.Join(home, ".ssh", "config")
	}
	if f, ok := app.In.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		o.SudoPassword = func(user, hostName string) ([]byte, error) { return askPassword(app, f, user, hostName) }
	}
	return o
}

// askPassword reads a password from the terminal f without echo; it is
// kept in memory only.
func askPassword(app *App, f *os.File, user, hostName string) ([]byte, error) {
	fmt.Fprintf(app.Err, "sudo password for %s (on %s and every host that needs one): ", user, hostName)
	pw, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(app.Err)
	if err != nil {
		return nil, fmt.Errorf("read the password from the terminal: %w", err)
	}
	if len(pw) == 0 {
		return nil, errors.New("no password given: type it, or set ssh.sudoPasswordFile")
	}
	return pw, nil
}
