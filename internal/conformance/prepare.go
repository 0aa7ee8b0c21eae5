package conformance

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"

	"kubeup.dev/kubeup/internal/artifacts/build"
	"kubeup.dev/kubeup/internal/conformance/testimages"
)

// Kit is everything a run needs for one Kubernetes version.
type Kit struct {
	Version string
	E2ETest string
	Ginkgo  string
	Kubectl string // of the cluster's version, from its artifacts
	Images  testimages.Archive
}

// PrepareOptions say what to build and where.
type PrepareOptions struct {
	Build    build.Options // KubernetesVersion, CacheRoot, Go, Progress, Log
	Run      testimages.Runner
	Progress io.Writer // one line per step of the images
	Log      io.Writer // the build tools' output
}

// Prepare builds (or finds cached) the cluster's artifacts, e2e.test, the
// ginkgo CLI and the test images, and returns them.
func Prepare(ctx context.Context, o PrepareOptions) (Kit, error) {
	_, artifacts, err := build.Ensure(ctx, o.Build)
	if err != nil {
		return Kit{}, err
	}
	bins, err := build.EnsureConformance(ctx, o.Build)
	if err != nil {
		return Kit{}, err
	}
	k := Kit{Version: o.Build.KubernetesVersion, E2ETest: filepath.Join(bins.Dir, "bin", "e2e.test"),
		Ginkgo: filepath.Join(bins.Dir, "bin", "ginkgo"), Kubectl: filepath.Join(artifacts, "bin", "kubectl")}
	refs, err := ListImages(ctx, k.E2ETest)
	if err != nil {
		return Kit{}, err
	}
	cacheDir := filepath.Join(o.Build.CacheRoot, "testimages")
	fmt.Fprintf(o.progress(), "test images: the Debian base and busybox (cached in %s; the first build takes about 5 minutes)\n", cacheDir)
	base, err := testimages.EnsureBase(ctx, testimages.DefaultBase(), testimages.DefaultBusybox(), cacheDir, o.Run, o.log())
	if err != nil {
		return Kit{}, err
	}
	src := testimages.Sources{TestBin: filepath.Join(bins.Dir, "bin"), ClusterBin: filepath.Join(artifacts, "bin"),
		Kubernetes: bins.KubernetesModule, Base: base}
	fmt.Fprintf(o.progress(), "test images: %d named by e2e.test --list-images\n", len(refs))
	k.Images, err = testimages.WriteArchive(testimages.Plan(refs), src, "amd64", cacheDir)
	if err != nil {
		return Kit{}, fmt.Errorf("make the test images: %w", err)
	}
	return k, nil
}

// ListImages asks e2e.test for every image its specs use.
func ListImages(ctx context.Context, e2eTest string) ([]string, error) {
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, e2eTest, "--list-images")
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s --list-images: %w: %s", e2eTest, err, strings.TrimSpace(errOut.String()))
	}
	return strings.Fields(out.String()), nil
}

func (o PrepareOptions) progress() io.Writer {
	if o.Progress == nil {
		return io.Discard
	}
	return o.Progress
}

func (o PrepareOptions) log() io.Writer {
	if o.Log == nil {
		return io.Discard
	}
	return o.Log
}
