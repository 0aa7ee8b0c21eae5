package spec

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// testOptions reads files from testFiles, never the real filesystem; home
// is /home/test and the spec lives in /specs.
func testOptions() Options {
	fsys := testFiles()
	rel := func(p string) string { return strings.TrimPrefix(p, "/") }
	return Options{
		StatFile: func(p string) (fs.FileInfo, error) { return fsys.Stat(rel(p)) },
		ReadFile: func(p string) ([]byte, error) { return fs.ReadFile(fsys, rel(p)) },
		HomeDir:  "/home/test",
		BaseDir:  "/specs",
	}
}

// exampleCluster parses the embedded example spec.
func exampleCluster(t *testing.T) *Cluster {
	t.Helper()
	c, err := Parse(Example())
	if err != nil {
		t.Fatalf("parse example: %v", err)
	}
	return c
}

// mustParse parses a YAML spec for a test.
func mustParse(t *testing.T, doc string) *Cluster {
	t.Helper()
	c, err := Parse([]byte(doc))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, doc)
	}
	return c
}

func TestValidateGoodSpecs(t *testing.T) {
	t.Run("example", func(t *testing.T) {
		if ps := Validate(exampleCluster(t), testOptions()); len(ps) > 0 {
			t.Errorf("example: want no problems, got:\n%s", render(ps))
		}
	})
	files, err := filepath.Glob("testdata/valid/*.yaml")
	if err != nil || len(files) < 5 {
		t.Fatalf("testdata/valid: %v (%d files)", err, len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if ps := Validate(mustParse(t, string(b)), testOptions()); len(ps) > 0 {
				t.Errorf("want no problems, got:\n%s", render(ps))
			}
		})
	}
}

func TestValidateLocalhostNeedsNoKey(t *testing.T) {
	c := mustParse(t, `
apiVersion: kubeup.dev/v1alpha1
kind: Cluster
metadata: {name: solo}
spec:
  hosts: [{name: solo, address: localhost, roles: [ai], ssh: {keyPath: /nowhere}}]
`)
	if ps := Validate(c, testOptions()); len(ps) > 0 {
		t.Errorf("want no problems, got:\n%s", render(ps))
	}
	if got := c.Spec.Hosts[0].Roles; !slices.Equal(got, []Role{RoleControlPlane, RoleEtcd, RoleWorker}) {
		t.Errorf("ai expanded to %v", got)
	}
}

