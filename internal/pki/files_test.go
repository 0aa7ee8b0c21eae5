package pki

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/spec"
)

func paths(files []hostfile.File) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Path)
	}
	return out
}

func TestFilesForEachRole(t *testing.T) {
	t.Parallel()
	c := testCluster()
	s, _ := mustEnsure(t, t.TempDir(), c, testNow)
	pki := func(names ...string) []string {
		var out []string
		for _, n := range names {
			out = append(out, "/etc/kubernetes/pki/"+n)
		}
		slices.Sort(out)
		return out
	}
	etcdMember := []string{"etcd/ca.crt", "etcd/server.crt", "etcd/server.key", "etcd/peer.crt",
		"etcd/peer.key", "etcd/healthcheck-client.crt", "etcd/healthcheck-client.key"}
	controlPlane := []string{"ca.crt", "ca.key", "apiserver.crt", "apiserver.key",
		"apiserver-kubelet-client.crt", "apiserver-kubelet-client.key", "front-proxy-ca.crt",
		"front-proxy-ca.key", "front-proxy-client.crt", "front-proxy-client.key", "sa.key", "sa.pub",
		"etcd/ca.crt", "etcd/ca.key", "apiserver-etcd-client.crt", "apiserver-etcd-client.key"}
	want := map[string][]string{
		"cp1":   pki(slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(controlPlane), etcdMember...))))...),
		"etcd3": pki(append([]string{"ca.crt"}, etcdMember...)...),
		"w1":    pki("ca.crt"),
	}
	for name, w := range want {
		h, _ := c.Spec.Host(name)
		if got := paths(s.FilesFor(h)); !slices.Equal(got, w) {
			t.Errorf("%s receives\n %v\nwant\n %v", name, got, w)
		}
	}
}

func TestFileModesAndContent(t *testing.T) {
	t.Parallel()
	c := testCluster()
	dir := t.TempDir()
	s, _ := mustEnsure(t, dir, c, testNow)
	for _, h := range c.Spec.Hosts {
		for _, f := range s.FilesFor(h) {
			// CIS 1.1.20 and 1.1.21: certificates and keys alike are 0600;
			// only keys are secret.
			if f.Mode != 0o600 || f.Secret() != strings.HasSuffix(f.Path, ".key") {
				t.Errorf("%s %s: mode %v, secret %v; want 0600, secret only for keys", h.Name, f.Path, f.Mode, f.Secret())
			}
			local := localPath(dir, h.Name, f.Path)
			if b, err := os.ReadFile(local); err != nil || string(b) != string(f.Content) {
				t.Errorf("%s %s: content differs from %s (%v)", h.Name, f.Path, local, err)
			}
		}
	}
}

// localPath maps a host path to the state directory copy.
func localPath(dir, host, p string) string {
	rel := strings.TrimPrefix(p, layout.PKIDir+"/")
	if base := filepath.Base(rel); strings.HasPrefix(rel, "etcd/") &&
		(strings.HasPrefix(base, "server.") || strings.HasPrefix(base, "peer.")) {
		rel = "etcd/" + host + "/" + base
	}
	return filepath.Join(dir, rel)
}

func TestEtcdHostGetsItsOwnCertificates(t *testing.T) {
	t.Parallel()
	c := testCluster()
	s, _ := mustEnsure(t, t.TempDir(), c, testNow)
	for _, h := range c.Spec.EtcdHosts() {
		for _, f := range s.FilesFor(h) {
			if f.Path != layout.EtcdServerCert && f.Path != layout.EtcdPeerCert {
				continue
			}
			cert, err := parseCert(f.Content)
			if err != nil {
				t.Fatal(err)
			}
			if cert.Subject.CommonName != h.Name || cert.VerifyHostname(h.Address) != nil {
				t.Errorf("%s got %s for %s", h.Name, f.Path, cert.Subject.CommonName)
			}
		}
	}
}

