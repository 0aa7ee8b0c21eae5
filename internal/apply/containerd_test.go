package apply

import (
	"context"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
	"kubeup.dev/kubeup/internal/remoteops/remoteopstest"
	"kubeup.dev/kubeup/internal/spec"
	"kubeup.dev/kubeup/internal/versions"
)

// testImages adds two image archives to r's artifacts.
func testImages(r *remoteops.Run) (pause, dns manifest.Artifact) {
	pause = manifest.Artifact{Name: "pause", Kind: manifest.KindImage, Image: "registry.k8s.io/pause:3.10"}
	dns = manifest.Artifact{Name: "coredns", Kind: manifest.KindImage, Image: "registry.k8s.io/coredns/coredns:v1.12.1"}
	r.Artifacts.Artifacts = append(r.Artifacts.Artifacts, pause, dns)
	return pause, dns
}

// TestContainerd: the containerd phase (re)starts containerd as its
// configuration asks and imports only the images that are missing or
// whose archive changed this run; an unchanged host gets no change; a dry
// run on a host without containerd yet lists the imports and runs none.
func TestContainerd(t *testing.T) {
	for _, tc := range []struct {
		name    string
		state   string
		stale   bool
		images  host.Reply // ctr images ls
		changed bool       // pause's archive was written this run
		dryRun  bool
		changes []string
		ran     []string // the commands that change the host ("%s" is containerd's stamp)
	}{
		{name: "unchanged", state: "active enabled", images: host.Reply{Stdout: "registry.k8s.io/pause:3.10\nregistry.k8s.io/coredns/coredns:v1.12.1\n"}},
		{name: "image missing", state: "active enabled", images: host.Reply{Stdout: "registry.k8s.io/pause:3.10\n"},
			changes: []string{"import image registry.k8s.io/coredns/coredns:v1.12.1"},
			ran:     []string{"ctr -n k8s.io images import /var/lib/kubeup/images/coredns.tar"}},
		{name: "archive changed", state: "active enabled", changed: true,
			images:  host.Reply{Stdout: "registry.k8s.io/pause:3.10\nregistry.k8s.io/coredns/coredns:v1.12.1\n"},
			changes: []string{"import image registry.k8s.io/pause:3.10"},
			ran:     []string{"ctr -n k8s.io images import /var/lib/kubeup/images/pause.tar"}},
		{name: "config changed", state: "active enabled", stale: true,
			images:  host.Reply{Stdout: "registry.k8s.io/pause:3.10\nregistry.k8s.io/coredns/coredns:v1.12.1\n"},
			changes: []string{"restart containerd (its files changed)"},
			ran: []string{"systemctl enable -q containerd && systemctl restart containerd && " +
				"mkdir -p /var/lib/kubeup/units && echo %s > /var/lib/kubeup/units/containerd.stamp"}},
		{name: "dry run, no containerd yet", state: "inactive disabled", dryRun: true,
			images:  host.Reply{Code: 1, Stderr: "ctr: failed to dial \"/run/containerd/containerd.sock\""},
			changes: []string{"start containerd", "import image registry.k8s.io/pause:3.10", "import image registry.k8s.io/coredns/coredns:v1.12.1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, fakes := testRun(t)
			onlyNode2(r)
			pause, _ := testImages(r)
			f := fakes["node2"]
			onUnit(r, f, "containerd", tc.state, tc.stale).On(`^systemctl enable -q containerd`, host.Reply{})
			f.On(`^ctr -n k8s.io images ls -q$`, tc.images).On(`^ctr -n k8s.io images import `, host.Reply{})
			if tc.changed {
				r.MarkChanged("node2", imagePath(pause.Name))
			}
			rep, err := runPhases(t, r, tc.dryRun, "containerd")
			if err != nil {
				t.Fatal(err)
			}
			checkChanges(t, rep, "containerd", tc.changes)
			wantCmds := slices.Clone(tc.ran)
			for i, c := range wantCmds {
				wantCmds[i] = strings.Replace(c, "%s", unitStamp(r, "node2", "containerd"), 1)
			}
			if got := remoteopstest.CommandsLike(f, `^(systemctl enable|ctr -n k8s.io images import)`); !slices.Equal(got, wantCmds) {
				t.Errorf("ran %q, want %q", got, wantCmds)
			}
		})
	}
}

// TestContainerdImportsArchivesOfSeveralImages: an archive is imported
// once when any of its images is missing, and not at all when none is or
// when the host runs none of its images as a pod (systemd mode).
func TestContainerdImportsArchivesOfSeveralImages(t *testing.T) {
	for _, tc := range []struct {
		name, listed, mode string
		changes, ran       []string
	}{
		{name: "one missing", listed: "registry.k8s.io/kube-apiserver:v1.37.2\n", mode: spec.ModeStaticPods,
			changes: []string{"import images registry.k8s.io/kube-apiserver:v1.37.2, registry.k8s.io/kube-proxy:v1.37.2"},
			ran:     []string{"ctr -n k8s.io images import /var/lib/kubeup/images/kubernetes-images.tar"}},
		{name: "all there", listed: "registry.k8s.io/kube-apiserver:v1.37.2\nregistry.k8s.io/kube-proxy:v1.37.2\n", mode: spec.ModeStaticPods},
		{name: "systemd mode", mode: spec.ModeSystemd},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, fakes := testRun(t)
			r.Cluster.Spec.ControlPlane.Mode = tc.mode
			onlyNode2(r)
			r.Artifacts.Artifacts = append(r.Artifacts.Artifacts, manifest.Artifact{Name: "kubernetes-images", Kind: manifest.KindImage,
				Images: []string{"registry.k8s.io/kube-apiserver:v1.37.2", "registry.k8s.io/kube-proxy:v1.37.2"}})
			f := onUnits(r, fakes["node2"], map[string]string{"containerd": "active enabled"})
			f.On(`^ctr -n k8s.io images ls -q$`, host.Reply{Stdout: tc.listed}).On(`^ctr -n k8s.io images import `, host.Reply{})
			rep, err := runPhases(t, r, false, "containerd")
			if err != nil {
				t.Fatal(err)
			}
			checkChanges(t, rep, "containerd", tc.changes)
			if got := remoteopstest.CommandsLike(f, `^ctr -n k8s.io images import`); !slices.Equal(got, tc.ran) {
				t.Errorf("ran %q, want %q", got, tc.ran)
			}
		})
	}
}

