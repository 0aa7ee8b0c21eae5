package cli

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"kubeup.dev/kubeup/internal/artifacts/build"
	"kubeup.dev/kubeup/internal/artifacts/cache"
	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/progress"
	"kubeup.dev/kubeup/internal/versions"
)

// buildOptions are the flags of kubeup artifacts build.
type buildOptions struct {
	goBuildFlags
	version string
	arch    string
	force   bool
}

// goBuildFlags are the flags of every command that compiles with the go
// command into kubeup's cache.
type goBuildFlags struct {
	cacheDir string
	goBin    string
	verbose  bool
}

// add registers the flags on f.
func (g *goBuildFlags) add(f *pflag.FlagSet) {
	f.StringVar(&g.cacheDir, "cache", "", "cache directory (default $"+cache.EnvVar+" or ~/.cache/kubeup)")
	f.StringVar(&g.goBin, "go", "go", "the go command to build with")
	f.BoolVarP(&g.verbose, "verbose", "v", false, "also show the build tools' output on stderr")
}

func newArtifactsBuildCmd(app *App) *cobra.Command {
	o := &buildOptions{}
	cmd := &cobra.Command{
		Use:   "build",
		Short: "Compile every binary and image of a Kubernetes version from the upstream Go modules",
		Long: "Builds, with the local Go toolchain and the module proxy, into the cache:\n" +
			"  kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy, kubectl\n" +
			"    (one multi-call binary under each name), etcd, etcdctl, flanneld, the flannel CNI plugin\n" +
			"    (bin/cni/flannel, installed as /opt/cni/bin/flannel), coredns, pause and smoke;\n" +
			"  the container runtime: containerd, containerd-shim-runc-v2, ctr, runc (cgo, static, with\n" +
			"    libseccomp: needs libseccomp-dev and pkg-config), the bridge, host-local, loopback and\n" +
			"    portmap CNI plugins (bin/cni/NAME) and crictl;\n" +
			"  the pause, coredns and smoke images as archives for ctr -n k8s.io images import, and those\n" +
			"    of the static-pods mode, made from the binaries above: kube-apiserver,\n" +
			"    kube-controller-manager, kube-scheduler and kube-proxy (one archive, kubernetes-images),\n" +
			"    etcd (etcd-image) and flannel (flannel-image).\n" +
			"Each component is cached by its version and recipe: only what changed is rebuilt, so a\n" +
			"second run takes seconds. The first takes 15 to 30 minutes on 2 cores.\n" +
			"Output: CACHE/artifacts/VERSION/ARCH/{manifest.json,bin/,images/}; build logs in CACHE/logs.",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error { return runBuild(cmd, app, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.version, "kubernetes-version", versions.Default(), "Kubernetes version (v1.Y.Z)")
	f.StringVar(&o.arch, "arch", "amd64", "architecture of the hosts")
	f.BoolVar(&o.force, "force", false, "rebuild every component even when its cached build is current")
	o.goBuildFlags.add(f)
	return cmd
}

// runBuild builds (or finds cached) every artifact and prints a summary.
func runBuild(cmd *cobra.Command, app *App, o *buildOptions) error {
	if _, err := versions.Minor(o.version); err != nil {
		return usageError{err}
	}
	root, err := cache.Root(o.cacheDir, os.Getenv)
	if err != nil {
		return err
	}
	opts := build.Options{KubernetesVersion: o.version, Arch: o.arch, CacheRoot: root, Go: o.goBin, Force: o.force,
		Progress: progress.New(app.Out, progress.Options{Terminal: progress.IsTerminal(app.Out)})}
	if o.verbose {
		opts.Log = app.Err
	}
	start := time.Now()
	m, dir, err := build.Ensure(cmd.Context(), opts)
	if err != nil {
		return err
	}
	printBuildSummary(app.Out, m, dir, time.Since(start))
	return nil
}

// printBuildSummary writes one line for the whole build. Images are
// counted one by one (an archive may hold several); the size counts each
// distinct file once (the Kubernetes commands are one file).
func printBuildSummary(w io.Writer, m *manifest.Manifest, dir string, took time.Duration) {
	var bins, imgs int
	var size int64
	seen := map[string]bool{}
	for _, a := range m.Artifacts {
		if a.Source != "build" {
			continue
		}
		if a.Kind == manifest.KindImage {
			imgs += len(a.Refs())
		} else {
			bins++
		}
		if !seen[a.SHA256] {
			seen[a.SHA256] = true
			size += a.Size
		}
	}
	fmt.Fprintf(w, "%d binaries and %d images for Kubernetes %s linux/%s in %s (%s, %s)\n",
		bins, imgs, m.KubernetesVersion, m.Arch, dir, progress.Bytes(size), progress.Duration(took))
}
