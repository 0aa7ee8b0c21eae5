package cli

import (
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"kubeup.dev/kubeup/internal/artifacts/cache"
	"kubeup.dev/kubeup/internal/artifacts/fetch"
	"kubeup.dev/kubeup/internal/progress"
	"kubeup.dev/kubeup/internal/spec"
	"kubeup.dev/kubeup/internal/versions"
)

// fetchOptions are the flags of kubeup artifacts fetch.
type fetchOptions struct {
	specPath  string
	version   string
	arch      string
	cacheDir  string
	mirrors   []string
	checksums []string
	sources   []string
	parallel  int
	dryRun    bool
}

func newArtifactsFetchCmd(app *App) *cobra.Command {
	o := &fetchOptions{}
	cmd := &cobra.Command{
		Use:   "fetch",
		Short: "Download the official release binaries into the cache, every checksum verified",
		Long: "Downloads kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy and\n" +
			"kubectl from dl.k8s.io, and the etcd, flannel, containerd, runc, CNI plugin, crictl and\n" +
			"flannel CNI plugin releases from GitHub, for one Kubernetes version, into the cache that\n" +
			"build uses.\n" +
			"Every file is checked against its published sha256 (flannel publishes none: pass\n" +
			"--checksum FILE=SHA256). Downloads run in parallel and resume after a dropped connection.\n" +
			"From those binaries it makes the images of the static-pods mode (kube-apiserver,\n" +
			"kube-controller-manager, kube-scheduler, kube-proxy, etcd, flannel); containerd pulls the\n" +
			"pause and CoreDNS images at apply time.\n\n" +
			"Mirrors replace a source's base URL and must serve the same paths below it:\n" +
			"  --mirror kubernetes=https://mirror.example.com/kubernetes-release/release\n" +
			"Sources: " + fmt.Sprint(fetch.Sources()) + "; spec.artifacts.mirrors (with -f) sets them too.",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error { return runFetch(cmd, app, o) },
	}
	f := cmd.Flags()
	f.StringVarP(&o.specPath, "file", "f", "", "cluster spec: its kubernetesVersion and spec.artifacts.mirrors")
	f.StringVar(&o.version, "kubernetes-version", "", "Kubernetes version (default: the spec's, else "+versions.Default()+")")
	f.StringVar(&o.arch, "arch", "amd64", "architecture of the hosts")
	f.StringVar(&o.cacheDir, "cache", "", "cache directory (default $"+cache.EnvVar+" or ~/.cache/kubeup)")
	f.StringArrayVar(&o.mirrors, "mirror", nil, "NAME=URL: download source NAME from URL (repeatable)")
	f.StringArrayVar(&o.checksums, "checksum", nil, "FILE=SHA256: the sha256 of a release file that has no published one (repeatable)")
	f.StringSliceVar(&o.sources, "sources", nil, "fetch only these sources (default all)")
	f.IntVar(&o.parallel, "parallel", 4, "downloads at once")
	f.BoolVar(&o.dryRun, "dry-run", false, "print the URLs and checksum sources without downloading")
	return cmd
}

// runFetch resolves the options and runs the fetch.
func runFetch(cmd *cobra.Command, app *App, o *fetchOptions) error {
	fo, err := o.resolve()
	if err != nil {
		return err
	}
	if o.dryRun {
		return printFetchPlan(app.Out, fo)
	}
	fo.Progress = progress.New(app.Err, progress.Options{Terminal: progress.IsTerminal(app.Err)})
	start := time.Now()
	m, err := fetch.Fetch(cmd.Context(), fo)
	if m != nil {
		dir := cache.Layout{Root: fo.CacheRoot}.Artifacts(fo.KubernetesVersion, fo.Arch)
		bins, imgs := m.Counts()
		fmt.Fprintf(app.Out, "%d binaries and %d images for Kubernetes %s linux/%s in %s (%s)\n",
			bins, imgs, fo.KubernetesVersion, fo.Arch, dir, progress.Duration(time.Since(start)))
	}
	return err
}

// resolve turns the flags (and the spec, with -f) into fetch.Options.
func (o *fetchOptions) resolve() (fetch.Options, error) {
	fo := fetch.Options{KubernetesVersion: o.version, Arch: o.arch, Sources: o.sources, Parallel: o.parallel,
		Mirrors: map[string]string{}, Checksums: map[string]string{}}
	if o.specPath != "" {
		c, err := loadSpec(o.specPath)
		if err != nil {
			return fo, err
		}
		if fo.KubernetesVersion == "" {
			fo.KubernetesVersion = c.Spec.KubernetesVersion
		}
		for name, base := range c.Spec.Artifacts.Mirrors {
			fo.Mirrors[name] = base
		}
	}
	if fo.KubernetesVersion == "" {
		fo.KubernetesVersion = versions.Default()
	}
	if err := o.parsePairs(fo); err != nil {
		return fo, err
	}
	root, err := cache.Root(o.cacheDir, os.Getenv)
	fo.CacheRoot = root
	return fo, err
}

// parsePairs adds --mirror and --checksum values to fo (flags win over
// the spec).
func (o *fetchOptions) parsePairs(fo fetch.Options) error {
	for _, s := range o.mirrors {
		name, base, err := fetch.ParseMirror(s)
		if err != nil {
			return usageError{err}
		}
		fo.Mirrors[name] = base
	}
	for _, s := range o.checksums {
		file, sum, err := fetch.ParseChecksum(s)
		if err != nil {
			return usageError{err}
		}
		fo.Checksums[file] = sum
	}
	return nil
}

// printFetchPlan writes what a fetch would download.
func printFetchPlan(w io.Writer, fo fetch.Options) error {
	bases, err := fetch.Bases(fo.Mirrors)
	if err != nil {
		return err
	}
	files, err := fetch.Plan(fo.KubernetesVersion, fo.Arch, bases, fo.Sources, fo.Checksums)
	if err != nil {
		return err
	}
	for _, f := range files {
		sum := f.SumURL
		if f.Pinned != "" {
			sum = "sha256 " + f.Pinned
		}
		bins := f.Binaries()
		sort.Strings(bins)
		fmt.Fprintf(w, "%s\n  checksum: %s\n  binaries: %v\n", spec.RedactURL(f.URL), spec.RedactURL(sum), bins)
	}
	archives, err := fetch.Images(fo.KubernetesVersion, files)
	if err != nil {
		return err
	}
	for _, a := range archives {
		fmt.Fprintf(w, "make images/%s.tar from %v\n  images: %v\n", a.Name, a.Binaries(), a.Refs())
	}
	return nil
}