func TestValidateBadSpecs(t *testing.T) {
	hostsYAML := func(hosts string) func(*testing.T) *Cluster {
		return func(t *testing.T) *Cluster {
			return mustParse(t, "apiVersion: kubeup.dev/v1alpha1\nkind: Cluster\nmetadata: {name: x}\nspec:\n  hosts:\n"+hosts)
		}
	}
	external := func(c *Cluster) {
		c.Spec.Hosts[0].Roles = []Role{RoleControlPlane, RoleWorker}
		c.Spec.Etcd.External = &ExternalEtcd{
			Endpoints: []string{"https://etcd.example.com:2379"},
			CAFile:    "/etc/etcd/ca.crt", CertFile: "etcd/client.crt", KeyFile: "~/etcd/client.key",
		}
	}
	tests := []struct {
		name   string
		mutate func(*Cluster)
		spec   func(*testing.T) *Cluster // instead of mutating the example
		opts   func(*Options)
		path   string
		msg    string
		warn   bool
	}{
		{name: "apiVersion", mutate: func(c *Cluster) { c.APIVersion = "v1" }, path: "apiVersion", msg: `"v1" is not supported: use kubeup.dev/v1alpha1`},
		{name: "kind", mutate: func(c *Cluster) { c.Kind = "Pod" }, path: "kind", msg: `"Pod" is not supported: use Cluster`},
		{name: "no cluster name", mutate: func(c *Cluster) { c.Metadata.Name = "" }, path: "metadata.name", msg: "needs a name"},
		{name: "cluster name underscore", mutate: func(c *Cluster) { c.Metadata.Name = "my_cluster" }, path: "metadata.name", msg: `"my_cluster" is not a valid name`},
		{name: "cluster name upper case", mutate: func(c *Cluster) { c.Metadata.Name = "Demo" }, path: "metadata.name", msg: `such as "demo"`},
		{name: "version without v", mutate: func(c *Cluster) { c.Spec.KubernetesVersion = "1.34.4" }, path: "spec.kubernetesVersion", msg: "must start with v"},
		{name: "version two parts", mutate: func(c *Cluster) { c.Spec.KubernetesVersion = "v1.34" }, path: "spec.kubernetesVersion", msg: "v1.MINOR.PATCH"},
		{name: "version too old", mutate: func(c *Cluster) { c.Spec.KubernetesVersion = "v1.33.9" }, path: "spec.kubernetesVersion", msg: "v1.33.9 is not known to this kubeup: it knows 1.34 to 1.37"},
		{name: "version too new", mutate: func(c *Cluster) { c.Spec.KubernetesVersion = "v1.38.0" }, path: "spec.kubernetesVersion", msg: "not known to this kubeup"},
		{name: "version empty", mutate: func(c *Cluster) { c.Spec.KubernetesVersion = "" }, path: "spec.kubernetesVersion", msg: "is required"},
		{name: "no hosts", mutate: func(c *Cluster) { c.Spec.Hosts = nil }, path: "spec.hosts", msg: "no hosts: add at least one"},
		{name: "host without name", mutate: func(c *Cluster) { c.Spec.Hosts[1].Name = "" }, path: "spec.hosts[1].name", msg: "needs a name"},
		{name: "host name underscore", mutate: func(c *Cluster) { c.Spec.Hosts[1].Name = "node_2" }, path: "spec.hosts[1].name", msg: `"node_2" is not a valid name`},
		{name: "host name with dots", mutate: func(c *Cluster) { c.Spec.Hosts[1].Name = "node2.example.com" }, path: "spec.hosts[1].name", msg: "is not a valid name"},
		{name: "duplicate host name", mutate: func(c *Cluster) { c.Spec.Hosts[2].Name = "node2" }, path: "spec.hosts[2].name", msg: `host name "node2" is also used by spec.hosts[1]`},
		{name: "address three octets", mutate: func(c *Cluster) { c.Spec.Hosts[1].Address = "10.0.0" }, path: "spec.hosts[1].address", msg: `"10.0.0" is not an IP address or DNS name`},
		{name: "address octet too big", mutate: func(c *Cluster) { c.Spec.Hosts[1].Address = "10.0.0.256" }, path: "spec.hosts[1].address", msg: "is not an IP address or DNS name"},
		{name: "address with space", mutate: func(c *Cluster) { c.Spec.Hosts[1].Address = "node 2" }, path: "spec.hosts[1].address", msg: "is not an IP address or DNS name"},
		{name: "address empty", mutate: func(c *Cluster) { c.Spec.Hosts[0].Address = "" }, path: "spec.hosts[0].address", msg: "the address is required"},
		{name: "address with zone", mutate: func(c *Cluster) { c.Spec.Hosts[1].Address = "fe80::1%eth0" }, path: "spec.hosts[1].address", msg: "IPv6 zone"},
		{name: "duplicate address", mutate: func(c *Cluster) { c.Spec.Hosts[2].Address = "192.168.10.12" }, path: "spec.hosts[2].address", msg: `address "192.168.10.12" is also used by spec.hosts[1]`},
		{name: "duplicate IPv6 address spelled differently", spec: hostsYAML(`    - {name: a, address: "fd00::1", roles: [ai]}
    - {name: b, address: "fd00:0:0::1", roles: [i]}
`), path: "spec.hosts[1].address", msg: `"fd00::1" is also used by spec.hosts[0]`},
		{name: "duplicate DNS name in other case", spec: hostsYAML(`    - {name: a, address: n1.example.com, roles: [ai]}
    - {name: b, address: N1.Example.com, roles: [i]}
`), path: "spec.hosts[1].address", msg: "is also used by spec.hosts[0]"},
		{name: "unknown role", spec: hostsYAML("    - {name: a, address: localhost, roles: [ai]}\n    - {name: b, address: 10.0.0.2, roles: [worker, master]}\n"), path: "spec.hosts[1].roles[1]", msg: `unknown role "master": use control-plane, etcd or worker`},
		{name: "no roles", mutate: func(c *Cluster) { c.Spec.Hosts[2].Roles = nil }, path: "spec.hosts[2].roles", msg: "the host has no roles"},
		{name: "no control plane", mutate: func(c *Cluster) { c.Spec.Hosts[0].Roles = []Role{RoleEtcd, RoleWorker} }, path: "spec.hosts", msg: "no host has the control-plane role"},
		{name: "no etcd", mutate: func(c *Cluster) { c.Spec.Hosts[0].Roles = []Role{RoleControlPlane, RoleWorker} }, path: "spec.hosts", msg: "no host has the etcd role"},
		{name: "even etcd count", mutate: func(c *Cluster) { c.Spec.Hosts[1].Roles = append(c.Spec.Hosts[1].Roles, RoleEtcd) }, path: "spec.hosts", msg: "2 hosts have the etcd role: an even count tolerates no more failures than 1 would; use 1 or 3", warn: true},
		{name: "no worker", spec: hostsYAML("    - {name: a, address: localhost, roles: [a]}\n"), path: "spec.hosts", msg: "no host has the worker role", warn: true},
		{name: "external etcd over http", mutate: func(c *Cluster) { external(c); c.Spec.Etcd.External.Endpoints = []string{"http://etcd:2379"} }, path: "spec.etcd.external.endpoints[0]", msg: "must use https"},
		{name: "external etcd not a URL", mutate: func(c *Cluster) { external(c); c.Spec.Etcd.External.Endpoints = []string{"etcd:2379"} }, path: "spec.etcd.external.endpoints[0]", msg: "is not a URL"},
		{name: "external etcd with a path", mutate: func(c *Cluster) { external(c); c.Spec.Etcd.External.Endpoints = []string{"https://etcd/v3"} }, path: "spec.etcd.external.endpoints[0]", msg: "write only scheme, host and port"},
		{name: "external etcd without endpoints", mutate: func(c *Cluster) { external(c); c.Spec.Etcd.External.Endpoints = nil }, path: "spec.etcd.external.endpoints", msg: "at least one endpoint"},
		{name: "external etcd CA missing", mutate: func(c *Cluster) { external(c); c.Spec.Etcd.External.CAFile = "ca.pem" }, path: "spec.etcd.external.caFile", msg: "etcd CA file /specs/ca.pem does not exist"},
		{name: "external etcd key unset", mutate: func(c *Cluster) { external(c); c.Spec.Etcd.External.KeyFile = "" }, path: "spec.etcd.external.keyFile", msg: "path is required"},
		{name: "external etcd and etcd role", mutate: func(c *Cluster) { external(c); c.Spec.Hosts[1].Roles = []Role{RoleEtcd} }, path: "spec.hosts[1].roles", msg: "has the etcd role but spec.etcd.external is set"},
		{name: "pod CIDR not a CIDR", mutate: func(c *Cluster) { c.Spec.Network.PodCIDR = "10.244.0.0" }, path: "spec.network.podCIDR", msg: `"10.244.0.0" is not a CIDR`},
		{name: "pod CIDR host bits", mutate: func(c *Cluster) { c.Spec.Network.PodCIDR = "10.244.1.0/16" }, path: "spec.network.podCIDR", msg: "has bits set past its /16 prefix: use 10.244.0.0/16"},
		{name: "service CIDR empty", mutate: func(c *Cluster) { c.Spec.Network.ServiceCIDR = "" }, path: "spec.network.serviceCIDR", msg: "a CIDR is required"},
		{name: "CIDRs overlap", mutate: func(c *Cluster) { c.Spec.Network.ServiceCIDR = "10.244.128.0/20" }, path: "spec.network.serviceCIDR", msg: "overlaps podCIDR 10.244.0.0/16"},
		{name: "CIDR families differ", mutate: func(c *Cluster) { c.Spec.Network.ServiceCIDR = "fd00:96::/112" }, path: "spec.network.serviceCIDR", msg: "different IP families"},
		{name: "pod CIDR contains a host", mutate: func(c *Cluster) { c.Spec.Network.PodCIDR = "192.168.0.0/16" }, path: "spec.network.podCIDR", msg: "contains 192.168.10.12, the address of spec.hosts[1] (node2)"},
		{name: "service CIDR contains a host", mutate: func(c *Cluster) { c.Spec.Network.ServiceCIDR = "192.168.0.0/16" }, path: "spec.network.serviceCIDR", msg: "contains 192.168.10.11, the address of spec.hosts[0]"},
		{name: "pod CIDR contains the endpoint", mutate: func(c *Cluster) { c.Spec.ControlPlane.Endpoint = "10.244.3.3:6443" }, path: "spec.network.podCIDR", msg: "contains 10.244.3.3, the control-plane endpoint"},
		{name: "pod CIDR too small for hosts", mutate: func(c *Cluster) { c.Spec.Network.PodCIDR = "10.244.0.0/23" }, path: "spec.network.podCIDR", msg: "holds 2 node subnets of /24 but there are 3 hosts"},
		{name: "node mask not longer than pod prefix", mutate: func(c *Cluster) { c.Spec.Network.NodeCIDRMaskSize = 16 }, path: "spec.network.nodeCIDRMaskSize", msg: "16 must be greater than the podCIDR prefix length 16"},
		{name: "node mask too long", mutate: func(c *Cluster) { c.Spec.Network.NodeCIDRMaskSize = 31 }, path: "spec.network.nodeCIDRMaskSize", msg: "use at most 30"},
		{name: "node mask too far from pod prefix", mutate: func(c *Cluster) { c.Spec.Network.PodCIDR = "10.0.0.0/8"; c.Spec.Network.NodeCIDRMaskSize = 28 }, path: "spec.network.nodeCIDRMaskSize", msg: "kube-controller-manager allows at most 16, so use at most 24"},
		{name: "service CIDR too large", mutate: func(c *Cluster) { c.Spec.Network.ServiceCIDR = "10.64.0.0/11" }, path: "spec.network.serviceCIDR", msg: "use /12 or longer"},
		{name: "IPv6 service CIDR too large", mutate: func(c *Cluster) {
			c.Spec.Network.PodCIDR, c.Spec.Network.NodeCIDRMaskSize, c.Spec.Network.ServiceCIDR = "fd00:244::/56", 64, "fd00:96::/64"
		}, path: "spec.network.serviceCIDR", msg: "use /108 or longer"},
		{name: "service CIDR too small", mutate: func(c *Cluster) { c.Spec.Network.ServiceCIDR = "10.96.0.0/29" }, path: "spec.network.serviceCIDR", msg: "use /28 or shorter"},
		{name: "maxPods above node subnet", mutate: func(c *Cluster) { c.Spec.Network.NodeCIDRMaskSize = 26 }, path: "spec.kubelet.maxPods", msg: "110 pods do not fit a /26 node subnet (61 pod addresses)", warn: true},
		{name: "DNS domain", mutate: func(c *Cluster) { c.Spec.Network.DNSDomain = "Cluster_Local" }, path: "spec.network.dnsDomain", msg: `"Cluster_Local" is not a DNS domain`},
		{name: "network plugin", mutate: func(c *Cluster) { c.Spec.Network.Plugin = "calico" }, path: "spec.network.plugin", msg: `unknown network plugin "calico": use flannel`},
		{name: "flannel backend", mutate: func(c *Cluster) { c.Spec.Network.Flannel.Backend = "udp" }, path: "spec.network.flannel.backend", msg: `unknown flannel backend "udp"`},
		{name: "SSH user with host", mutate: func(c *Cluster) { c.Spec.Hosts[0].SSH.User = "root@node1" }, path: "spec.hosts[0].ssh.user", msg: "is not a user name"},
		{name: "SSH port zero", mutate: func(c *Cluster) { c.Spec.Hosts[1].SSH.Port = -1 }, path: "spec.hosts[1].ssh.port", msg: "port -1 is out of range: use 1 to 65535"},
		{name: "SSH port too big", mutate: func(c *Cluster) { c.Spec.Hosts[1].SSH.Port = 65536 }, path: "spec.hosts[1].ssh.port", msg: "out of range"},
		{name: "SSH key missing", mutate: func(c *Cluster) { c.Spec.Hosts[1].SSH.KeyPath = "~/.ssh/id_rsa" }, path: "spec.hosts[1].ssh.keyPath", msg: "SSH key /home/test/.ssh/id_rsa does not exist: create one with ssh-keygen"},
		{name: "SSH key relative to the spec", mutate: func(c *Cluster) { c.Spec.Hosts[1].SSH.KeyPath = "keys/node2" }, path: "spec.hosts[1].ssh.keyPath", msg: "/specs/keys/node2 does not exist"},
		{name: "SSH key of another user", mutate: func(c *Cluster) { c.Spec.Hosts[1].SSH.KeyPath = "~bob/.ssh/id" }, path: "spec.hosts[1].ssh.keyPath", msg: "~user paths are not supported"},
		{name: "SSH key with unknown home", mutate: func(c *Cluster) { c.Spec.Hosts[0].SSH.KeyPath = "~/.ssh/id_ed25519" }, opts: func(o *Options) { o.HomeDir = "" }, path: "spec.hosts[0].ssh.keyPath", msg: "the home directory is unknown"},
		{name: "SSH key unreadable", mutate: func(c *Cluster) { c.Spec.Hosts[0].SSH.KeyPath = "~/.ssh/id_ed25519" }, opts: func(o *Options) {
			o.StatFile = func(string) (fs.FileInfo, error) { return nil, fs.ErrPermission }
		}, path: "spec.hosts[0].ssh.keyPath", msg: "cannot be read: permission denied"},
		{name: "proxyJump bad port", mutate: func(c *Cluster) { c.Spec.Hosts[1].SSH.ProxyJump = "bastion:99999" }, path: "spec.hosts[1].ssh.proxyJump", msg: `port "99999" is not a number from 1 to 65535`},
		{name: "proxyJump empty user", mutate: func(c *Cluster) { c.Spec.Hosts[1].SSH.ProxyJump = "@bastion" }, path: "spec.hosts[1].ssh.proxyJump", msg: "the user before @ must be a user name"},
		{name: "proxyJump bad host", mutate: func(c *Cluster) { c.Spec.Hosts[1].SSH.ProxyJump = "admin@bas tion" }, path: "spec.hosts[1].ssh.proxyJump", msg: `"bas tion" is not an IP address or DNS name`},
		{name: "proxyJump chain with a trailing comma", mutate: func(c *Cluster) { c.Spec.Hosts[1].SSH.ProxyJump = "a@b,c@d," }, path: "spec.hosts[1].ssh.proxyJump", msg: `hop 3 of "a@b,c@d,": an empty jump host`},
		{name: "endpoint with scheme", mutate: func(c *Cluster) { c.Spec.ControlPlane.Endpoint = "https://lb:6443" }, path: "spec.controlPlane.endpoint", msg: "has a URL scheme: write host[:port]"},
		{name: "endpoint bad port", mutate: func(c *Cluster) { c.Spec.ControlPlane.Endpoint = "lb:https" }, path: "spec.controlPlane.endpoint", msg: `port "https" is not a number`},
		{name: "endpoint bad host", mutate: func(c *Cluster) { c.Spec.ControlPlane.Endpoint = "lb_1:6443" }, path: "spec.controlPlane.endpoint", msg: `"lb_1" is not an IP address or DNS name`},
		{name: "several control planes without endpoint", mutate: func(c *Cluster) {
			for i := range c.Spec.Hosts {
				c.Spec.Hosts[i].Roles = []Role{RoleControlPlane, RoleEtcd, RoleWorker}
			}
		}, path: "spec.controlPlane.endpoint", msg: "3 control-plane hosts but no endpoint: every client uses node1, a single point of failure", warn: true},
		{name: "extra arg with dashes", mutate: func(c *Cluster) { c.Spec.ControlPlane.APIServerExtraArgs = map[string]string{"--v": "2"} }, path: "spec.controlPlane.apiServerExtraArgs[--v]", msg: "without dashes: v"},
		{name: "key algorithm", mutate: func(c *Cluster) { c.Spec.PKI.KeyAlgorithm = "ed25519" }, path: "spec.pki.keyAlgorithm", msg: `unknown key algorithm "ed25519": use ecdsa (P-256) or rsa`},
		{name: "certificate validity too short", mutate: func(c *Cluster) { c.Spec.PKI.CertificateValidity.Duration = 30 * time.Minute }, path: "spec.pki.certificateValidity", msg: "30m is too short: use at least 1h"},
		{name: "certificate outlives CA", mutate: func(c *Cluster) { c.Spec.PKI.CertificateValidity.Duration = 87600 * time.Hour }, path: "spec.pki.certificateValidity", msg: "87600h is not shorter than caValidity 87600h"},
		{name: "CA validity negative", mutate: func(c *Cluster) { c.Spec.PKI.CAValidity.Duration = -time.Hour }, path: "spec.pki.caValidity", msg: "-1h is too short"},
		{name: "cgroup driver", mutate: func(c *Cluster) { c.Spec.Kubelet.CgroupDriver = "none" }, path: "spec.kubelet.cgroupDriver", msg: `unknown cgroup driver "none"`},
		{name: "control-plane mode", mutate: func(c *Cluster) { c.Spec.ControlPlane.Mode = "pods" }, path: "spec.controlPlane.mode", msg: `unknown mode "pods": use systemd or static-pods`},
		{name: "maxPods zero", mutate: func(c *Cluster) { c.Spec.Kubelet.MaxPods = -5 }, path: "spec.kubelet.maxPods", msg: "-5 is out of range: use 1 to 1000"},
		{name: "maxPods too many", mutate: func(c *Cluster) { c.Spec.Kubelet.MaxPods = 1001 }, path: "spec.kubelet.maxPods", msg: "out of range"},
		{name: "artifact source", mutate: func(c *Cluster) { c.Spec.Artifacts.Source = "git" }, path: "spec.artifacts.source", msg: `unknown source "git": use build, release or bundle`},
		{name: "bundle without path", mutate: func(c *Cluster) { c.Spec.Artifacts.Source = "bundle" }, path: "spec.artifacts.bundle", msg: "source bundle needs the path of a bundle file"},
		{name: "bundle missing", mutate: func(c *Cluster) { c.Spec.Artifacts.Source, c.Spec.Artifacts.Bundle = "bundle", "/tmp/b.tar" }, path: "spec.artifacts.bundle", msg: "bundle /tmp/b.tar does not exist"},
		{name: "bundle ignored", mutate: func(c *Cluster) { c.Spec.Artifacts.Bundle = "/tmp/b.tar" }, path: "spec.artifacts.bundle", msg: "ignored because source is build", warn: true},
		{name: "unknown mirror", mutate: func(c *Cluster) {
			c.Spec.Artifacts.Source, c.Spec.Artifacts.Mirrors = "release", map[string]string{"docker": "https://m"}
		}, path: "spec.artifacts.mirrors[docker]", msg: `unknown mirror "docker": use kubernetes, etcd, flannel, containerd, cni`},
		{name: "mirror not http", mutate: func(c *Cluster) {
			c.Spec.Artifacts.Source, c.Spec.Artifacts.Mirrors = "release", map[string]string{"etcd": "ftp://m/etcd"}
		}, path: "spec.artifacts.mirrors[etcd]", msg: `"ftp://m/etcd" is not an http(s) URL`},
		{name: "mirrors ignored", mutate: func(c *Cluster) { c.Spec.Artifacts.Mirrors = map[string]string{"etcd": "https://m/etcd"} }, path: "spec.artifacts.mirrors", msg: "ignored because source is build", warn: true},
		{name: "sandbox nameserver", mutate: func(c *Cluster) { c.Spec.Sandbox = &SandboxHosts{Nameservers: []string{"1.1.1.1", "dns.google"}} }, path: "spec.sandbox.nameservers[1]", msg: `"dns.google" is not an IP address`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c *Cluster
			if tt.spec != nil {
				c = tt.spec(t)
			} else {
				c = exampleCluster(t)
			}
			if tt.mutate != nil {
				tt.mutate(c)
			}
			opts := testOptions()
			if tt.opts != nil {
				tt.opts(&opts)
			}
			ps := Validate(c, opts)
			want := SeverityError
			if tt.warn {
				want = SeverityWarning
			}
			if !hasProblem(ps, tt.path, tt.msg, want) {
				t.Errorf("want %s at %s containing %q, got:\n%s", want, tt.path, tt.msg, render(ps))
			}
			if tt.warn && ps.HasErrors() {
				t.Errorf("want only warnings, got:\n%s", render(ps))
			}
		})
	}
	if len(tests) < 30 {
		t.Errorf("only %d bad specs", len(tests))
	}
}

