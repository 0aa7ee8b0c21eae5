// Package build compiles every binary and image a cluster needs from the
// upstream Go modules, into kubeup's cache (see package cache for the
// layout), and describes them in a manifest.
//
// Each component (kubernetes, etcd, flannel, flannel-cni, the container
// runtime's containerd, runc, cni-plugins and cri-tools, coredns, pause,
// smoke) is built from a wrapper module that is generated per version into
// CACHE/src/NAME/VERSION: the multi-call Kubernetes binary from a template
// in the build/ module, the others from tool directives on the upstream
// main packages. The images of the static-pods mode (kubernetes-images,
// etcd-image, flannel-image; see package podimages) are components too,
// assembled from those binaries without compiling anything, and rebuilt
// when the binaries' sha256 change. A component's output is kept in
// CACHE/components/NAME/VERSION/ARCH with recipe.json; it is rebuilt only
// when its recipe hash (recipe, embedded sources, Go version) changes.
// Ensure then links the outputs into CACHE/artifacts/K8SVERSION/ARCH and
// writes manifest.json there.
package build

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"kubeup.dev/kubeup/internal/artifacts/cache"
	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/progress"
	"kubeup.dev/kubeup/internal/versions"
)

// Options says what to build and where.
type Options struct {
	KubernetesVersion string // v1.34.4
	Arch              string // empty: the version set's (amd64)
	// CacheRoot is kubeup's cache, from cache.Root. Required.
	CacheRoot string
	// Go is the go command; empty means "go" from $PATH.
	Go string
	// Env is the environment the go command starts from; nil means
	// os.Environ(). GOOS, GOARCH, CGO_ENABLED, GOFLAGS and GOWORK are set
	// on top of it.
	Env []string
	// Force rebuilds every component even when its cached build is current.
	Force bool
	// Progress shows one step per component; nil shows nothing.
	Progress *progress.Display
	// Log also receives the go command's output (it always goes to
	// CACHE/logs/NAME-VERSION-ARCH.log); nil means only the log files.
	Log io.Writer
}

// Ensure builds whatever is not current in the cache for
// opts.KubernetesVersion and returns the manifest and the directory it
// describes (CACHE/artifacts/VERSION/ARCH, holding manifest.json, bin/ and
// images/). The manifest keeps entries that fetch put there (Source
// "release") unless a built artifact of the same name replaced them. With
// everything cached it only checks and links files (well under a second).
// Another kubeup building the same component, or writing the same
// artifacts directory, is waited for; other components are not.
func Ensure(ctx context.Context, opts Options) (*manifest.Manifest, string, error) {
	b, err := newBuilder(ctx, opts)
	if err != nil {
		return nil, "", err
	}
	rs, err := recipes(b.set, b.arch)
	if err != nil {
		return nil, "", err
	}
	var arts []manifest.Artifact
	for _, r := range rs {
		a, err := b.component(ctx, r)
		if err != nil {
			return nil, "", err
		}
		arts = append(arts, a...)
	}
	unlock, err := b.layout.LockArtifacts(b.set.Kubernetes, b.arch)
	if err != nil {
		return nil, "", err
	}
	defer unlock()
	dir := b.layout.Artifacts(b.set.Kubernetes, b.arch)
	m, err := assemble(dir, b.layout, rs, arts, b.set.Kubernetes, b.arch)
	if err != nil {
		return nil, "", err
	}
	return m, dir, nil
}

// builder holds what every component build shares.
type builder struct {
	opts      Options
	set       versions.Set
	arch      string
	layout    cache.Layout
	goVersion string
	env       []string
}

// newBuilder checks opts and asks the go command for its version.
func newBuilder(ctx context.Context, opts Options) (*builder, error) {
	set, err := versions.For(opts.KubernetesVersion)
	if err != nil {
		return nil, err
	}
	if opts.CacheRoot == "" {
		return nil, errors.New("build: no cache directory: pass --cache DIR or set " + cache.EnvVar)
	}
	if opts.Go == "" {
		opts.Go = "go"
	}
	if opts.Env == nil {
		opts.Env = os.Environ()
	}
	b := &builder{opts: opts, set: set, arch: opts.Arch, layout: cache.Layout{Root: opts.CacheRoot}}
	if b.arch == "" {
		b.arch = set.Architecture
	}
	b.env = append(append([]string{}, opts.Env...), "GOOS=linux", "GOARCH="+b.arch, "GOFLAGS=-buildvcs=false", "GOWORK=off")
	out, err := goCmd{bin: opts.Go, env: b.env, log: io.Discard}.output(ctx, "", "", "env", "GOVERSION")
	if err != nil {
		return nil, fmt.Errorf("find the Go toolchain: %w: install Go 1.24 or newer, or pass its path", err)
	}
	b.goVersion = strings.TrimSpace(string(out))
	return b, nil
}

// component returns r's artifacts, building r unless its cached build is
// current. Paths are relative to the component directory.
func (b *builder) component(ctx context.Context, r recipe) ([]manifest.Artifact, error) {
	step := b.opts.Progress.Step(fmt.Sprintf("build %s %s (%s)", r.Name, r.Version, r.Arch))
	hash, err := b.hash(r)
	if err != nil {
		step.Done(err)
		return nil, err
	}
	unlock, err := b.layout.LockComponent(r.Name, r.Version, r.Arch)
	if err != nil {
		step.Done(err)
		return nil, err
	}
	defer unlock()
	dir := b.layout.Component(r.Name, r.Version, r.Arch)
	if !b.opts.Force {
		if arts, ok := cached(dir, hash); ok {
			step.Skip("cached")
			return arts, nil
		}
	}
	arts, err := b.build(ctx, r, hash, dir)
	if err != nil {
		err = fmt.Errorf("build %s %s: %w", r.Name, r.Version, err)
		step.Done(err)
		return nil, err
	}
	step.Done(nil)
	return arts, nil
}

// ConformanceKit is what EnsureConformance returns.
type ConformanceKit struct {
	// Dir holds bin/e2e.test, bin/ginkgo and the test images' binaries
	// (bin/agnhost, bin/sample-apiserver, bin/nnp).
	Dir string
	// KubernetesModule is k8s.io/kubernetes' directory in the module
	// cache: the test images take files from it.
	KubernetesModule string
}

// EnsureConformance builds, unless cached, what running the conformance
// suite against a cluster of opts.KubernetesVersion needs (see
// conformanceRecipe). The binaries stay out of the cluster's artifacts
// directory (and so out of bundles): no host needs them.
func EnsureConformance(ctx context.Context, opts Options) (ConformanceKit, error) {
	b, err := newBuilder(ctx, opts)
	if err != nil {
		return ConformanceKit{}, err
	}
	r, err := conformanceRecipe(b.set.Kubernetes, b.arch)
	if err != nil {
		return ConformanceKit{}, err
	}
	if _, err := b.component(ctx, r); err != nil {
		return ConformanceKit{}, err
	}
	mi, err := b.downloadKubernetes(ctx, goCmd{bin: b.opts.Go, env: b.env, log: io.Discard}, b.set.Kubernetes, "")
	if err != nil {
		return ConformanceKit{}, err
	}
	if mi.Dir == "" {
		return ConformanceKit{}, fmt.Errorf("the go command did not say where %s %s is in the module cache", kubernetesModule, b.set.Kubernetes)
	}
	return ConformanceKit{Dir: b.layout.Component(r.Name, r.Version, r.Arch), KubernetesModule: mi.Dir}, nil
}
