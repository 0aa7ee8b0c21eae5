package build

import (
	"context"
	"fmt"

	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/versions"
)

// Check is Ensure for a dry run: it builds, links and writes nothing. It
// returns the manifest of the components whose cached build is current,
// with placeholders (see Placeholders) for the others, and names the
// components Ensure would build ("kubernetes v1.34.4 (amd64)").
func Check(ctx context.Context, opts Options) (*manifest.Manifest, []string, error) {
	b, err := newBuilder(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	rs, err := recipes(b.set, b.arch)
	if err != nil {
		return nil, nil, err
	}
	m := &manifest.Manifest{KubernetesVersion: b.set.Kubernetes, Arch: b.arch}
	var missing []string
	for _, r := range rs {
		hash, err := b.hash(r)
		if err != nil {
			return nil, nil, err
		}
		arts, ok := cached(b.layout.Component(r.Name, r.Version, r.Arch), hash)
		if !ok || opts.Force {
			missing = append(missing, fmt.Sprintf("%s %s (%s)", r.Name, r.Version, r.Arch))
			arts = r.placeholders()
		}
		for _, a := range arts {
			m.Put(a)
		}
	}
	m.Sort()
	return m, missing, nil
}

// Placeholders lists every artifact a build of Kubernetes version makes
// for arch, as a dry run plans with them before they exist: no size, and
// for checksum "not built: NAME" (the aliases of a binary share it).
func Placeholders(version, arch string) ([]manifest.Artifact, error) {
	set, err := versions.For(version)
	if err != nil {
		return nil, err
	}
	if arch == "" {
		arch = set.Architecture
	}
	rs, err := recipes(set, arch)
	if err != nil {
		return nil, err
	}
	var out []manifest.Artifact
	for _, r := range rs {
		out = append(out, r.placeholders()...)
	}
	return out, nil
}

// placeholders are r's artifacts before r is built.
func (r recipe) placeholders() []manifest.Artifact {
	var out []manifest.Artifact
	for _, bin := range r.Binaries {
		for _, name := range append([]string{bin.Name}, bin.Aliases...) {
			out = append(out, manifest.Artifact{Name: name, Kind: manifest.KindBinary, Version: r.Version, Arch: r.Arch,
				Path: "bin/" + name, SHA256: "not built: " + bin.Name, Source: "build"})
		}
	}
	for _, img := range r.Images {
		out = append(out, manifest.Artifact{Name: img.Name, Kind: manifest.KindImage, Version: r.Version, Arch: r.Arch,
			Path: manifest.ImagePath(img.Name), SHA256: "not built: " + img.Name, Image: img.Ref, Source: "build"})
	}
	if r.Archive != nil {
		out = append(out, r.Archive.Artifact(r.Arch, "build", "not built: "+r.Archive.Name, 0))
	}
	return out
}
