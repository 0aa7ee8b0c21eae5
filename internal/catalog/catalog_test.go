package catalog

import (
	"slices"
	"testing"

	"kubeup.dev/kubeup/internal/spec"
)

func cluster(external bool) *spec.Cluster {
	c := &spec.Cluster{}
	if external {
		c.Spec.Etcd.External = &spec.ExternalEtcd{Endpoints: []string{"https://10.0.0.9:2379"}}
	}
	return c
}

func TestForFollowsRoles(t *testing.T) {
	cp, etcd, worker := spec.RoleControlPlane, spec.RoleEtcd, spec.RoleWorker
	node := []string{"containerd", "kubelet", "kube-proxy", "flanneld"}
	cases := []struct {
		roles    []spec.Role
		external bool
		want     []string
	}{
		{[]spec.Role{worker}, false, node},
		{[]spec.Role{etcd}, false, []string{"containerd", "etcd", "kubelet", "kube-proxy", "flanneld"}},
		{[]spec.Role{cp, etcd}, false, []string{"containerd", "etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy", "flanneld"}},
		{[]spec.Role{cp, etcd}, true, []string{"containerd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy", "flanneld"}},
	}
	for _, c := range cases {
		got := Names(For(cluster(c.external), spec.Host{Name: "h", Roles: c.roles}))
		if !slices.Equal(got, c.want) {
			t.Errorf("%v external=%v: %v, want %v", c.roles, c.external, got, c.want)
		}
	}
}

func TestDerivedLists(t *testing.T) {
	w := For(cluster(false), spec.Host{Name: "w", Roles: []spec.Role{spec.RoleWorker}})
	if got := Binaries(cluster(false), w); !slices.Equal(got, []string{"cni/flannel", "flanneld", "kube-proxy", "kubectl", "kubelet"}) {
		t.Errorf("worker binaries %v", got)
	}
	if got := Ports(w); len(got) != 1 || got[10250] != "kubelet" {
		t.Errorf("worker ports %v", got)
	}
	if got := Names(OwnUnits(w)); slices.Contains(got, "containerd") {
		t.Errorf("containerd's unit is the OS package's, not kubeup's: %v", got)
	}
	if got := Names(InTier(All(), ControlPlane)); !slices.Equal(got, []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler"}) {
		t.Errorf("control plane tier %v", got)
	}
	stop := Names(StopOrder(All()))
	if !slices.Equal(stop, []string{"kubelet", "flanneld", "kube-proxy", "kube-scheduler", "kube-controller-manager", "kube-apiserver", "etcd", "containerd"}) {
		t.Errorf("stop order %v", stop)
	}
}

func TestOwnsMatchesTruncatedProcessNames(t *testing.T) {
	for p, want := range map[string]bool{"kube-controller": true, "kubelet": true, "etcd": true, "kube-apiserver": true, "nginx": false, "kube-": false} {
		if got := Owns(All(), p); got != want {
			t.Errorf("Owns(%q) = %v, want %v", p, got, want)
		}
	}
}

// TestNewComponentIsOneEntry: a fictitious component added to the list
// reaches every derived list without another edit.
func TestNewComponentIsOneEntry(t *testing.T) {
	ks := append(All(), Component{Name: "node-exporter", Tier: Network, Binaries: []string{"node-exporter"}, OwnUnit: true,
		Ports: []int{9100}, On: EveryHost})
	var on []Component
	for _, k := range ks {
		if k.RunsOn(cluster(false), spec.Host{Name: "w", Roles: []spec.Role{spec.RoleWorker}}) {
			on = append(on, k)
		}
	}
	if !slices.Contains(Binaries(cluster(false), on), "node-exporter") || Ports(on)[9100] != "node-exporter" ||
		!slices.Contains(Names(InTier(on, Network)), "node-exporter") || !Owns(on, "node-exporter") {
		t.Error("the new component is missing from a derived list")
	}
}

// TestStaticPodsKeepOnlyTools: in static-pods mode a control plane keeps
// on the host the kubelet, the clients kubeup checks health with and the
// CNI plugin; etcd and the control plane run as static pods, kube-proxy
// and flannel as DaemonSets.
func TestStaticPodsKeepOnlyTools(t *testing.T) {
	c := cluster(false)
	c.Spec.ControlPlane.Mode = spec.ModeStaticPods
	cp := For(c, spec.Host{Name: "cp", Roles: []spec.Role{spec.RoleControlPlane, spec.RoleEtcd}})
	if got := Binaries(c, cp); !slices.Equal(got, []string{"cni/flannel", "etcdctl", "kubectl", "kubelet"}) {
		t.Errorf("static-pods control-plane binaries %v", got)
	}
	want := map[Runner][]string{
		Unit:      {"containerd", "kubelet"},
		StaticPod: {"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"},
		DaemonSet: {"kube-proxy", "flanneld"},
	}
	for r, names := range want {
		if got := Names(RunningAs(c, cp, r)); !slices.Equal(got, names) {
			t.Errorf("%s: %v, want %v", r, got, names)
		}
	}
	if got := Names(RunningAs(cluster(false), cp, Unit)); len(got) != len(cp) {
		t.Errorf("systemd mode runs %v as units, want all of %v", got, Names(cp))
	}
}
