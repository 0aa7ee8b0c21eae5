package render

import (
	"testing"

	"kubeup.dev/kubeup/internal/catalog"
)

// TestEveryComponentRenders: each catalog component has its files'
// generator, and no generator belongs to a component the catalog lacks.
func TestEveryComponentRenders(t *testing.T) {
	gs := componentGenerators()
	for _, k := range catalog.All() {
		if gs[k.Name] == nil {
			t.Errorf("component %s has no generator", k.Name)
		}
	}
	if len(gs) != len(catalog.All()) {
		t.Errorf("%d generators for %d components", len(gs), len(catalog.All()))
	}
}
