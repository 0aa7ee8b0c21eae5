package phases

import (
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/plan"
	"kubeup.dev/kubeup/internal/spec"
)

// referencedDeps is the oracle for the readers the planned files declare:
// starting at the unit file, every planned file or binary whose path a
// file already reached names, transitively (how a unit's flags and
// configuration point at what the component reads).
func referencedDeps(r *Run, hostName, unit string) []string {
	hf := r.hostFiles(hostName)
	content := map[string]string{}
	for _, f := range hf.Files {
		content[f.Path] = string(f.Content)
	}
	candidates := make([]string, 0, len(content))
	for p := range content {
		candidates = append(candidates, p)
	}
	for _, b := range r.binariesFor(hf.Host) {
		candidates = append(candidates, installPath(b))
	}
	queue := append([]string{layout.Unit(unit)}, externalUnitConfig(unit)...)
	seen := map[string]bool{}
	for _, p := range queue {
		seen[p] = true
	}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range candidates {
			if !seen[c] && strings.Contains(content[p], c) {
				seen[c] = true
				queue = append(queue, c)
			}
		}
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// TestDeclaredReadersMatchWhatUnitsReference: for every rendered variant
// (and the example spec), every host and every component, the files
// whose declared readers name the component are exactly those its unit
// reaches through the paths its flags and configuration name, so a
// change restarts exactly the components that read it.
func TestDeclaredReadersMatchWhatUnitsReference(t *testing.T) {
	specs, err := filepath.Glob("../render/testdata/specs/*.yaml")
	if err != nil || len(specs) < 5 {
		t.Fatalf("render variants: %v %v", specs, err)
	}
	for _, p := range specs {
		c, err := spec.Load(p)
		if err != nil {
			t.Fatal(err)
		}
		pc, err := plan.ForCluster(t.TempDir(), c, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), nil)
		if err != nil {
			t.Fatal(err)
		}
		r := NewRun(c, t.TempDir(), pc, nil)
		for _, h := range c.Spec.Hosts {
			for _, k := range r.componentsOn(h) {
				got, want := r.unitDeps(h.Name, k.Name), referencedDeps(r, h.Name, k.Name)
				if !slices.Equal(got, want) {
					t.Errorf("%s/%s/%s: declared %v\nreferenced %v", filepath.Base(p), h.Name, k.Name, got, want)
				}
			}
		}
	}
	if len(catalog.All()) == 0 {
		t.Fatal("empty catalog")
	}
}
