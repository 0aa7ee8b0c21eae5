package inventory

import (
	"slices"
	"testing"
)

func TestHostBinariesAreEveryGroupsOnce(t *testing.T) {
	var want []string
	for _, g := range Groups() {
		if len(g.Binaries) == 0 {
			t.Errorf("%s provides no binary", g.Project)
		}
		if !slices.Equal(Binaries(g.Project), g.Binaries) {
			t.Errorf("Binaries(%s) = %v, want %v", g.Project, Binaries(g.Project), g.Binaries)
		}
		want = append(want, g.Binaries...)
	}
	got := HostBinaries()
	if !slices.Equal(got, want) {
		t.Errorf("HostBinaries() = %v, want %v", got, want)
	}
	sorted := slices.Sorted(slices.Values(got))
	if len(slices.Compact(sorted)) != len(got) {
		t.Errorf("a binary is in two groups: %v", got)
	}
	if Binaries("docker") != nil {
		t.Error("an unknown project has binaries")
	}
}

func TestRuntimeBinaries(t *testing.T) {
	for project, want := range map[string][]string{
		Containerd: {"containerd", "containerd-shim-runc-v2", "ctr"},
		Runc:       {"runc"},
		CNIPlugins: {"cni/bridge", "cni/host-local", "cni/loopback", "cni/portmap"},
		CriTools:   {"crictl"},
	} {
		if got := Binaries(project); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", project, got, want)
		}
	}
}

func TestCNIPlugin(t *testing.T) {
	for _, p := range append(CNIPluginNames(), "flannel") {
		if got, ok := CNIPlugin(CNIBinary(p)); !ok || got != p {
			t.Errorf("CNIPlugin(CNIBinary(%q)) = %q, %v", p, got, ok)
		}
	}
	if _, ok := CNIPlugin("flanneld"); ok {
		t.Error("flanneld counts as a CNI plugin")
	}
}
