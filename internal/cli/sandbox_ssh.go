package cli

import (
	"errors"

	"github.com/spf13/cobra"

	"kubeup.dev/kubeup/internal/sandbox"
)

func newSandboxSSHCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "ssh NAME HOST [-- CMD...]",
		Short: "Log in to a sandbox node over SSH, or run a command there",
		Long: "Connects over real SSH with the sandbox's key, verifying the node's host key. HOST is a\n" +
			"node's host name (NAME-node1), nodeI, I or its address. Without CMD it opens an\n" +
			"interactive shell; with CMD it exits with the command's exit status.",
		Example: "  kubeup sandbox ssh demo demo-node1\n  kubeup sandbox ssh demo node2 -- systemctl is-active containerd",
		Args: func(cmd *cobra.Command, args []string) error {
			if n := cmd.ArgsLenAtDash(); n >= 0 && n != 2 || n < 0 && len(args) < 2 {
				return usageError{errors.New("want NAME HOST, optionally followed by -- CMD...")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			m, d, err := sandboxManager(cmd.Context(), app)
			if err != nil {
				return err
			}
			t, err := m.Target(cmd.Context(), args[0], args[1])
			d.Close()
			if err != nil {
				return err
			}
			code, err := sandbox.Run(cmd.Context(), t, args[2:], sandbox.Streams{In: app.In, Out: app.Out, Err: app.Err})
			if err != nil {
				return err
			}
			if code != 0 {
				return &ExitError{Code: code, Err: errors.New("")}
			}
			return nil
		},
	}
}
