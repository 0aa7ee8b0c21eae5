package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"kubeup.dev/kubeup/internal/artifacts/build"
	"kubeup.dev/kubeup/internal/artifacts/cache"
	"kubeup.dev/kubeup/internal/conformance"
	"kubeup.dev/kubeup/internal/conformance/testimages"
	"kubeup.dev/kubeup/internal/progress"
	"kubeup.dev/kubeup/internal/versions"
)

// conformanceBuildOptions are the flags of kubeup conformance build.
type conformanceBuildOptions struct {
	goBuildFlags
	version string
}

func newConformanceBuildCmd(app *App) *cobra.Command {
	o := &conformanceBuildOptions{}
	cmd := &cobra.Command{
		Use:   "build",
		Short: "Compile e2e.test, ginkgo and the conformance test images for a Kubernetes version",
		Long: "Builds from the k8s.io/kubernetes Go module of the version, into the cache (cached by version):\n" +
			"  e2e.test (go test -c k8s.io/kubernetes/test/e2e), the ginkgo CLI, agnhost and the sample API server,\n" +
			"  and the images the [Conformance] specs use, under the names e2e.test --list-images prints.\n" +
			"The first build takes about 20 minutes on 2 cores.",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			start := time.Now()
			kit, err := o.prepare(cmd.Context(), app, o.version)
			if err != nil {
				return err
			}
			printKit(app.Out, kit, time.Since(start))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.version, "kubernetes-version", versions.Default(), "Kubernetes version (v1.Y.Z)")
	o.goBuildFlags.add(f)
	return cmd
}

// prepare builds (or finds cached) everything a run against a cluster
// of version needs.
func (o *conformanceBuildOptions) prepare(ctx context.Context, app *App, version string) (conformance.Kit, error) {
	if _, err := versions.Minor(version); err != nil {
		return conformance.Kit{}, usageError{err}
	}
	root, err := cache.Root(o.cacheDir, os.Getenv)
	if err != nil {
		return conformance.Kit{}, err
	}
	opts := conformance.PrepareOptions{
		Build: build.Options{KubernetesVersion: version, CacheRoot: root, Go: o.goBin,
			Progress: progress.New(app.Out, progress.Options{Terminal: progress.IsTerminal(app.Out)})},
		Run: testimages.ExecRunner, Progress: app.Out}
	if o.verbose {
		opts.Build.Log, opts.Log = app.Err, app.Err
	}
	return conformance.Prepare(ctx, opts)
}

// printKit says what was built and which images could not be made.
func printKit(w io.Writer, k conformance.Kit, took time.Duration) {
	fmt.Fprintf(w, "conformance kit for Kubernetes %s (%s):\n  e2e.test: %s\n  ginkgo:   %s\n  images:   %s (%d images)\n",
		k.Version, progress.Duration(took), k.E2ETest, k.Ginkgo, k.Images.Path, len(k.Images.Made))
	for _, n := range k.Images.NotMade {
		fmt.Fprintf(w, "  not made: %s\n", n)
	}
}
