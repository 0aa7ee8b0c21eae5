package reset

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
	"kubeup.dev/kubeup/internal/remoteops/remoteopstest"
	"kubeup.dev/kubeup/internal/spec"
	"kubeup.dev/kubeup/internal/supervisor"
	"kubeup.dev/kubeup/internal/versions"
)

// resetProbes match reset's read-only commands; anything else a reset
// runs is a change.
var resetProbes = []*regexp.Regexp{
	regexp.MustCompile(`^cat /var/lib/kubeup/install-record`),
	regexp.MustCompile(`^for f in`),
	regexp.MustCompile(`^if command -v ctr`),
	regexp.MustCompile(`sed 's/\^/mount /'`),
	regexp.MustCompile(`^for l in cni0`),
	regexp.MustCompile(`^for p in .*echo "path`),
}

// deployed is what a host kubeup deployed holds, as reset's probes report
// it; the fake's change commands clear their part, the way they would on
// the host.
type deployed struct {
	mu   sync.Mutex
	left map[string]string // part -> probe output while present
}

func newDeployed(t *testing.T, name string) *deployed {
	t.Helper()
	set, err := versions.For("v1.34.4")
	if err != nil {
		t.Fatal(err)
	}
	var units strings.Builder
	for _, u := range [][3]string{{"kubelet", "active", "enabled"}, {"kube-proxy", "active", "enabled"}, {"flanneld", "failed", "enabled"}} {
		units.WriteString("file /etc/systemd/system/" + u[0] + ".service\nunit Id=" + u[0] + ".service\nunit ActiveState=" + u[1] +
			"\nunit UnitFileState=" + u[2] + "\nunit FragmentPath=/etc/systemd/system/" + u[0] + ".service\nunit\n")
	}
	return &deployed{left: map[string]string{
		"units": units.String(),
		"mark":  "--- kubeup probe ---\nexists /etc/kubernetes\nmark demo\n",
		// a distribution's etcd, not kubeup's: left alone
		"other":      "unit Id=etcd.service\nunit ActiveState=active\nunit UnitFileState=enabled\nunit FragmentPath=/lib/systemd/system/etcd.service\n",
		"containers": "ctr up\ncontainer c1\ncontainer c2\ncontainerd active\n",
		"images": "image " + set.PauseImage() + " sha256:p\nimage sha256:pid sha256:p\nimage example.com/other:1 sha256:o\n" +
			"image registry.k8s.io/e2e-test-images/agnhost:2.56 sha256:a\ntestimage registry.k8s.io/e2e-test-images/agnhost:2.56\n",
		"config": "config backup\n",
		"mounts": "mount /var/lib/kubelet/pods/p1/volumes/kubernetes.io~projected/token\nnetns /run/netns/cni-1\n",
		"links":  "link cni0\nlink flannel.1\nveth veth1\n",
		"routes": "route 10.244.0.0/16 10.244.9.0/24 via 192.168.10.12 dev eth0\nroute 10.244.0.0/16 blackhole 10.244.77.0/24\n" +
			"route 10.244.0.0/16 10.244.78.5 dev eth0 scope link\nroute 10.244.0.0/16 10.244.79.0/24 via 192.0.2.1 dev eth0\n",
		"chains": "chain iptables nat KUBE-SERVICES\nchain iptables filter KUBE-FORWARD\nchain ip6tables filter FLANNEL-FWD\n",
		"files":  "path /etc/kubernetes\npath " + layout.Binary("kubelet") + "\n",
		"users":  "user etcd\n",
	}}
}

func (d *deployed) out(parts ...string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(d.left[p])
	}
	return b.String()
}

func (d *deployed) clear(parts ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, p := range parts {
		delete(d.left, p)
	}
}

