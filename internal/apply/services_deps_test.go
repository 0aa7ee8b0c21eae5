package apply

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
	"kubeup.dev/kubeup/internal/remoteops"
	"kubeup.dev/kubeup/internal/render"
	"kubeup.dev/kubeup/internal/spec"
)

// referencedDeps is the oracle for the readers the planned files declare:
// starting at the unit file, every planned file or binary whose path a
// file already reached names, transitively (how a unit's flags and
// configuration point at what the component reads).
func referencedDeps(r *remoteops.Run, hostName, unit string) []string {
	hf := r.HostFiles(hostName)
	content := map[string]string{}
	for _, f := range hf.Files {
		content[f.Path] = string(f.Content)
	}
	candidates := make([]string, 0, len(content))
	for p := range content {
		candidates = append(candidates, p)
	}
	for _, b := range r.BinariesFor(hf.Host) {
		candidates = append(candidates, remoteops.InstallPath(b))
	}
	for _, k := range r.Components {
		if ref := podImage(r, k.Name); ref != "" {
			candidates = append(candidates, imageDep(ref))
		}
	}
	queue := append(definition(r, unit), externalUnitConfig(unit)...)
	if runnerOf(r, unit) == catalog.DaemonSet {
		content["daemonset"] = daemonSetOf(r, unit)
		queue = append(queue, "daemonset")
	}
	seen := map[string]bool{}
	for _, p := range queue {
		seen[p] = true
	}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range candidates {
			if !seen[c] && strings.Contains(content[p], strings.TrimPrefix(c, imageDep(""))) {
				seen[c] = true
				queue = append(queue, c)
			}
		}
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		if p != "daemonset" {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// daemonSetOf is the DaemonSet, in the network addon of the first control
// plane, whose pods are labelled as component name.
func daemonSetOf(r *remoteops.Run, name string) string {
	addon := r.HostFiles(r.Cluster.Spec.ControlPlaneHosts()[0].Name)
	for _, f := range addon.Files {
		if f.Path != layout.Addon(render.AddonNetwork) {
			continue
		}
		for _, doc := range strings.Split(string(f.Content), "\n---\n") {
			if strings.Contains(doc, "kind: DaemonSet") && strings.Contains(doc, "component: "+name+"\n") {
				return doc
			}
		}
	}
	return ""
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
		r := remoteops.New(c, remoteops.Options{StateDir: t.TempDir(), Plan: pc})
		for _, h := range c.Spec.Hosts {
			for _, k := range r.ComponentsOn(h) {
				got, want := unitDeps(r, h.Name, k.Name), referencedDeps(r, h.Name, k.Name)
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
