package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"kubeup.dev/kubeup/internal/artifacts/bundle"
	"kubeup.dev/kubeup/internal/artifacts/cache"
	"kubeup.dev/kubeup/internal/artifacts/inventory"
	"kubeup.dev/kubeup/internal/progress"
	"kubeup.dev/kubeup/internal/versions"
)

// bundleOptions are the flags of kubeup artifacts bundle.
type bundleOptions struct {
	version   string
	arch      string
	out       string
	fromCache string
}

func newArtifactsBundleCmd(app *App) *cobra.Command {
	o := &bundleOptions{}
	cmd := &cobra.Command{
		Use:   "bundle --out FILE",
		Short: "Write one offline file with every binary and image of a Kubernetes version",
		Long: "Packs the cache's manifest.json, bin/NAME and images/NAME.tar for one Kubernetes version\n" +
			"(filled by kubeup artifacts build or fetch) into FILE: a tar, tar.gz or tar.zst as its\n" +
			"extension says. Every file is checked against the manifest, and the bundle must hold\n" +
			"every image the cluster runs and every binary the hosts run, the container runtime's\n" +
			"too (bundle lint). Use it with spec.artifacts: {source: bundle, bundle: FILE};\n" +
			"kubeup artifacts inspect FILE verifies it.",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error { return runBundle(cmd, app, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.version, "kubernetes-version", versions.Default(), "Kubernetes version")
	f.StringVar(&o.arch, "arch", "amd64", "architecture of the hosts")
	f.StringVar(&o.out, "out", "", "bundle file: NAME.tar, NAME.tar.gz or NAME.tar.zst")
	f.StringVar(&o.fromCache, "from-cache", "", "cache directory (default $"+cache.EnvVar+" or ~/.cache/kubeup), "+
		"or a directory holding manifest.json itself")
	return cmd
}

// runBundle lints the cache's manifest and writes the bundle.
func runBundle(cmd *cobra.Command, app *App, o *bundleOptions) error {
	if o.out == "" {
		return usageError{errors.New("no bundle file: pass --out kubeup-" + o.version + ".tar.zst")}
	}
	if _, err := bundle.CompressionFor(o.out); err != nil {
		return usageError{err}
	}
	set, err := versions.For(o.version)
	if err != nil {
		return usageError{err}
	}
	dir, err := o.cacheDir()
	if err != nil {
		return err
	}
	start := time.Now()
	m, err := bundle.Create(cmd.Context(), dir, o.out, bundle.CreateOptions{
		Images:   set.Images(),
		Binaries: inventory.HostBinaries(),
		Progress: progress.New(app.Err, progress.Options{Terminal: progress.IsTerminal(app.Err)}),
	})
	if err != nil {
		return err
	}
	fi, err := os.Stat(o.out)
	if err != nil {
		return err
	}
	bins, imgs := m.Counts()
	fmt.Fprintf(app.Out, "wrote %s: %s, %d binaries and %d images for Kubernetes %s linux/%s (%s)\n",
		o.out, progress.Bytes(fi.Size()), bins, imgs, m.KubernetesVersion, m.Arch, progress.Duration(time.Since(start)))
	return nil
}

// cacheDir is the directory whose manifest is bundled: --from-cache
// itself when it holds manifest.json, else the version's directory in the
// cache.
func (o *bundleOptions) cacheDir() (string, error) {
	if o.fromCache != "" {
		if _, err := os.Stat(filepath.Join(o.fromCache, bundle.ManifestName)); err == nil {
			return o.fromCache, nil
		}
	}
	root, err := cache.Root(o.fromCache, os.Getenv)
	if err != nil {
		return "", err
	}
	return cache.Layout{Root: root}.Artifacts(o.version, o.arch), nil
}