// wire answers the fake's reset probes from d and lets its changes
// clear d.
func (d *deployed) wire(f *host.Fake) {
	probe := func(parts ...string) func(string, []byte) host.Reply {
		return func(string, []byte) host.Reply { return host.Reply{Stdout: d.out(parts...)} }
	}
	change := func(parts ...string) func(string, []byte) host.Reply {
		return func(string, []byte) host.Reply { d.clear(parts...); return host.Reply{} }
	}
	f.OnFunc(`^cat /var/lib/kubeup/install-record`, probe("record", "mark"))
	f.OnFunc(`^for f in`, probe("units", "other"))
	f.OnFunc(`^if command -v ctr`, probe("containers", "images", "config"))
	f.OnFunc(`sed 's/\^/mount /'`, probe("mounts"))
	f.OnFunc(`^for l in cni0`, probe("links", "routes", "chains"))
	f.OnFunc(`^for p in .*echo "path`, probe("files", "users"))
	f.OnFunc(`^for u in .*userdel`, change("users"))
	f.OnFunc(`^systemctl disable -q`, func(string, []byte) host.Reply {
		d.mu.Lock()
		defer d.mu.Unlock()
		d.left["units"] = strings.NewReplacer("=active", "=inactive", "=failed", "=inactive", "=enabled", "=disabled").Replace(d.left["units"])
		return host.Reply{}
	})
	f.OnFunc(`^rm -f -- .*daemon-reload`, change("units"))
	f.OnFunc(`tasks ls -q`, change("containers"))
	f.OnFunc(`images rm --sync`, change("images"))
	f.OnFunc(`^mv -f `+regexp.QuoteMeta(remoteops.ContainerdConfigBackup), change("config"))
	f.On(`^systemctl restart containerd$`, host.Reply{})
	f.OnFunc(`sort -r \| while`, change("mounts"))
	f.OnFunc(`^rmdir /run/netns`, change("mounts"))
	f.OnFunc(`ip link delete`, change("links"))
	f.OnFunc(`^ip -4 route del`, change("routes"))
	f.OnFunc(`^iptables-save \| awk`, d.clearChains("iptables"))
	f.OnFunc(`^ip6tables-save \| awk`, d.clearChains("ip6tables"))
	f.OnFunc(`rm -rf --one-file-system`, change("files", "mark"))
}

func (d *deployed) clearChains(tool string) func(string, []byte) host.Reply {
	return func(string, []byte) host.Reply {
		d.mu.Lock()
		defer d.mu.Unlock()
		var keep []string
		for _, l := range strings.Split(d.left["chains"], "\n") {
			if l != "" && !strings.HasPrefix(l, "chain "+tool+" ") {
				keep = append(keep, l+"\n")
			}
		}
		d.left["chains"] = strings.Join(keep, "")
		return host.Reply{}
	}
}

// resetRun is remoteopstest.NewRun with every host deployed and a local
// admin kubeconfig in the state directory.
func resetRun(t *testing.T) (*remoteops.Run, map[string]*host.Fake, map[string]*deployed) {
	t.Helper()
	r, fakes := remoteopstest.NewRun(t)
	ds := map[string]*deployed{}
	for name, f := range fakes {
		ds[name] = newDeployed(t, name)
		ds[name].wire(f)
	}
	if err := os.WriteFile(remoteops.AdminKubeconfigPath(r.StateDir), []byte("kubeconfig"), 0o600); err != nil {
		t.Fatal(err)
	}
	return r, fakes, ds
}

func runReset(t *testing.T, r *remoteops.Run, o Options, dryRun bool) (*phase.Report, error) {
	t.Helper()
	runner, err := phase.New(phase.Options{DryRun: dryRun}, Phases(o)...)
	if err != nil {
		t.Fatal(err)
	}
	return runner.Run(context.Background(), r)
}

// changeCommands returns the commands that are not probes.
func changeCommands(f *host.Fake) []string {
	var out []string
	for _, c := range f.Commands() {
		if !slices.ContainsFunc(resetProbes, func(re *regexp.Regexp) bool { return re.MatchString(c) }) {
			out = append(out, c)
		}
	}
	return out
}

func hostChanges(rep *phase.Report, name string) []string {
	var out []string
	for _, p := range rep.Phases {
		for _, h := range p.Hosts {
			if h.Host == name {
				out = append(out, h.Changes...)
			}
		}
	}
	return out
}

