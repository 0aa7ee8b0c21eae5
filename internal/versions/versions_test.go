package versions

import (
	"slices"
	"strings"
	"testing"
)

func TestMinorAndRange(t *testing.T) {
	cases := []struct {
		in      string
		minor   int
		wantErr bool
	}{
		{"v1.34.4", 34, false}, {"v1.37.2", 37, false}, {"1.34.4", 0, true},
		{"v1.34", 0, true}, {"v2.0.0", 0, true}, {"v1.34.4-rc.1", 0, true}, {"v1.034.1", 0, true},
	}
	for _, c := range cases {
		m, err := Minor(c.in)
		if (err != nil) != c.wantErr || m != c.minor {
			t.Errorf("Minor(%q) = %d, %v", c.in, m, err)
		}
	}
	if _, err := For("v1.33.9"); err == nil || !strings.Contains(err.Error(), "it knows 1.34 to 1.37 (default v1.37.2)") {
		t.Errorf("For(v1.33.9) = %v", err)
	}
	if _, err := For("v1.38.0"); err == nil {
		t.Error("1.38 accepted")
	}
	s, err := For("v1.34.4")
	if err != nil || s.PauseImage() != "registry.k8s.io/pause:3.10.1" {
		t.Errorf("For(v1.34.4) = %+v, %v", s, err)
	}
}

func TestImageNames(t *testing.T) {
	s, err := For("v1.34.4")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"registry.k8s.io/pause:3.10.1",
		"registry.k8s.io/coredns/coredns:v1.12.4",
		"kubeup.dev/smoke:v2",
		"registry.k8s.io/kube-apiserver:v1.34.4",
		"registry.k8s.io/kube-controller-manager:v1.34.4",
		"registry.k8s.io/kube-scheduler:v1.34.4",
		"registry.k8s.io/kube-proxy:v1.34.4",
		"registry.k8s.io/etcd:3.6.5-0", // kubeadm's tag: no v, image revision 0
		"ghcr.io/flannel-io/flannel:v0.26.7",
	}
	if got := s.Images(); !slices.Equal(got, want) {
		t.Errorf("Images() =\n%v\nwant\n%v", got, want)
	}
	if got := s.StaticPodImages(); !slices.Equal(got, want[3:]) {
		t.Errorf("StaticPodImages() = %v, want %v", got, want[3:])
	}
	for name, want := range map[string]string{"kube-apiserver": want[3], "kube-controller-manager": want[4], "kube-scheduler": want[5],
		"kube-proxy": want[6], "etcd": want[7], "flanneld": want[8], "kubelet": "", "containerd": ""} {
		if got := s.ComponentImage(name); got != want {
			t.Errorf("ComponentImage(%s) = %q, want %q", name, got, want)
		}
	}
	cur, _ := For("v1.37.1")
	if got := cur.EtcdImage(); got != "registry.k8s.io/etcd:3.7.0-0" {
		t.Errorf("1.37 etcd image = %s", got)
	}
}
