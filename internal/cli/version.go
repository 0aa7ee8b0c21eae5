package cli

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"

	"kubeup.dev/kubeup/internal/spec"
)

func newVersionCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print kubeup's version and the default Kubernetes version",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := "(devel)"
			if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
				v = bi.Main.Version
			}
			fmt.Fprintf(app.Out, "kubeup %s (default Kubernetes %s)\n", v, spec.DefaultKubernetesVersion)
			return nil
		},
	}
}
