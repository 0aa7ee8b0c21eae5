package cli

import "github.com/spf13/cobra"

// newArtifactsCmd is kubeup artifacts: the binaries and images a cluster
// needs, built from source, fetched from releases or packed into a bundle.
// Each subcommand lives in its own file (artifacts_NAME.go) and adds one
// line below.
func newArtifactsCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "artifacts",
		Short: "Build, fetch, bundle and inspect the binaries and images a cluster needs",
		Long: "Every binary and image a cluster of one Kubernetes version needs lives in kubeup's cache\n" +
			"(--cache DIR, $KUBEUP_CACHE or ~/.cache/kubeup) under artifacts/VERSION/ARCH, described by\n" +
			"its manifest.json: build compiles them from the upstream Go modules, fetch downloads the\n" +
			"official releases, bundle packs them into one offline file and inspect verifies one.",
	}
	cmd.AddCommand(
		newArtifactsBuildCmd(app),
		newArtifactsFetchCmd(app),
		newArtifactsBundleCmd(app),
		newArtifactsInspectCmd(app),
	)
	return cmd
}
