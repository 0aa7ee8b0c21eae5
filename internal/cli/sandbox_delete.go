package cli

import (
	"github.com/spf13/cobra"

	"kubeup.dev/kubeup/internal/sandbox"
)

type sandboxDeleteOptions struct {
	name string
}

func newSandboxDeleteCmd(app *App) *cobra.Command {
	o := &sandboxDeleteOptions{}
	cmd := &cobra.Command{
		Use:   "delete --name NAME",
		Short: "Remove a sandbox's containers, volumes and network (nothing is left)",
		Long: "Removes every Docker object labelled dev.kubeup.sandbox=NAME. Deleting a sandbox that\n" +
			"does not exist is not an error. The spec and the state directory are kept.",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := sandbox.ValidateName(o.name); err != nil {
				return usageError{err}
			}
			m, d, err := sandboxManager(cmd.Context(), app)
			if err != nil {
				return err
			}
			defer d.Close()
			_, err = m.Delete(cmd.Context(), o.name)
			return err
		},
	}
	cmd.Flags().StringVar(&o.name, "name", "", "sandbox name")
	return cmd
}