// wantChanges are the changes of a reset of a deployed host, in order.
func wantChanges(t *testing.T) []string {
	t.Helper()
	set, _ := versions.For("v1.34.4")
	return []string{
		"stop and disable kubelet, kube-proxy, flanneld",
		"remove unit files /etc/systemd/system/kubelet.service, /etc/systemd/system/kube-proxy.service, /etc/systemd/system/flanneld.service and reload systemd",
		"kill and remove 2 pod containers of containerd's k8s.io namespace (made by the kubelet)",
		"remove images " + set.PauseImage() + ", registry.k8s.io/e2e-test-images/agnhost:2.56 (3 references)",
		"restore /etc/containerd/config.toml from " + remoteops.ContainerdConfigBackup + " (the host's own, kept by apply)",
		"restart containerd",
		"unmount 1 mounts under /var/lib/kubelet, /run/netns and containerd's CRI sandboxes and remove 1 pod network namespaces /run/netns/cni-*",
		"delete network interfaces veth1, cni0, flannel.1",
		"delete flannel's routes into the pod network 10.244.0.0/16: 10.244.9.0/24 via 192.168.10.12 dev eth0",
		"remove 2 iptables chains KUBE-* and FLANNEL-* (filter 1, nat 1) and the rules that jump to them",
		"remove 1 ip6tables chains KUBE-* and FLANNEL-* (filter 1) and the rules that jump to them",
		"remove /etc/kubernetes, /usr/local/bin/kubelet",
		"remove system users kubeup created: etcd",
	}
}

func TestResetDryRunListsEveryChangeAndChangesNothing(t *testing.T) {
	r, fakes, _ := resetRun(t)
	rep, err := runReset(t, r, Options{}, true)
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range fakes {
		if got := hostChanges(rep, name); !slices.Equal(got, wantChanges(t)) {
			t.Errorf("%s: planned changes\n%s\nwant\n%s", name, strings.Join(got, "\n"), strings.Join(wantChanges(t), "\n"))
		}
		if cmds := changeCommands(f); len(cmds) > 0 || f.Changed() {
			t.Errorf("%s: a dry run ran changes: %q", name, cmds)
		}
	}
	if _, err := os.Stat(remoteops.AdminKubeconfigPath(r.StateDir)); err != nil {
		t.Errorf("a dry run removed the admin kubeconfig: %v", err)
	}
	if !slices.Contains(hostChanges(rep, ""), "remove local admin kubeconfig "+remoteops.AdminKubeconfigPath(r.StateDir)) {
		t.Errorf("dry run does not list the kubeconfig removal: %q", hostChanges(rep, ""))
	}
}