func TestWorkersNeverReceiveACAKey(t *testing.T) {
	t.Parallel()
	c := testCluster()
	c.Spec.Hosts = append(c.Spec.Hosts, spec.Host{Name: "w2", Address: "10.0.0.22",
		Roles: []spec.Role{spec.RoleWorker}})
	s, _ := mustEnsure(t, t.TempDir(), c, testNow)
	caKeys := map[string]bool{}
	for _, name := range []string{CA, FrontProxyCA, EtcdCA} {
		e, _ := s.get(name)
		caKeys[string(e.keyPEM)] = true
	}
	for _, h := range c.Spec.HostsWithRole(spec.RoleWorker) {
		if h.HasRole(spec.RoleControlPlane) {
			continue
		}
		for _, f := range s.FilesFor(h) {
			if caKeys[string(f.Content)] || f.Secret() {
				t.Errorf("worker %s receives secret %s", h.Name, f.Path)
			}
			if cert, err := parseCert(f.Content); err != nil || !cert.IsCA {
				t.Errorf("worker %s receives %s, which is not a CA certificate", h.Name, f.Path)
			}
		}
	}
}

func TestExternalEtcdIssuesNoEtcdCertificates(t *testing.T) {
	t.Parallel()
	c := testCluster()
	c.Spec.Etcd.External = &spec.ExternalEtcd{Endpoints: []string{"https://10.0.0.50:2379"}}
	dir := t.TempDir()
	s, changes := mustEnsure(t, dir, c, testNow)
	for name := range changes {
		if strings.Contains(name, "etcd") {
			t.Errorf("issued %s with external etcd", name)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "etcd")); err == nil {
		t.Errorf("etcd directory created with external etcd")
	}
	cp1, _ := c.Spec.Host("cp1")
	for _, f := range s.FilesFor(cp1) {
		if strings.Contains(f.Path, "etcd") {
			t.Errorf("control plane receives %s with external etcd", f.Path)
		}
	}
}

func TestAccessorsAndLoad(t *testing.T) {
	t.Parallel()
	c := testCluster()
	dir := t.TempDir()
	s, _ := mustEnsure(t, dir, c, testNow)
	loaded, err := Load(dir, c)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(loaded.Expiries(), s.Expiries()) || len(s.Expiries()) != 19 {
		t.Errorf("expiries differ after Load or are not 19 certificates: %v", s.Expiries())
	}
	certPEM, keyPEM, err := loaded.KeyPair(Admin)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := parseCert(certPEM)
	key, err := parseKey(keyPEM)
	if err != nil || !keyMatches(cert, key) || cert.Subject.CommonName != "kubernetes-admin" {
		t.Errorf("admin key pair: CN %q, key error %v", cert.Subject.CommonName, err)
	}
	ca, _ := parseCert(loaded.CACert())
	if ca.Subject.CommonName != "kubernetes" || cert.CheckSignatureFrom(ca) != nil {
		t.Errorf("CACert is not the cluster CA that signed admin")
	}
	if _, _, err := loaded.KeyPair("nope"); err == nil {
		t.Errorf("KeyPair of an unknown name succeeded")
	}
	if _, _, err := loaded.KeyPair("sa"); err == nil {
		t.Errorf("KeyPair returned the service account key pair, which has no certificate")
	}
	for _, e := range s.Expiries() {
		if e.Name == "apiserver" && (e.CA != CA || !e.NotAfter.Equal(testNow.Add(c.Spec.PKI.CertificateValidity.Duration))) {
			t.Errorf("apiserver expiry %+v", e)
		}
	}
}

func TestLoadWithoutStateFails(t *testing.T) {
	t.Parallel()
	_, err := Load(t.TempDir(), testCluster())
	if err == nil || !strings.Contains(err.Error(), "kubeup apply") {
		t.Fatalf("err %v, want one saying to run kubeup apply", err)
	}
}
