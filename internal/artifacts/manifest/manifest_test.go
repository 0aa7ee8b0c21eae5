package manifest

import "testing"

func TestCounts(t *testing.T) {
	m := &Manifest{Artifacts: []Artifact{
		{Name: "kubelet", Kind: KindBinary},
		{Name: "cni/bridge", Kind: KindBinary},
		{Name: "pause", Kind: KindImage, Image: "registry.k8s.io/pause:3.10.1"},
		{Name: "kubernetes-images", Kind: KindImage, Images: []string{"a:v1", "b:v1", "c:v1", "d:v1"}},
	}}
	if bins, imgs := m.Counts(); bins != 2 || imgs != 5 {
		t.Errorf("Counts() = %d binaries, %d images; want 2 and 5 (an archive counts each image it holds)", bins, imgs)
	}
}