func TestResetRemovesEverythingAndSecondResetChangesNothing(t *testing.T) {
	r, fakes, _ := resetRun(t)
	rep, err := runReset(t, r, Options{}, false)
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range fakes {
		if got := hostChanges(rep, name); !slices.Equal(got, wantChanges(t)) {
			t.Errorf("%s: changes\n%s", name, strings.Join(got, "\n"))
		}
		if n := len(changeCommands(f)); n != len(wantChanges(t)) {
			t.Errorf("%s: %d change commands, want one per change (%d)", name, n, len(wantChanges(t)))
		}
	}
	if _, err := os.Stat(remoteops.AdminKubeconfigPath(r.StateDir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("admin kubeconfig left after a full reset: %v", err)
	}
	if _, err := os.Stat(r.StateDir + "/pki/ca.crt"); err != nil {
		t.Errorf("a reset removed the local CA: %v", err)
	}

	before := map[string]int{}
	for name, f := range fakes {
		before[name] = len(f.Commands())
	}
	rep, err = runReset(t, r, Options{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Changes() != 0 {
		t.Errorf("second reset made %d changes", rep.Changes())
	}
	for name, f := range fakes {
		if len(changeCommands(f)) != len(wantChanges(t)) {
			t.Errorf("%s: second reset ran commands that are not probes: %q", name, changeCommands(f)[len(wantChanges(t)):])
		}
	}
}

func TestResetOfHostWithoutKubeupChangesNothing(t *testing.T) {
	r, fakes := remoteopstest.NewRun(t)
	for _, f := range fakes {
		(&deployed{left: map[string]string{}}).wire(f)
	}
	rep, err := runReset(t, r, Options{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Changes() != 0 {
		t.Errorf("reset of clean hosts made %d changes", rep.Changes())
	}
}

func TestResetRefusesHostOfAnotherCluster(t *testing.T) {
	r, _, ds := resetRun(t)
	ds["node2"].left["mark"] = "--- kubeup probe ---\nmark other\n"
	_, err := runReset(t, r, Options{}, false)
	if err == nil || !strings.Contains(err.Error(), "phase inspect on node2") || !strings.Contains(err.Error(), "cluster other") {
		t.Fatalf("want a refusal naming node2 and cluster other, got %v", err)
	}
}

func TestResetErrorNamesHostAndPhase(t *testing.T) {
	r, fakes, _ := resetRun(t)
	fakes["node3"].On(`rm -rf --one-file-system`, host.Reply{Code: 1, Stderr: "/var/lib/kubelet has mounts inside"})
	_, err := runReset(t, r, Options{}, false)
	var he *phase.HostError
	if !errors.As(err, &he) || he.Host != "node3" || he.Phase != "files" {
		t.Fatalf("want a HostError for node3 in phase files, got %v", err)
	}
	for _, want := range []string{"phase files on node3", "remove /etc/kubernetes", "has mounts inside"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

func TestResetOneWorkerDrainsAndTouchesOnlyIt(t *testing.T) {
	r, fakes, _ := resetRun(t)
	cs := drainCluster()
	o := Options{Hosts: []string{"node2"}, Client: func(*remoteops.Run) (kubernetes.Interface, error) { return cs, nil }}
	rep, err := runReset(t, r, o, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, other := range []string{"node1", "node3"} {
		if cmds := fakes[other].Commands(); len(cmds) > 0 {
			t.Errorf("%s was touched by a reset of node2: %q", other, cmds)
		}
	}
	if got := hostChanges(rep, "node2"); !slices.Equal(got, wantChanges(t)) {
		t.Errorf("node2 changes: %q", got)
	}
	want := []string{"cordon node node2", "evict 1 pods from node node2: default/web", "delete node node2"}
	if got := hostChanges(rep, ""); !slices.Equal(got, want) {
		t.Errorf("drain changes %q, want %q", got, want)
	}
	if _, err := cs.CoreV1().Nodes().Get(context.Background(), "node2", metav1.GetOptions{}); err == nil {
		t.Error("node2 still exists")
	}
	if pods, _ := cs.CoreV1().Pods("").List(context.Background(), metav1.ListOptions{}); len(pods.Items) != 2 {
		t.Errorf("want the DaemonSet and static pods left, have %d pods", len(pods.Items))
	}
	if _, err := os.Stat(remoteops.AdminKubeconfigPath(r.StateDir)); err != nil {
		t.Errorf("a reset of one worker removed the admin kubeconfig: %v", err)
	}
}

func TestResetOneWorkerGoesOnWhenTheAPIDoesNotAnswer(t *testing.T) {
	r, _, _ := resetRun(t)
	cs := fake.NewClientset()
	cs.PrependReactor("get", "nodes", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, errors.New("connection refused")
	})
	o := Options{Hosts: []string{"node2"}, Client: func(*remoteops.Run) (kubernetes.Interface, error) { return cs, nil }}
	if _, err := runReset(t, r, o, false); err != nil {
		t.Fatal(err)
	}
	w := strings.Join(r.Warnings(), "\n")
	if !strings.Contains(w, "node2") || !strings.Contains(w, "did not answer") || !strings.Contains(w, "kubectl delete node node2") {
		t.Errorf("want a warning about the API, got %q", w)
	}
}

// drainCluster holds node2 with a pod to evict, a DaemonSet pod and a
// static pod; evicting deletes the pod.
func drainCluster() *fake.Clientset {
	pod := func(name string, mutate func(*corev1.Pod)) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name)}, Spec: corev1.PodSpec{NodeName: "node2"}}
		if mutate != nil {
			mutate(p)
		}
		return p
	}
	cs := fake.NewClientset(
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node2"}},
		pod("web", nil),
		pod("flannel", func(p *corev1.Pod) {
			p.OwnerReferences = []metav1.OwnerReference{{Kind: "DaemonSet", Name: "flannel"}}
		}),
		pod("static", func(p *corev1.Pod) {
			p.Annotations = map[string]string{corev1.MirrorPodAnnotationKey: "x"}
		}),
	)
	cs.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != "eviction" {
			return false, nil, nil
		}
		name := a.(k8stesting.CreateAction).GetObject().(metav1.Object).GetName()
		return true, nil, cs.Tracker().Delete(corev1.SchemeGroupVersion.WithResource("pods"), "default", name)
	})
	return cs
}

func TestSelection(t *testing.T) {
	c, err := spec.Parse(spec.Example())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		names []string
		want  []string
		err   string
	}{
		{names: nil, want: nil},
		{names: []string{"node3", "node2", "node3"}, want: []string{"node2", "node3"}},
		{names: []string{"node1", "node2", "node3"}, want: nil},
		{names: []string{"node9"}, err: "--host node9: no such host in the spec: choose from node1, node2, node3"},
		{names: []string{"node1"}, err: "--host node1: the host runs the control plane or etcd"},
	} {
		got, err := Selection(c, tc.names)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%v: want error %q, got %v", tc.names, tc.err, err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%v: got %v %v, want %v", tc.names, got, err, tc.want)
		}
	}
}