func TestValidateReportsEverythingAtOnce(t *testing.T) {
	c := exampleCluster(t)
	c.APIVersion = "v1"
	c.Spec.Hosts[1].Address = "10.0.0"
	c.Spec.Network.Plugin = "calico"
	c.Spec.Kubelet.MaxPods = 0
	ps := Validate(c, testOptions())
	var paths []string
	for _, p := range ps {
		paths = append(paths, p.Path)
	}
	want := []string{"apiVersion", "spec.hosts[1].address", "spec.network.plugin", "spec.kubelet.maxPods"}
	if !slices.Equal(paths, want) {
		t.Errorf("paths = %v, want %v (in document order)", paths, want)
	}
	got := ps[1].String()
	if wantLine := `error: spec.hosts[1].address: "10.0.0" is not an IP address or DNS name`; got != wantLine {
		t.Errorf("String() = %q, want %q", got, wantLine)
	}
	if err := ps.Err(); err == nil || !strings.Contains(err.Error(), "spec.network.plugin: unknown network plugin") {
		t.Errorf("Err() = %v", err)
	}
}

func TestValidateZeroCluster(t *testing.T) {
	ps := Validate(&Cluster{}, Options{})
	for _, path := range []string{"apiVersion", "kind", "metadata.name", "spec.kubernetesVersion", "spec.hosts",
		"spec.network.podCIDR", "spec.network.serviceCIDR", "spec.network.dnsDomain", "spec.network.plugin",
		"spec.kubelet.cgroupDriver", "spec.kubelet.maxPods", "spec.pki.keyAlgorithm", "spec.pki.caValidity",
		"spec.pki.certificateValidity", "spec.artifacts.source"} {
		if !hasProblem(ps, path, "", SeverityError) {
			t.Errorf("no error at %s; got:\n%s", path, render(ps))
		}
	}
}

