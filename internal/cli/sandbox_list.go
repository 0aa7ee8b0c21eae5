package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newSandboxListCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List sandboxes: name, nodes, subnet, state",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, d, err := sandboxManager(cmd.Context(), app)
			if err != nil {
				return err
			}
			defer d.Close()
			list, err := m.List(cmd.Context())
			if err != nil {
				return err
			}
			if len(list) == 0 {
				fmt.Fprintln(app.Out, "no sandboxes (create one with kubeup sandbox create --name demo --nodes 3)")
				return nil
			}
			tw := tabwriter.NewWriter(app.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tNODES\tSUBNET\tSTATE\tSPEC")
			for _, s := range list {
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", s.Name, s.Nodes, s.Subnet, s.State, s.Spec)
			}
			return tw.Flush()
		},
	}
}