func TestFixedRecordCoversPlannedFilesButContainerdConfig(t *testing.T) {
	r, _ := remoteopstest.NewRun(t)
	cp, w := fixedRecord(r, r.SpecHost("node1")), fixedRecord(r, r.SpecHost("node2"))
	cpAll := append(cp.List(remoteops.RecFile), cp.List(remoteops.RecData)...)
	for _, p := range []string{layout.AdminConf, layout.EtcdDataDir, layout.Binary("kube-apiserver"), layout.KubeletDir,
		"/opt/cni/bin/flannel", layout.Unit("etcd"), layout.SysctlConfig, layout.KubeupDir, layout.KubeletConf} {
		if !slices.Contains(cpAll, p) {
			t.Errorf("node1: %s not removed", p)
		}
	}
	for _, rec := range []*remoteops.InstallRecord{cp, w} {
		if rec.Has(remoteops.RecFile, layout.ContainerdConfig) || rec.Has(remoteops.RecData, layout.KubernetesDir) {
			t.Error("containerd's config (restored) or /etc/kubernetes as a whole (foreign files stay) listed")
		}
		for _, d := range rec.List(remoteops.RecDir) {
			if !strings.HasPrefix(d, "/etc/kubernetes") && !strings.HasPrefix(d, "/etc/kube-flannel") && !strings.HasPrefix(d, "/opt/cni") &&
				!strings.HasPrefix(d, "/var/lib/kubeup") && d != "/etc/etcd" {
				t.Errorf("the fixed list removes directory %s, which other software may use", d)
			}
		}
	}
	if w.Has(remoteops.RecData, layout.EtcdDataDir) || w.Has(remoteops.RecFile, layout.Binary("kube-apiserver")) || w.Has(remoteops.RecUnit, "etcd") {
		t.Error("a worker's reset removes etcd data, the etcd unit or control-plane binaries")
	}
	if !slices.Equal(w.List(remoteops.RecUnit), []string{"flanneld", "kube-proxy", "kubelet"}) {
		t.Errorf("worker units %v", w.List(remoteops.RecUnit))
	}
	for _, hf := range r.Plan.Hosts {
		rm := removal(&resetTarget{rec: fixedRecord(r, hf.Host)})
		for _, f := range hf.Files {
			if f.Path != layout.ContainerdConfig && !coveredBy(f.Path, append(rm.paths, rm.own...)) {
				t.Errorf("%s: planned %s is not removed", hf.Host.Name, f.Path)
			}
		}
	}
}

func coveredBy(p string, paths []string) bool {
	return slices.ContainsFunc(paths, func(q string) bool { return p == q || strings.HasPrefix(p, q+"/") })
}

// TestChainRestoreScript runs reset's iptables-restore script through awk
// on an iptables-save dump: rules jumping to KUBE-* and FLANNEL-* from
// other chains are deleted, those chains flushed and deleted, the rest
// untouched.
func TestChainRestoreScript(t *testing.T) {
	awk, err := exec.LookPath("awk")
	if err != nil {
		t.Skip("no awk")
	}
	dump := `# Generated by iptables-save
*nat
:PREROUTING ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:DOCKER_OUTPUT - [0:0]
:FLANNEL-POSTRTG - [0:0]
:KUBE-SERVICES - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG
-A POSTROUTING -d 127.0.0.11/32 -j DOCKER_OUTPUT
-A FLANNEL-POSTRTG -s 10.244.0.0/16 -j RETURN
-A KUBE-SERVICES -j KUBE-NODEPORTS
COMMIT
*filter
:INPUT ACCEPT [0:0]
COMMIT
`
	cmd := exec.Command(awk, chainRestore())
	cmd.Stdin = strings.NewReader(dump)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	want := `*nat
-D PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-D POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG
-F FLANNEL-POSTRTG
-F KUBE-SERVICES
-X FLANNEL-POSTRTG
-X KUBE-SERVICES
COMMIT
*filter
COMMIT
`
	if string(out) != want {
		t.Errorf("restore input:\n%s\nwant:\n%s", out, want)
	}
}

