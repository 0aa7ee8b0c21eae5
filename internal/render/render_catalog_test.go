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

// TestEveryPodComponentRenders: each component a pod runs has its image's
// program and its static pod's or DaemonSet's part, and nothing else has.
func TestEveryPodComponentRenders(t *testing.T) {
	pods, sets, programs := staticPodSpecs(), daemonSetSpecs(), imagePrograms()
	for _, k := range catalog.All() {
		_, isPod := pods[k.Name]
		_, isSet := sets[k.Name]
		_, hasProgram := programs[k.Name]
		if isPod != (k.Pod == catalog.StaticPod) || isSet != (k.Pod == catalog.DaemonSet) || hasProgram != (k.Pod != catalog.Unit) {
			t.Errorf("%s runs as %s: static pod part %v, DaemonSet part %v, image program %v", k.Name, k.Pod, isPod, isSet, hasProgram)
		}
	}
}
