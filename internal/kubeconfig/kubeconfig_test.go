package kubeconfig

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/clientcmd/api"

	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/pki"
	"kubeup.dev/kubeup/internal/spec"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func testCluster() *spec.Cluster {
	c := &spec.Cluster{
		APIVersion: spec.APIVersion, Kind: spec.Kind,
		Metadata: spec.Metadata{Name: "demo"},
		Spec: spec.Spec{
			Hosts: []spec.Host{
				{Name: "cp1", Address: "10.0.0.11", Roles: []spec.Role{spec.RoleControlPlane, spec.RoleEtcd}},
				{Name: "w1", Address: "10.0.0.21", Roles: []spec.Role{spec.RoleWorker}},
			},
			ControlPlane: spec.ControlPlane{Endpoint: "lb.example.com:8443"},
		},
	}
	spec.SetDefaults(c)
	return c
}

func testStore(t *testing.T, c *spec.Cluster) *pki.Store {
	t.Helper()
	st, _, err := pki.Ensure(t.TempDir(), c, testNow, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func hostFiles(t *testing.T, c *spec.Cluster, st *pki.Store, name string) map[string]hostfile.File {
	t.Helper()
	h, _ := c.Spec.Host(name)
	files, err := FilesFor(c, h, st)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]hostfile.File{}
	for _, f := range files {
		if f.Mode != 0o600 {
			t.Errorf("%s: mode %v, want 0600", f.Path, f.Mode)
		}
		out[f.Path] = f
	}
	return out
}

func TestWhichHostsGetWhichFiles(t *testing.T) {
	t.Parallel()
	c := testCluster()
	st := testStore(t, c)
	node := []string{layout.FlannelConf, layout.KubeProxyConf}
	want := map[string][]string{
		"w1":  node,
		"cp1": append(slices.Clone(node), layout.AdminConf, layout.ControllerManagerConf, layout.SchedulerConf),
	}
	for host, w := range want {
		got := slices.Sorted(func(yield func(string) bool) {
			for p := range hostFiles(t, c, st, host) {
				if !yield(p) {
					return
				}
			}
		})
		if slices.Sort(w); !slices.Equal(got, w) {
			t.Errorf("%s gets %v, want %v", host, got, w)
		}
	}
}

type wantConf struct {
	server, user, cn string
	org              []string
}

func TestEveryHostKubeconfig(t *testing.T) {
	t.Parallel()
	c := testCluster()
	st := testStore(t, c)
	files := hostFiles(t, c, st, "cp1")
	lb := "https://lb.example.com:8443"
	want := map[string]wantConf{
		layout.AdminConf:             {lb, "kubernetes-admin", "kubernetes-admin", []string{"system:masters"}},
		layout.ControllerManagerConf: {"https://127.0.0.1:6443", "system:kube-controller-manager", "system:kube-controller-manager", nil},
		layout.SchedulerConf:         {"https://127.0.0.1:6443", "system:kube-scheduler", "system:kube-scheduler", nil},
		layout.KubeProxyConf:         {lb, "system:kube-proxy", "system:kube-proxy", nil},
		layout.FlannelConf:           {lb, "system:kube-flannel", "system:kube-flannel", nil},
	}
	for p, w := range want {
		t.Run(p, func(t *testing.T) {
			auth := loadAndCheck(t, files[p].Content, st, w.server, w.user, w.user+"@demo")
			checkCertAuth(t, auth, st, w.cn, w.org)
		})
	}
}

func TestBootstrapKubeconfig(t *testing.T) {
	t.Parallel()
	c := testCluster()
	st := testStore(t, c)
	b, err := Bootstrap(c, st.CACert(), "abcdef.0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	auth := loadAndCheck(t, b, st, "https://lb.example.com:8443", BootstrapUser, BootstrapUser+"@demo")
	if auth.Token != "abcdef.0123456789abcdef" {
		t.Errorf("token %q", auth.Token)
	}
	if len(auth.ClientCertificateData) != 0 || len(auth.ClientKeyData) != 0 {
		t.Errorf("bootstrap kubeconfig carries a client certificate")
	}
}

func TestAdmin(t *testing.T) {
	t.Parallel()
	c := testCluster()
	st := testStore(t, c)
	b, err := Admin(c, st)
	if err != nil {
		t.Fatal(err)
	}
	auth := loadAndCheck(t, b, st, "https://lb.example.com:8443", "demo-admin", "demo")
	checkCertAuth(t, auth, st, "kubernetes-admin", []string{"system:masters"})
	rc, err := clientcmd.RESTConfigFromKubeConfig(b)
	if err != nil {
		t.Fatalf("client-go cannot use the admin kubeconfig: %v", err)
	}
	if rc.Host != "https://lb.example.com:8443" || !bytes.Equal(rc.TLSClientConfig.CAData, st.CACert()) {
		t.Errorf("rest config host %q, CA data set %v", rc.Host, len(rc.TLSClientConfig.CAData) > 0)
	}
}

func TestBootstrapNeedsAToken(t *testing.T) {
	t.Parallel()
	c := testCluster()
	if _, err := Bootstrap(c, testStore(t, c).CACert(), ""); err == nil || !strings.Contains(err.Error(), "no token") {
		t.Errorf("err %v, want one about the missing token", err)
	}
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	c := testCluster()
	st := testStore(t, c)
	a, b := hostFiles(t, c, st, "cp1"), hostFiles(t, c, st, "cp1")
	for p, f := range a {
		if !bytes.Equal(f.Content, b[p].Content) {
			t.Errorf("%s differs between two calls", p)
		}
	}
}

// loadAndCheck parses a kubeconfig with clientcmd.Load and checks its
// current context, cluster and server; it returns the context's user.
func loadAndCheck(t *testing.T, b []byte, st *pki.Store, server, user, context string) *api.AuthInfo {
	t.Helper()
	cfg, err := clientcmd.Load(b)
	if err != nil {
		t.Fatalf("clientcmd.Load: %v", err)
	}
	if err := clientcmd.Validate(*cfg); err != nil {
		t.Errorf("invalid kubeconfig: %v", err)
	}
	ctx, ok := cfg.Contexts[cfg.CurrentContext]
	if !ok || cfg.CurrentContext != context || ctx.AuthInfo != user || ctx.Cluster != "demo" {
		t.Fatalf("current context %q = %+v, want %q for user %q on cluster demo", cfg.CurrentContext, ctx, context, user)
	}
	cl := cfg.Clusters[ctx.Cluster]
	if cl.Server != server {
		t.Errorf("server %q, want %q", cl.Server, server)
	}
	if !bytes.Equal(cl.CertificateAuthorityData, st.CACert()) {
		t.Errorf("CA data is not the cluster CA")
	}
	return cfg.AuthInfos[user]
}

// checkCertAuth checks the embedded client certificate: subject, a
// matching key, and a chain to the cluster CA for client auth.
func checkCertAuth(t *testing.T, auth *api.AuthInfo, st *pki.Store, cn string, org []string) {
	t.Helper()
	if _, err := tls.X509KeyPair(auth.ClientCertificateData, auth.ClientKeyData); err != nil {
		t.Fatalf("client certificate and key: %v", err)
	}
	block, _ := pem.Decode(auth.ClientCertificateData)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if cert.Subject.CommonName != cn || !slices.Equal(cert.Subject.Organization, org) {
		t.Errorf("subject CN=%q O=%v, want CN=%q O=%v", cert.Subject.CommonName, cert.Subject.Organization, cn, org)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(st.CACert())
	opts := x509.VerifyOptions{Roots: roots, CurrentTime: testNow, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if _, err := cert.Verify(opts); err != nil {
		t.Errorf("client certificate does not chain to the cluster CA: %v", err)
	}
	if auth.Token != "" {
		t.Errorf("certificate user also has a token")
	}
}
