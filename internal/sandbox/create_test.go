package sandbox

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/sandbox/engine"
	"kubeup.dev/kubeup/internal/spec"
)

type fixture struct {
	eng    *fakeEngine
	host   *fakeHost
	prober *fakeProber
	out    *bytes.Buffer
	m      *Manager
	dir    string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{eng: newFakeEngine(), host: newFakeHost(), prober: &fakeProber{}, out: &bytes.Buffer{}, dir: t.TempDir()}
	f.m = &Manager{Engine: f.eng, Images: fakeImages{}, Host: f.host, Prober: f.prober, Out: f.out}
	return f
}

func (f *fixture) opts(name string, nodes int) CreateOptions {
	return CreateOptions{Name: name, Nodes: nodes, SpecPath: filepath.Join(f.dir, name+".yaml")}
}

func TestCreateThreeNodes(t *testing.T) {
	f := newFixture(t)
	sb, err := f.m.Create(context.Background(), f.opts("demo", 3))
	if err != nil {
		t.Fatalf("Create: %v\n%s", err, f.out)
	}
	if got := sb.Subnet.String(); got != "172.30.0.0/24" {
		t.Errorf("subnet = %s, want 172.30.0.0/24", got)
	}
	if len(f.eng.containers) != 3 || len(f.eng.volumes) != 3 || len(f.eng.networks) != 2 {
		t.Fatalf("engine holds %d containers, %d volumes, %d networks; want 3, 3, 2",
			len(f.eng.containers), len(f.eng.volumes), len(f.eng.networks))
	}
	for i, c := range f.eng.containers {
		if c.State != "running" {
			t.Errorf("%s is %s, want running", c.Name, c.State)
		}
		if c.Labels[LabelSandbox] != "demo" {
			t.Errorf("%s lacks the sandbox label: %v", c.Name, c.Labels)
		}
		want := []string{"172.30.0.2", "172.30.0.3", "172.30.0.4"}
		if ip := c.IPs["kubeup-demo"]; !slices.Contains(want, ip) {
			t.Errorf("container %d has address %q", i, ip)
		}
	}
	if len(f.prober.targets) != 3 {
		t.Errorf("prober asked about %d nodes, want 3", len(f.prober.targets))
	}
	checkSpec(t, sb)
	checkKeys(t, sb)
	checkCopiedFiles(t, f)
}

func checkSpec(t *testing.T, sb *Sandbox) {
	t.Helper()
	c, err := spec.Load(sb.SpecPath)
	if err != nil {
		t.Fatalf("load written spec: %v", err)
	}
	if ps := spec.Validate(c, spec.OSOptions(sb.SpecPath)); ps.HasErrors() {
		t.Fatalf("written spec does not validate: %v", ps.Err())
	}
	wantRoles := [][]spec.Role{
		{spec.RoleControlPlane, spec.RoleEtcd}, {spec.RoleWorker}, {spec.RoleWorker},
	}
	for i, h := range c.Spec.Hosts {
		if !slices.Equal(h.Roles, wantRoles[i]) {
			t.Errorf("host %s roles = %v, want %v", h.Name, h.Roles, wantRoles[i])
		}
		if h.SSH.KeyPath != ".kubeup/demo/id_ed25519" || h.SSH.KnownHostsPath != ".kubeup/demo/known_hosts" {
			t.Errorf("host %s ssh = %+v", h.Name, h.SSH)
		}
	}
	sbx := c.Spec.Sandbox
	if sbx == nil || !sbx.PerNodeCgroupRoot || !sbx.RestrictOOMScoreAdj || !sbx.ConntrackMaxPerCoreZero ||
		!sbx.CreateKmsg || !slices.Equal(sbx.Nameservers, []string{"10.255.255.53"}) {
		t.Errorf("sandbox settings = %+v", sbx)
	}
	if !c.Spec.Kubelet.AllowCgroupV1 {
		t.Error("the spec of a sandbox on a cgroup v1 machine does not set kubelet.allowCgroupV1")
	}
}

// TestCreateOnCgroupV2: on a cgroup v2 machine the sandbox spec leaves
// kubelet.allowCgroupV1 unset.
func TestCreateOnCgroupV2(t *testing.T) {
	f := newFixture(t)
	f.host.paths[cgroupV2Marker] = true
	sb, err := f.m.Create(context.Background(), f.opts("demo", 1))
	if err != nil {
		t.Fatalf("Create: %v\n%s", err, f.out)
	}
	if c, err := spec.Load(sb.SpecPath); err != nil || c.Spec.Kubelet.AllowCgroupV1 {
		t.Errorf("spec on cgroup v2: allowCgroupV1 set or unreadable (%v)", err)
	}
}