func TestValidateReportsASharedFileOnce(t *testing.T) {
	c := exampleCluster(t)
	for i := range c.Spec.Hosts {
		c.Spec.Hosts[i].SSH.KeyPath = "~/.ssh/gone"
	}
	ps := Validate(c, testOptions())
	if len(ps) != 1 || ps[0].Path != "spec.hosts[0].ssh.keyPath" {
		t.Errorf("want one problem at spec.hosts[0].ssh.keyPath, got:\n%s", render(ps))
	}
}

func TestValidateNilStatFileSkipsFiles(t *testing.T) {
	opts := testOptions()
	opts.StatFile = nil
	c := exampleCluster(t)
	c.Spec.Hosts[1].SSH.KeyPath = "/no/such/key"
	if ps := Validate(c, opts); len(ps) > 0 {
		t.Errorf("want no problems, got:\n%s", render(ps))
	}
}

func TestExpandPath(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"~", "/home/u"},
		{"~/.ssh/id", "/home/u/.ssh/id"},
		{"/abs/key", "/abs/key"},
		{"rel/key", "/base/rel/key"},
	} {
		if got := ExpandPath(tt.in, "/home/u", "/base"); got != tt.want {
			t.Errorf("ExpandPath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := ExpandPath("rel", "/home/u", ""); got != "rel" {
		t.Errorf("ExpandPath without base = %q", got)
	}
}

func TestCheckAddress(t *testing.T) {
	good := []string{"10.0.0.1", "fd00::1", "localhost", "node1", "node1.example.com", "NODE1.example.com.", "1node.example.com"}
	bad := []string{"", "10.0.0", "1.2.3.4.5", "300.1.1.1", "-node", "node_1", "fe80::1%eth0", "a..b", "http://x"}
	for _, a := range good {
		if err := checkAddress(a); err != nil {
			t.Errorf("checkAddress(%q) = %v, want nil", a, err)
		}
	}
	for _, a := range bad {
		if err := checkAddress(a); err == nil {
			t.Errorf("checkAddress(%q) = nil, want an error", a)
		}
	}
}

func TestCheckProxyJump(t *testing.T) {
	good := []string{"bastion", "admin@bastion", "admin@bastion:2222", "10.0.0.1:22", "[fd00::1]:22", "fd00::1", "admin@[fd00::1]", "a@b,c@d", "a@b:2222,c,[fd00::2]:22"}
	bad := []string{"@bastion", "admin@", "bastion:0", "bastion:x", "[fd00::1", "ssh://bastion", "a b@bastion", "a@b,,c@d", "a@b,", ",c@d", "a@b,c@d:x"}
	for _, s := range good {
		if err := checkProxyJump(s); err != nil {
			t.Errorf("checkProxyJump(%q) = %v, want nil", s, err)
		}
	}
	for _, s := range bad {
		if err := checkProxyJump(s); err == nil {
			t.Errorf("checkProxyJump(%q) = nil, want an error", s)
		}
	}
}

// hasProblem reports whether ps has a problem of severity sev at path whose
// message contains msg.
func hasProblem(ps Problems, path, msg string, sev Severity) bool {
	for _, p := range ps {
		if p.Path == path && p.Severity == sev && strings.Contains(p.Message, msg) {
			return true
		}
	}
	return false
}

// render formats problems one per line for failure messages.
func render(ps Problems) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString("  " + p.String() + "\n")
	}
	return b.String()
}