// TestContainerdFailures: a containerd that does not answer, or an image
// it does not take, fails the phase naming the host and what to look at.
func TestContainerdFailures(t *testing.T) {
	for _, tc := range []struct {
		name            string
		images, import_ host.Reply
		err             []string
	}{
		{name: "containerd does not answer", images: host.Reply{Code: 1, Stderr: "ctr: failed to dial"},
			err: []string{"phase containerd on node2", "list containerd images", "failed to dial", "journalctl -u containerd"}},
		{name: "import fails", images: host.Reply{Stdout: "registry.k8s.io/pause:3.10\n"}, import_: host.Reply{Code: 1, Stderr: "ctr: content digest not found"},
			err: []string{"phase containerd on node2", "import image registry.k8s.io/coredns/coredns:v1.12.1", "content digest not found"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, fakes := testRun(t)
			onlyNode2(r)
			testImages(r)
			f := onUnits(r, fakes["node2"], map[string]string{"containerd": "active enabled"})
			f.On(`^ctr -n k8s.io images ls -q$`, tc.images).On(`^ctr -n k8s.io images import `, tc.import_)
			_, err := runPhases(t, r, false, "containerd")
			errHas(t, err, tc.err...)
		})
	}
}

// TestPodStampFollowsItsImageArchive: in static-pods mode a component's
// stamp covers its image, also when the image is one of several in an
// archive: a new archive restarts the pod, another archive does not.
func TestPodStampFollowsItsImageArchive(t *testing.T) {
	r, _ := testRun(t)
	r.Cluster.Spec.ControlPlane.Mode = spec.ModeStaticPods
	set, err := versions.For(r.Cluster.Spec.KubernetesVersion)
	if err != nil {
		t.Fatal(err)
	}
	r.Artifacts.Artifacts = append(r.Artifacts.Artifacts,
		manifest.Artifact{Name: "kubernetes-images", Kind: manifest.KindImage, SHA256: "one",
			Images: []string{set.KubeAPIServerImage(), set.KubeProxyImage()}},
		manifest.Artifact{Name: "etcd-image", Kind: manifest.KindImage, SHA256: "etcd", Image: set.EtcdImage()})
	cp := r.Cluster.Spec.Hosts[slices.IndexFunc(r.Cluster.Spec.Hosts, func(h spec.Host) bool { return h.HasRole(spec.RoleControlPlane) })].Name
	if deps := unitDeps(r, cp, "kube-apiserver"); !slices.Contains(deps, imageDep(set.KubeAPIServerImage())) {
		t.Fatalf("kube-apiserver's dependencies %v lack its image", deps)
	}
	before := unitStamp(r, cp, "kube-apiserver")
	r.Artifacts.Artifacts[len(r.Artifacts.Artifacts)-1].SHA256 = "another etcd"
	if got := unitStamp(r, cp, "kube-apiserver"); got != before {
		t.Error("a new etcd image changed kube-apiserver's stamp")
	}
	r.Artifacts.Artifacts[len(r.Artifacts.Artifacts)-2].SHA256 = "two"
	if got := unitStamp(r, cp, "kube-apiserver"); got == before {
		t.Error("a new kubernetes-images archive kept kube-apiserver's stamp")
	}
}

func TestBackupContainerdConfigKeepsTheHostsOwnOnce(t *testing.T) {
	for _, tc := range []struct {
		probe string
		want  bool
	}{
		{probe: "config own\n", want: true},
		{probe: "config backup\nconfig own\n", want: false},
		{probe: "config backup\nconfig kubeup\n", want: false},
		{probe: "config kubeup\n", want: false},
		{probe: "", want: false},
	} {
		r, fakes := testRun(t)
		f := fakes["node2"]
		f.On(`^\[ -f `+regexp.QuoteMeta(remoteops.ContainerdConfigBackup), host.Reply{Stdout: tc.probe})
		f.On(`^mkdir -p /var/lib/kubeup/backup && cp -p /etc/containerd/config.toml `, host.Reply{})
		runner, err := phase.New(phase.Options{}, phase.Phase[*remoteops.Run]{Name: "containerd/backup", Group: "containerd", Hosts: func(r *remoteops.Run) []host.Host { return []host.Host{r.Host("node2")} }, Run: backupContainerdConfig})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := runner.Run(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		if got := rep.Changes() == 1; got != tc.want {
			t.Errorf("probe %q: backup %v, want %v", tc.probe, got, tc.want)
		}
		if sh, err := exec.LookPath("sh"); err == nil {
			for _, c := range f.Commands() {
				if out, err := exec.Command(sh, "-n", "-c", c).CombinedOutput(); err != nil {
					t.Errorf("%q does not parse: %s", c, out)
				}
			}
		}
	}
}
