package fetch

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/artifacts/cache"
	"kubeup.dev/kubeup/internal/artifacts/inventory"
	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/spec"
	"kubeup.dev/kubeup/internal/versions"
)

// flannelSum pins flannel's tarball, which has no published checksum.
func flannelSum() map[string]string {
	return map[string]string{"flannel-v0.26.7-linux-amd64.tar.gz": strings.Repeat("0", 64)}
}

// TestPlanProvidesTheInventory: the files of every source provide each
// binary of a complete artifact set exactly once, and nothing else.
func TestPlanProvidesTheInventory(t *testing.T) {
	files, err := Plan(testK8s, "amd64", DefaultBases(), nil, flannelSum())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, f.Binaries()...)
	}
	slices.Sort(got)
	if want := slices.Sorted(slices.Values(inventory.HostBinaries())); !slices.Equal(got, want) {
		t.Errorf("the plan provides\n%v\nwant the inventory's\n%v", got, want)
	}
	if bases := slices.Sorted(maps.Keys(DefaultBases())); !slices.Equal(bases, slices.Sorted(slices.Values(Sources()))) {
		t.Errorf("DefaultBases has %v, Sources %v", bases, Sources())
	}
}

// TestPlanRuntime checks the runc and crictl downloads of both
// architectures against the release layout of their projects.
func TestPlanRuntime(t *testing.T) {
	set, err := versions.For(testK8s)
	if err != nil {
		t.Fatal(err)
	}
	for _, arch := range []string{"amd64", "arm64"} {
		files, err := Plan(testK8s, arch, DefaultBases(), []string{SourceRunc, SourceCriTools}, nil)
		if err != nil || len(files) != 2 {
			t.Fatalf("%s: %d files (%v), want runc and crictl", arch, len(files), err)
		}
		runc, crictl := files[0], files[1]
		r := "https://github.com/opencontainers/runc/releases/download/" + set.Runc + "/"
		if runc.URL != r+"runc."+arch || runc.SumURL != r+"runc.sha256sum" || runc.Name != "runc."+arch ||
			runc.Binary != "runc" || runc.Members != nil || runc.Version != set.Runc || runc.Source != SourceRunc {
			t.Errorf("%s: runc %+v", arch, runc)
		}
		c := "https://github.com/kubernetes-sigs/cri-tools/releases/download/" + set.CriTools + "/crictl-" + set.CriTools + "-linux-" + arch + ".tar.gz"
		if crictl.URL != c || crictl.SumURL != c+".sha256" || !slices.Equal(crictl.Binaries(), []string{"crictl"}) ||
			crictl.Members["crictl"] != "crictl" || crictl.Version != set.CriTools || crictl.Source != SourceCriTools {
			t.Errorf("%s: crictl %+v", arch, crictl)
		}
	}
}

// TestFetchRuntimeFromMirrors fetches runc and crictl alone, each from a
// mirror of its own that serves the official paths under another base.
func TestFetchRuntimeFromMirrors(t *testing.T) {
	official := newReleaseServer(t)
	official.release(t)
	mirror := newReleaseServer(t)
	prefixes := map[string]string{SourceRunc: "/opencontainers/runc/releases/download/",
		SourceCriTools: "/kubernetes-sigs/cri-tools/releases/download/"}
	for source, prefix := range prefixes {
		for p, b := range official.files {
			if rest, ok := strings.CutPrefix(p, prefix); ok {
				mirror.files["/m/"+source+"/"+rest] = b
			}
		}
	}
	o, out, _ := testOptions(t, official, nil)
	o.Sources = []string{SourceRunc, SourceCriTools}
	o.Mirrors[SourceRunc] = mirror.URL + "/m/runc"
	o.Mirrors[SourceCriTools] = mirror.URL + "/m/cri-tools/"
	m, err := Fetch(context.Background(), o)
	if err != nil {
		t.Fatalf("Fetch: %v\n%s", err, out)
	}
	if n := len(official.requests); n != 0 {
		t.Errorf("the official server got %d requests, want 0", n)
	}
	set, _ := versions.For(testK8s)
	dir := cache.Layout{Root: o.CacheRoot}.Artifacts(testK8s, "amd64")
	for name, version := range map[string]string{"runc": set.Runc, "crictl": set.CriTools} {
		a, ok := m.Find(manifest.KindBinary, name)
		if !ok || a.Version != version {
			t.Fatalf("%s: %+v, want version %s", name, a, version)
		}
		checkArtifact(t, dir, a)
	}
	if len(m.Artifacts) != 2 {
		t.Errorf("manifest %+v, want runc and crictl only", m.Artifacts)
	}
	var files []string
	for _, r := range mirror.fileRequests() {
		files = append(files, r.Path)
	}
	slices.Sort(files)
	want := []string{"/m/cri-tools/" + set.CriTools + "/crictl-" + set.CriTools + "-linux-amd64.tar.gz", "/m/runc/" + set.Runc + "/runc.amd64"}
	if !slices.Equal(files, want) {
		t.Errorf("mirror served %v, want %v (not the other architecture's runc)", files, want)
	}
}

// TestSpecTakesAMirrorOfEverySource: spec validation, which cannot import
// this package, knows every source as a mirror name.
func TestSpecTakesAMirrorOfEverySource(t *testing.T) {
	c, err := spec.Parse(spec.Example())
	if err != nil {
		t.Fatal(err)
	}
	c.Spec.Artifacts.Source = "release"
	c.Spec.Artifacts.Mirrors = map[string]string{}
	for _, s := range Sources() {
		c.Spec.Artifacts.Mirrors[s] = "https://mirror.example.com/" + s
	}
	for _, p := range spec.Validate(c, spec.Options{}) {
		if strings.HasPrefix(p.Path, "spec.artifacts.mirrors") {
			t.Errorf("%s", p)
		}
	}
}
