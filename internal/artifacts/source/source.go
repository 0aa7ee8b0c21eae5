// Package source resolves a cluster spec's artifacts (spec.artifacts.source:
// build, release or bundle) into one manifest and the cache directory that
// holds its files, building, downloading or extracting what is missing.
package source

import (
	"context"
	"fmt"

	"kubeup.dev/kubeup/internal/artifacts/build"
	"kubeup.dev/kubeup/internal/artifacts/bundle"
	"kubeup.dev/kubeup/internal/artifacts/cache"
	"kubeup.dev/kubeup/internal/artifacts/fetch"
	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/progress"
	"kubeup.dev/kubeup/internal/spec"
	"kubeup.dev/kubeup/internal/versions"
)

// Options says where the cache is and how to show progress.
type Options struct {
	CacheRoot string
	Progress  *progress.Display
}

// Resolve returns the manifest and directory of c's artifacts.
func Resolve(ctx context.Context, c *spec.Cluster, o Options) (*manifest.Manifest, string, error) {
	v := c.Spec.KubernetesVersion
	set, err := versions.For(v)
	if err != nil {
		return nil, "", err
	}
	switch c.Spec.Artifacts.Source {
	case "build":
		m, dir, err := build.Ensure(ctx, build.Options{KubernetesVersion: v, CacheRoot: o.CacheRoot, Progress: o.Progress})
		if err != nil {
			return nil, "", fmt.Errorf("build artifacts: %w", err)
		}
		return m, dir, nil
	case "release":
		m, err := fetch.Fetch(ctx, fetchOptions(c, o))
		if err != nil {
			return nil, "", fmt.Errorf("fetch release artifacts: %w", err)
		}
		return m, cache.Layout{Root: o.CacheRoot}.Artifacts(v, set.Architecture), nil
	case "bundle":
		m, dir, err := bundle.Extract(ctx, c.Spec.Artifacts.Bundle, o.CacheRoot)
		if err != nil {
			return nil, "", fmt.Errorf("bundle %s: %w", c.Spec.Artifacts.Bundle, err)
		}
		if m.KubernetesVersion != v {
			return nil, "", fmt.Errorf("bundle %s holds Kubernetes %s but the spec asks for %s: make a bundle for %s", c.Spec.Artifacts.Bundle, m.KubernetesVersion, v, v)
		}
		if err := bundle.Lint(m, set.Images()); err != nil {
			return nil, "", fmt.Errorf("bundle %s: %w", c.Spec.Artifacts.Bundle, err)
		}
		return m, dir, nil
	}
	return nil, "", fmt.Errorf("spec.artifacts.source %q is not build, release or bundle", c.Spec.Artifacts.Source)
}

// fetchOptions downloads c's release artifacts through its mirrors,
// trusting its pinned checksums for files whose project publishes none.
func fetchOptions(c *spec.Cluster, o Options) fetch.Options {
	return fetch.Options{KubernetesVersion: c.Spec.KubernetesVersion, CacheRoot: o.CacheRoot,
		Mirrors: c.Spec.Artifacts.Mirrors, Checksums: c.Spec.Artifacts.Checksums, Progress: o.Progress}
}