// TestValidateSSHWithoutKeyPath: a host with no ssh settings at all is
// valid on any machine (no key file needed): kubeup tries ssh-agent and
// the default identities, as OpenSSH does.
func TestValidateSSHWithoutKeyPath(t *testing.T) {
	c := mustParse(t, `
apiVersion: kubeup.dev/v1alpha1
kind: Cluster
metadata: {name: two}
spec:
  hosts:
    - {name: n1, address: 10.0.0.1, roles: [ai]}
    - {name: n2, address: 10.0.0.2, roles: [i], ssh: {user: deploy, proxyJump: "jump@a.example.com,jump@b.example.com:2222"}}
`)
	opts := testOptions()
	opts.HomeDir = "/home/nobody" // no ~/.ssh at all
	if ps := Validate(c, opts); len(ps) > 0 {
		t.Errorf("want no problems, got:\n%s", render(ps))
	}
	if h := c.Spec.Hosts[0].SSH; h.User != "" || h.Port != 0 || h.KeyPath != "" {
		t.Errorf("defaults filled what ~/.ssh/config may set: %+v", h)
	}
}

// TestValidateSudoPasswordFile: the file must exist, be private (0600)
// and hold a password.
func TestValidateSudoPasswordFile(t *testing.T) {
	tests := []struct{ file, msg string }{
		{"sudo-password", ""},
		{"sudo-password-shared", "sudo password file /specs/sudo-password-shared is readable by others (mode 0644): chmod 600 /specs/sudo-password-shared"},
		{"sudo-password-empty", "sudo password file /specs/sudo-password-empty is empty: write the sudo password in it"},
		{"missing", "sudo password file /specs/missing does not exist"},
	}
	for _, tt := range tests {
		c := exampleCluster(t)
		c.Spec.Hosts[1].SSH.SudoPasswordFile = tt.file
		ps := Validate(c, testOptions())
		if tt.msg == "" {
			if len(ps) > 0 {
				t.Errorf("%s: want no problems, got:\n%s", tt.file, render(ps))
			}
			continue
		}
		if !hasProblem(ps, "spec.hosts[1].ssh.sudoPasswordFile", tt.msg, SeverityError) {
			t.Errorf("%s: want %q, got:\n%s", tt.file, tt.msg, render(ps))
		}
	}
}