// TestResetScriptsParse checks every script reset runs with sh -n.
func TestResetScriptsParse(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	r, _ := remoteopstest.NewRun(t)
	r.Cluster.Spec.Sandbox = &spec.SandboxHosts{PerNodeCgroupRoot: true}
	r.Cluster.Spec.Kubelet.CgroupDriver = "cgroupfs"
	rm := removal(&resetTarget{rec: fixedRecord(r, r.SpecHost("node1"))})
	scripts := map[string]string{
		"unitProbe": unitProbe(), "containerdProbe": containerdProbe(), "mountsProbe": mountsProbe(), "inspectProbe": inspectProbe(),
		"networkProbe": networkProbe([]string{"10.244.0.0/16", "fd00::/48"}), "filesProbe": filesProbe(r, "node1", rm.paths, rm.dirs),
		"containersCmd": removeContainersCmd([]string{"a", "b"}), "stopCmd": supervisor.RemoveCmd([]string{"kubelet", "etcd"}), "unmountCmd": unmountPodsCmd(), "linksCmd": deleteLinksCmd(),
		"chainsCmd": deleteChainsCmd("ip6tables"), "removeCmd": removePathsCmd(rm.paths), "cgroupCmd": cgroupCmd([][]string{{"/sys/fs/cgroup/x/kubeup-node1"}}),
		"rmdirCmd": rmdirCmd(rm.dirs), "userdelCmd": userdelCmd([]string{"etcd"}), "routeCmd": deleteRouteCmd("10.244.0.0/16", strings.Fields("10.244.1.0/24 via 10.0.0.2 dev eth0")),
		"recordProbe": remoteops.RecordProbe(rm.dirs),
	}
	if !strings.Contains(scripts["filesProbe"], "kubeup-node1") {
		t.Error("the files probe of a sandbox lacks the cgroup root")
	}
	for name, s := range scripts {
		if out, err := exec.Command(sh, "-n", "-c", s).CombinedOutput(); err != nil {
			t.Errorf("%s does not parse: %v\n%s\n%s", name, err, out, s)
		}
	}
}

// TestComponentLinksAndChainsFromTheCatalog: the route filter skips the
// routes through the components' interfaces only, and the chain pattern
// matches their chains only.
func TestComponentLinksAndChainsFromTheCatalog(t *testing.T) {
	links := regexp.MustCompile(` dev ` + linksRE() + `( |$)`)
	for line, skip := range map[string]bool{
		"10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink": true,
		"10.244.0.0/24 dev cni0 proto kernel scope link":    true,
		"10.244.9.0/24 via 192.168.10.12 dev eth0":          false,
		"10.244.9.0/24 via 192.168.10.12 dev flannel.10":    false,
		"10.244.9.0/24 dev flannel-v6.1":                    true,
	} {
		if got := links.MatchString(line); got != skip {
			t.Errorf("%q: skipped %v, want %v", line, got, skip)
		}
	}
	chains := regexp.MustCompile(`^` + chainRE())
	for name, want := range map[string]bool{"KUBE-SERVICES": true, "FLANNEL-FWD": true, "DOCKER": false, "CILIUM-X": false} {
		if chains.MatchString(name) != want {
			t.Errorf("chain %s matched %v", name, !want)
		}
	}
	if chainNames() != "KUBE-* and FLANNEL-*" {
		t.Errorf("chain names %q", chainNames())
	}
}

// TestResetRemovesAnEmptyNetnsDir: when the runtime removed the pods'
// namespaces itself, reset still removes the /run/netns they were in,
// once.
func TestResetRemovesAnEmptyNetnsDir(t *testing.T) {
	r, _, ds := resetRun(t)
	for _, d := range ds {
		d.left["mounts"] = "netnsdir\n"
	}
	rep, err := runReset(t, r, Options{}, false)
	if err != nil {
		t.Fatal(err)
	}
	for name := range ds {
		if !slices.Contains(hostChanges(rep, name), "remove the empty /run/netns the pods' namespaces were in") {
			t.Errorf("%s: changes %q", name, hostChanges(rep, name))
		}
	}
	if rep, err = runReset(t, r, Options{}, false); err != nil || rep.Changes() != 0 {
		t.Errorf("second reset: %d changes, %v", rep.Changes(), err)
	}
}
