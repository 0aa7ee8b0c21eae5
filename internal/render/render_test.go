package render

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"

	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/spec"
)

// TestDeterministic renders every host twice and compares the bytes.
func TestDeterministic(t *testing.T) {
	for _, v := range variants {
		a, b := renderHosts(t, v), renderHosts(t, v)
		for host, files := range a {
			if len(files) != len(b[host]) {
				t.Fatalf("%s/%s: %d then %d files", v, host, len(files), len(b[host]))
			}
			for i, f := range files {
				g := b[host][i]
				if f.Path != g.Path || f.Mode != g.Mode || !bytes.Equal(f.Content, g.Content) {
					t.Errorf("%s/%s: %s differs between two renders", v, host, f.Path)
				}
			}
		}
	}
}

// TestSortedAndAbsolute: paths are absolute, unique and in order.
func TestSortedAndAbsolute(t *testing.T) {
	for _, v := range variants {
		for host, files := range renderHosts(t, v) {
			checkSorted(t, host, files)
		}
	}
}

func checkSorted(t *testing.T, host string, files []hostfile.File) {
	t.Helper()
	for i, f := range files {
		if !strings.HasPrefix(f.Path, "/") || (i > 0 && files[i-1].Path >= f.Path) {
			t.Errorf("%s: %s is not absolute or out of order", host, f.Path)
		}
		if f.Mode != 0o644 && f.Mode != 0o600 {
			t.Errorf("%s: %s has mode %o", host, f.Path, f.Mode)
		}
	}
}

func TestHostFilesErrors(t *testing.T) {
	c := loadSpec(t, "basic")
	cases := map[string]func() error{
		"the host is not in the spec": func() error {
			_, err := HostFiles(c, spec.Host{Name: "stranger"}, testSecrets())
			return err
		},
		"needs the cluster secrets": func() error {
			_, err := HostFiles(c, c.Spec.Hosts[0], nil)
			return err
		},
		"is not known to this kubeup": func() error {
			bad := loadSpec(t, "basic")
			bad.Spec.KubernetesVersion = "v1.20.0"
			_, err := HostFiles(bad, bad.Spec.Hosts[0], testSecrets())
			return err
		},
	}
	for want, run := range cases {
		err := run()
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "host ") {
			t.Errorf("want an error naming the host and %q, got %v", want, err)
		}
	}
	if _, err := HostFiles(c, c.Spec.Hosts[1], nil); err != nil {
		t.Errorf("a worker needs no secrets: %v", err)
	}
}

func TestContainerdConfig(t *testing.T) {
	for v, systemd := range map[string]bool{"basic": true, "ha": false} {
		files := renderHosts(t, v)
		for host, fs := range files {
			var cfg containerdConfig
			if err := toml.Unmarshal(fileAt(t, fs, layout.ContainerdConfig).Content, &cfg); err != nil {
				t.Fatalf("%s/%s: %v", v, host, err)
			}
			cri := cfg.Plugins.CRI
			if cfg.Version != 2 || cri.SandboxImage != "registry.k8s.io/pause:3.10.1" ||
				cri.Containerd.Runtimes["runc"].Options.SystemdCgroup != systemd ||
				cri.CNI.BinDir != layout.CNIBinDir || cri.CNI.ConfDir != layout.CNIConfDir {
				t.Errorf("%s/%s containerd config: %+v", v, host, cfg)
			}
		}
	}
}

func TestFlannelFiles(t *testing.T) {
	files := renderHosts(t, "ha")["w1"]
	var nc flannelNetConf
	if err := json.Unmarshal(fileAt(t, files, layout.FlannelNetConf).Content, &nc); err != nil {
		t.Fatal(err)
	}
	if nc.Network != "10.32.0.0/16" || nc.Backend.Type != "host-gw" {
		t.Errorf("net-conf: %+v", nc)
	}
	var cl cniConfList
	if err := json.Unmarshal(fileAt(t, files, layout.FlannelCNIConfig).Content, &cl); err != nil {
		t.Fatal(err)
	}
	if len(cl.Plugins) != 2 || cl.Plugins[0].Type != "flannel" || !cl.Plugins[0].Delegate.HairpinMode ||
		cl.Plugins[1].Type != "portmap" {
		t.Errorf("conflist: %+v", cl)
	}
	u := string(fileAt(t, files, layout.Unit("flanneld")).Content)
	for _, want := range []string{"Environment=NODE_NAME=w1\n", "--iface=10.0.1.21 \\", "--kube-subnet-mgr=true",
		"--kubeconfig-file=" + layout.FlannelConf} {
		if !strings.Contains(u, want) {
			t.Errorf("flanneld unit lacks %q", want)
		}
	}
}
