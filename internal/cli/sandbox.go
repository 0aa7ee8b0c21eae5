package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"kubeup.dev/kubeup/internal/sandbox"
	"kubeup.dev/kubeup/internal/sandbox/engine"
)

func newSandboxCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Local node containers (systemd, sshd, containerd) to deploy onto",
		Long: "A sandbox is a Docker network and node containers that behave like hosts: their own\n" +
			"address and host name, systemd as PID 1, sshd with a generated key, containerd.\n" +
			"kubeup sandbox create writes a cluster spec that kubeup apply uses as it is.",
	}
	cmd.AddCommand(
		newSandboxCreateCmd(app),
		newSandboxDeleteCmd(app),
		newSandboxListCmd(app),
		newSandboxSSHCmd(app),
	)
	return cmd
}

// sandboxManager connects to Docker and returns a Manager (without an
// image builder) and a function that closes the connection.
func sandboxManager(ctx context.Context, app *App) (*sandbox.Manager, *engine.Docker, error) {
	d, err := engine.Connect(ctx)
	if err != nil {
		return nil, nil, err
	}
	return &sandbox.Manager{Engine: d, Host: sandbox.LocalHost{}, Prober: sandbox.SSHProber{}, Out: app.Out}, d, nil
}

// nodeImageCacheDir is ~/.cache/kubeup/nodeimage (XDG_CACHE_HOME honoured).
func nodeImageCacheDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find the cache directory: %w (set HOME or XDG_CACHE_HOME)", err)
	}
	return filepath.Join(dir, "kubeup", "nodeimage"), nil
}
