package cli

import "github.com/spf13/cobra"

// newConformanceCmd is kubeup conformance: build and run upstream's
// conformance suite (e2e.test, the [Conformance] specs) against a cluster.
// Each subcommand lives in its own file (conformance_NAME.go).
func newConformanceCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "conformance",
		Short: "Build and run the Kubernetes conformance suite against a cluster",
		Long: "The judge of a cluster is upstream's conformance suite: e2e.test from k8s.io/kubernetes/test/e2e\n" +
			"and its [Conformance] specs. build compiles e2e.test, ginkgo and the test images for a Kubernetes\n" +
			"version into the cache; run loads the images onto the hosts of a spec and runs the specs\n" +
			"([Serial] ones alone, the rest in parallel), writing a JUnit report and a summary.",
	}
	cmd.AddCommand(newConformanceBuildCmd(app), newConformanceRunCmd(app))
	return cmd
}