func checkKeys(t *testing.T, sb *Sandbox) {
	t.Helper()
	st, err := os.Stat(sb.KeyPath)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key %s: %v, mode %v; want 0600", sb.KeyPath, err, st.Mode())
	}
	kh, err := os.ReadFile(sb.KnownHostsPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range sb.Nodes {
		if !strings.Contains(string(kh), n.Address.String()+","+n.Name+" ssh-ed25519 ") {
			t.Errorf("known_hosts lacks %s:\n%s", n.Name, kh)
		}
	}
}

// checkCopiedFiles looks at the tar copied into each node before it
// started: root's authorized_keys and the node's host key, off the tmpfs.
func checkCopiedFiles(t *testing.T, f *fixture) {
	t.Helper()
	for _, c := range f.eng.containers {
		b, ok := f.eng.copied[c.ID+":/"]
		if !ok {
			t.Fatalf("nothing copied into %s", c.Name)
		}
		names := map[string]int64{}
		tr := tar.NewReader(bytes.NewReader(b))
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			names[h.Name] = h.Mode
		}
		for name, mode := range map[string]int64{"root/.ssh/authorized_keys": 0o600, "etc/ssh/ssh_host_ed25519_key": 0o600,
			"etc/systemd/system/" + unroutedUnit: 0o644, "etc/systemd/system/multi-user.target.wants/" + unroutedUnit: 0o777} {
			if names[name] != mode {
				t.Errorf("%s: %s has mode %o, want %o (entries %v)", c.Name, name, names[name], mode, names)
			}
		}
	}
}

func TestNodeConfigRunOptions(t *testing.T) {
	f := newFixture(t)
	if _, err := f.m.Create(context.Background(), f.opts("demo", 1)); err != nil {
		t.Fatal(err)
	}
	cfg := f.eng.configs["demo-node1"]
	checks := map[string]bool{
		"hostname":       cfg.Hostname == "demo-node1",
		"caps":           slices.Equal(cfg.CapAdd, []string{"ALL"}) && slices.Equal(cfg.CapDrop, []string{"SYS_RESOURCE"}),
		"security":       slices.Contains(cfg.SecurityOpt, "systempaths=unconfined") && slices.Contains(cfg.SecurityOpt, "seccomp=unconfined"),
		"cgroupns":       cfg.CgroupnsMode == "private",
		"stop signal":    cfg.StopSignal == "SIGRTMIN+3",
		"tmpfs":          len(cfg.Tmpfs) == 2 && cfg.Tmpfs[0].Target == "/run" && cfg.Tmpfs[1].Target == "/tmp",
		"containerd vol": len(cfg.Volumes) == 1 && cfg.Volumes[0].Target == "/var/lib/containerd",
		"kmsg":           slices.Equal(cfg.Devices, []string{"/dev/kmsg"}),
		"devices cgroup": slices.Equal(cfg.DeviceCgroupRules, []string{"a *:* rwm"}),
		"modules":        slices.Contains(cfg.Binds, engine.Bind{Source: "/lib/modules", Target: "/lib/modules", ReadOnly: true}),
		"fixed ip":       cfg.IP == "172.30.0.2" && cfg.Network == "kubeup-demo",
	}
	for what, ok := range checks {
		if !ok {
			t.Errorf("%s not as expected in %+v", what, cfg)
		}
	}
}

func TestPlanNodesRoles(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		nodes, cps int
		want       []string
	}{
		{1, 1, []string{"control-plane,etcd,worker"}},
		{3, 1, []string{"control-plane,etcd", "worker", "worker"}},
		{3, 3, []string{"control-plane,etcd,worker", "control-plane,etcd,worker", "control-plane,etcd,worker"}},
		{4, 3, []string{"control-plane,etcd", "control-plane,etcd", "control-plane,etcd", "worker"}},
	}
	for _, tt := range tests {
		o := f.opts("x", tt.nodes)
		o.ControlPlanes = tt.cps
		var got []string
		for _, n := range planNodes(o, mustPrefix("172.30.0.0/24")) {
			got = append(got, rolesString(n.Roles))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%d nodes, %d control planes: roles %v, want %v", tt.nodes, tt.cps, got, tt.want)
		}
	}
}

