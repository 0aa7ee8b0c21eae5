package source

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"kubeup.dev/kubeup/internal/artifacts/build"
	"kubeup.dev/kubeup/internal/artifacts/bundle"
	"kubeup.dev/kubeup/internal/artifacts/cache"
	"kubeup.dev/kubeup/internal/artifacts/fetch"
	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/spec"
	"kubeup.dev/kubeup/internal/versions"
)

// Check is Resolve for a dry run: it builds, downloads, extracts and
// writes nothing, and uses the cache read-only. It returns the manifest
// of what the cache holds, with placeholders (a checksum that no file has)
// for what it lacks, the directory Resolve would return, and what Resolve
// would do about the rest ("build kubernetes v1.34.4 (amd64): not in the
// cache"); none when everything is cached.
func Check(ctx context.Context, c *spec.Cluster, o Options) (*manifest.Manifest, string, []string, error) {
	v := c.Spec.KubernetesVersion
	set, err := versions.For(v)
	if err != nil {
		return nil, "", nil, err
	}
	dir := cache.Layout{Root: o.CacheRoot}.Artifacts(v, set.Architecture)
	switch c.Spec.Artifacts.Source {
	case "build":
		m, missing, err := build.Check(ctx, build.Options{KubernetesVersion: v, CacheRoot: o.CacheRoot})
		if err != nil {
			return nil, "", nil, fmt.Errorf("check the artifact cache: %w", err)
		}
		var would []string
		for _, n := range missing {
			would = append(would, "build "+n+": not in the cache")
		}
		return m, dir, would, nil
	case "release":
		files, err := fetch.Plan(v, set.Architecture, fetch.DefaultBases(), nil, c.Spec.Artifacts.Checksums)
		if err != nil {
			return nil, "", nil, err
		}
		var want []manifest.Artifact
		for _, f := range files {
			for _, b := range f.Binaries() {
				want = append(want, manifest.Artifact{Name: b, Kind: manifest.KindBinary, Version: f.Version, Arch: set.Architecture,
					Path: "bin/" + b, SHA256: "not downloaded: " + b, Source: "release"})
			}
		}
		archives, err := fetch.Images(v, files)
		if err != nil {
			return nil, "", nil, err
		}
		for _, a := range archives {
			want = append(want, a.Artifact(set.Architecture, "release", "not made: "+a.Name, 0))
		}
		m, complete, err := cached(dir, v, set.Architecture, want, "release")
		if err != nil || complete {
			return m, dir, nil, err
		}
		return m, dir, []string{fmt.Sprintf("download the release artifacts of Kubernetes %s: not all in the cache", v)}, nil
	case "bundle":
		want, err := build.Placeholders(v, set.Architecture)
		if err != nil {
			return nil, "", nil, err
		}
		m, complete, err := cached(dir, v, set.Architecture, want, "")
		if err == nil && complete && bundle.Lint(m, set.Images()) == nil {
			return m, dir, nil, nil
		}
		return m, dir, []string{fmt.Sprintf("extract bundle %s: its artifacts are not all in the cache", c.Spec.Artifacts.Bundle)}, err
	}
	return nil, "", nil, fmt.Errorf("spec.artifacts.source %q is not build, release or bundle", c.Spec.Artifacts.Source)
}

// cached reads dir's manifest.json (none is an empty one) and puts each
// artifact of want in it that it lacks, or whose file in dir is missing
// or of another size, or (with source set) that came from another source.
// complete says none was missing.
func cached(dir, version, arch string, want []manifest.Artifact, source string) (*manifest.Manifest, bool, error) {
	m, err := manifest.Read(filepath.Join(dir, "manifest.json"))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		m = &manifest.Manifest{}
	case err != nil:
		return nil, false, err
	}
	m.KubernetesVersion, m.Arch = version, arch
	complete := true
	for _, w := range want {
		a, ok := m.Find(w.Kind, w.Name)
		ok = ok && (source == "" || a.Source == source)
		if ok {
			fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(a.Path)))
			ok = err == nil && fi.Mode().IsRegular() && fi.Size() == a.Size
		}
		if !ok {
			m.Put(w)
			complete = false
		}
	}
	m.Sort()
	return m, complete, nil
}
