package cis

import (
	"strings"
	"testing"
	"time"

	"kubeup.dev/kubeup/internal/plan"
	"kubeup.dev/kubeup/internal/spec"
)

// defaultSpec is the default layout, one control plane with etcd and two
// workers, plus an etcd-only host.
const defaultSpec = `apiVersion: kubeup.dev/v1alpha1
kind: Cluster
metadata: {name: cis}
spec:
  hosts:
    - {name: cp1, address: 192.168.10.11, roles: [control-plane, etcd]}
    - {name: w1, address: 192.168.10.12, roles: [worker]}
    - {name: w2, address: 192.168.10.13, roles: [worker]}
    - {name: etcd2, address: 192.168.10.14, roles: [etcd]}
`

func loadCluster(t *testing.T, doc string, edit func(*spec.Cluster)) *spec.Cluster {
	t.Helper()
	c, err := spec.Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(c)
	}
	return c
}

// planFor renders every file of every host of c, PKI and kubeconfigs
// included, as apply would write them.
func planFor(t *testing.T, c *spec.Cluster) []plan.HostFiles {
	t.Helper()
	p, err := plan.ForCluster(t.TempDir(), c, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), nil)
	if err != nil {
		t.Fatal(err)
	}
	return p.Hosts
}

// byItem groups results by item ID.
func byItem(rs []Result) map[string][]Result {
	out := map[string][]Result{}
	for _, r := range rs {
		out[r.Item.ID] = append(out[r.Item.ID], r)
	}
	return out
}

// inMode sets the control-plane mode.
func inMode(mode string, edit func(*spec.Cluster)) func(*spec.Cluster) {
	return func(c *spec.Cluster) {
		c.Spec.ControlPlane.Mode = mode
		if edit != nil {
			edit(c)
		}
	}
}

// TestDefaultClusterPassesEveryItem renders the default cluster in each
// control-plane mode and checks each item by ID: every item that applies
// passes on every host, and each that does not says why.
func TestDefaultClusterPassesEveryItem(t *testing.T) {
	for _, mode := range spec.Modes() {
		c := loadCluster(t, defaultSpec, inMode(mode, nil))
		if ps := spec.Validate(c, spec.Options{}); ps.Err() != nil {
			t.Fatal(ps.Err())
		}
		fails := byItem(Check(c, planFor(t, c)))
		for _, it := range Items() {
			t.Run(mode+"/"+it.ID, func(t *testing.T) {
				if it.NotApplicable != "" {
					if it.check != nil {
						t.Errorf("an item that does not apply has a check")
					}
					return
				}
				for _, r := range fails[it.ID] {
					t.Error(r)
				}
			})
		}
	}
}

// TestItemsAreDistinct: one entry per ID, each with a check or a reason.
func TestItemsAreDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, it := range Items() {
		if seen[it.ID] {
			t.Errorf("item %s twice", it.ID)
		}
		seen[it.ID] = true
		if it.What == "" || (it.check == nil) == (it.NotApplicable == "") {
			t.Errorf("item %s needs a description and either a check or a reason it does not apply", it.ID)
		}
	}
}

// TestItemsCoverWeakeningTable: every CIS item validate refuses extra args
// for is checked on the rendered units, so the two tables cannot drift.
func TestItemsCoverWeakeningTable(t *testing.T) {
	ids := map[string]bool{}
	for _, it := range Items() {
		ids[it.ID] = it.NotApplicable == ""
	}
	for _, r := range spec.WeakeningRules() {
		if !ids[r.CIS] {
			t.Errorf("weakening rule %s --%s names CIS %s, which no applicable item checks", r.Component, r.Flag, r.CIS)
		}
	}
}