func TestCreateErrors(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *fixture, o *CreateOptions)
		want  []string
	}{
		{"bad name", func(f *fixture, o *CreateOptions) { o.Name = "Bad_Name" }, []string{"not a DNS label", "--name"}},
		{"no nodes", func(f *fixture, o *CreateOptions) { o.Nodes = 0 }, []string{"at least one node"}},
		{"too many control planes", func(f *fixture, o *CreateOptions) { o.ControlPlanes = 4 }, []string{"--control-planes 4"}},
		{"name in use", func(f *fixture, o *CreateOptions) {
			f.eng.containers = append(f.eng.containers, engine.Container{ID: "x", Name: "demo-node1", Labels: map[string]string{LabelSandbox: "demo"}})
		}, []string{`sandbox "demo" already exists`, "kubeup sandbox delete --name demo"}},
		{"foreign container", func(f *fixture, o *CreateOptions) {
			f.eng.containers = append(f.eng.containers, engine.Container{ID: "x", Name: "demo-node2"})
		}, []string{"container named demo-node2", "not part of a kubeup sandbox", "--name"}},
		{"subnet collides with network", func(f *fixture, o *CreateOptions) {
			f.eng.networks = append(f.eng.networks, engine.Network{ID: "n9", Name: "lab", Subnets: []string{"172.30.0.0/16"}})
			o.Subnet = "172.30.7.0/24"
		}, []string{`collides with Docker network "lab" (172.30.0.0/16)`, "choose another with --subnet"}},
		{"subnet collides with route", func(f *fixture, o *CreateOptions) {
			f.host.routes = append(f.host.routes, Route{Prefix: mustPrefix("192.168.0.0/16"), Dev: "wg0"})
			o.Subnet = "192.168.5.0/24"
		}, []string{"collides with the route to 192.168.0.0/16 on wg0", "--subnet 172.30.0.0/24"}},
		{"subnet too small", func(f *fixture, o *CreateOptions) { o.Subnet = "172.30.9.0/30" }, []string{"holds 1 nodes, fewer than --nodes 3"}},
		{"little memory", func(f *fixture, o *CreateOptions) { f.host.mem = 1 << 30 }, []string{"not enough memory for 3 nodes", "--nodes"}},
		{"little disk", func(f *fixture, o *CreateOptions) { f.host.disk = 3 << 30 }, []string{"not enough disk space", "docker system prune"}},
		{"foreign spec file", func(f *fixture, o *CreateOptions) {
			os.WriteFile(o.SpecPath, []byte("hello: world\n"), 0o644)
		}, []string{"exists and is not the spec of sandbox", "-f"}},
		{"image build fails", func(f *fixture, o *CreateOptions) {
			f.m.Images = fakeImages{err: errors.New("debootstrap failed")}
		}, []string{"debootstrap failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			o := f.opts("demo", 3)
			tt.setup(f, &o)
			_, err := f.m.Create(context.Background(), o)
			if err == nil {
				t.Fatal("Create succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if tt.name != "name in use" && tt.name != "foreign container" && len(f.eng.containers) > 0 {
				t.Errorf("containers were created: %v", f.eng.containers)
			}
		})
	}
}

func TestCreateFailureCleansUp(t *testing.T) {
	f := newFixture(t)
	f.prober.fail = map[string]error{"demo-node2": errors.New("systemd is degraded")}
	_, err := f.m.Create(context.Background(), f.opts("demo", 3))
	if err == nil || !strings.Contains(err.Error(), "demo-node2: systemd is degraded") || !strings.Contains(err.Error(), "--retain") {
		t.Fatalf("error = %v, want the node, the cause and --retain", err)
	}
	if len(f.eng.containers)+len(f.eng.volumes) != 0 || len(f.eng.networks) != 1 {
		t.Errorf("left behind: %v %v %v", f.eng.containers, f.eng.volumes, f.eng.networks)
	}
}

func TestCreateFailureRetain(t *testing.T) {
	f := newFixture(t)
	f.eng.failStart = "demo-node3"
	o := f.opts("demo", 3)
	o.Retain = true
	_, err := f.m.Create(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "demo-node3: start failed") {
		t.Fatalf("error = %v", err)
	}
	if len(f.eng.containers) != 3 || !strings.Contains(f.out.String(), "kubeup sandbox delete --name demo") {
		t.Errorf("retained %d containers; output:\n%s", len(f.eng.containers), f.out)
	}
}

func TestCreatePicksFreeSubnet(t *testing.T) {
	f := newFixture(t)
	f.eng.networks = append(f.eng.networks,
		engine.Network{ID: "a", Name: "a", Subnets: []string{"172.30.0.0/24"}},
		engine.Network{ID: "b", Name: "b", Subnets: []string{"172.30.1.0/25"}})
	f.host.routes = append(f.host.routes, Route{Prefix: mustPrefix("172.30.2.0/24"), Dev: "br0"})
	sb, err := f.m.Create(context.Background(), f.opts("demo", 2))
	if err != nil {
		t.Fatal(err)
	}
	if sb.Subnet.String() != "172.30.3.0/24" {
		t.Errorf("subnet = %s, want 172.30.3.0/24", sb.Subnet)
	}
}

func TestCreateOverwritesOwnSpec(t *testing.T) {
	f := newFixture(t)
	o := f.opts("demo", 1)
	if _, err := f.m.Create(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if _, err := f.m.Delete(context.Background(), "demo"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.m.Create(context.Background(), o); err != nil {
		t.Fatalf("second create over its own spec: %v", err)
	}
}