// TestChecksCatchWeakenings: each way of weakening a setting fails the
// item it belongs to, and that item alone.
func TestChecksCatchWeakenings(t *testing.T) {
	cases := []struct {
		name string
		edit func(*spec.Cluster)
		want string
	}{
		{"apiserver profiling", func(c *spec.Cluster) {
			c.Spec.ControlPlane.APIServerUnsafeExtraArgs = map[string]string{"profiling": "true"}
		}, "1.2.16"},
		{"a CBC cipher suite", func(c *spec.Cluster) {
			c.Spec.ControlPlane.APIServerUnsafeExtraArgs = map[string]string{"tls-cipher-suites": "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"}
		}, "1.2.30"},
		{"external IPs allowed", func(c *spec.Cluster) {
			c.Spec.ControlPlane.APIServerUnsafeExtraArgs = map[string]string{"enable-admission-plugins": "NodeRestriction"}
		}, "1.2.3"},
		{"scheduler on every address", func(c *spec.Cluster) {
			c.Spec.ControlPlane.SchedulerUnsafeExtraArgs = map[string]string{"bind-address": "0.0.0.0"}
		}, "1.4.2"},
		{"kernel defaults unprotected", func(c *spec.Cluster) {
			off := false
			c.Spec.Kubelet.ProtectKernelDefaults = &off
		}, "4.2.6 of v1.7.0"},
	}
	for _, mode := range spec.Modes() {
		for _, tc := range cases {
			t.Run(mode+"/"+tc.name, func(t *testing.T) {
				c := loadCluster(t, defaultSpec, inMode(mode, tc.edit))
				fails := byItem(Check(c, planFor(t, c)))
				if len(fails[tc.want]) == 0 {
					t.Errorf("CIS %s passes", tc.want)
				}
				for id, rs := range fails {
					if id != tc.want {
						t.Errorf("unrelated item fails: %s", rs[0])
					}
				}
			})
		}
	}
}

// TestChecksCatchFileModes: a file a host receives 0644 fails its item.
func TestChecksCatchFileModes(t *testing.T) {
	checkFileModes(t, loadCluster(t, defaultSpec, nil), map[string]string{
		"/etc/systemd/system/kubelet.service": "4.1.1", "/var/lib/kubelet/config.yaml": "4.1.9",
		"/etc/kubernetes/pki/ca.crt": "4.1.7", "/etc/kubernetes/pki/etcd/peer.key": "1.1.21",
		"/etc/cni/net.d/10-flannel.conflist": "1.1.9", "/etc/systemd/system/etcd.service": "1.1.7",
	})
	checkFileModes(t, loadCluster(t, defaultSpec, inMode(spec.ModeStaticPods, nil)), map[string]string{
		"/var/lib/kubeup/manifests/kube-apiserver.yaml": "1.1.1", "/var/lib/kubeup/manifests/etcd.yaml": "1.1.7",
		"/var/lib/kubeup/manifests/kube-scheduler.yaml": "1.1.5", "/etc/systemd/system/kubelet.service": "4.1.1",
	})
}

// checkFileModes makes the files of want 0644 in c's plan and expects
// each to fail its item.
func checkFileModes(t *testing.T, c *spec.Cluster, want map[string]string) {
	t.Helper()
	hosts := planFor(t, c)
	for _, hf := range hosts {
		for i, f := range hf.Files {
			if _, ok := want[f.Path]; ok {
				hf.Files[i].Mode = 0o644
			}
		}
	}
	fails := byItem(Check(c, hosts))
	for path, id := range want {
		found := false
		for _, r := range fails[id] {
			found = found || strings.Contains(strings.Join(r.Problems, " "), path)
		}
		if !found {
			t.Errorf("%s at 0644 does not fail CIS %s", path, id)
		}
	}
}

// TestStaticPodEtcdReadsCopies: in static-pods mode etcd's TLS flags
// name copies in layout.EtcdCredentialsDir of its files in the etcd PKI
// directory, and a flag naming another file fails 1.1.19.
func TestStaticPodEtcdReadsCopies(t *testing.T) {
	c := loadCluster(t, defaultSpec, inMode(spec.ModeStaticPods, nil))
	hosts := planFor(t, c)
	if fails := byItem(Check(c, hosts)); len(fails["1.1.19"]) != 0 || len(fails["2.7"]) != 0 {
		t.Fatalf("static-pods etcd fails: %v %v", fails["1.1.19"], fails["2.7"])
	}
	for _, hf := range hosts {
		for i, f := range hf.Files {
			if f.Path == "/var/lib/kubeup/manifests/etcd.yaml" {
				hf.Files[i].Content = []byte(strings.Replace(string(f.Content),
					"--key-file=/var/lib/kubeup/etcd-credentials/server.key", "--key-file=/etc/etcd/server.key", 1))
			}
		}
	}
	fails := byItem(Check(c, hosts))
	if len(fails["1.1.19"]) != 2 || !strings.Contains(fails["1.1.19"][0].String(), "--key-file=/etc/etcd/server.key") {
		t.Errorf("want 1.1.19 to fail on both etcd hosts for --key-file, got %v", fails["1.1.19"])
	}
}
