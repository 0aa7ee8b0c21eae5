package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"slices"
	"strings"
	"testing"
	"time"

	"kubeup.dev/kubeup/internal/spec"
)

type wantCert struct {
	ca, cn string
	org    []string
	ext    []x509.ExtKeyUsage
}

var (
	serverEKU = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	clientEKU = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	bothEKU   = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	masters   = []string{"system:masters"}
)

// expectedLeaves is the certificate set of testCluster, written out by hand.
func expectedLeaves() map[string]wantCert {
	w := map[string]wantCert{
		"apiserver":                {CA, "kube-apiserver", nil, serverEKU},
		"apiserver-kubelet-client": {CA, "kube-apiserver-kubelet-client", masters, clientEKU},
		"front-proxy-client":       {FrontProxyCA, "front-proxy-client", nil, clientEKU},
		"etcd/healthcheck-client":  {EtcdCA, "kube-etcd-healthcheck-client", nil, clientEKU},
		"apiserver-etcd-client":    {EtcdCA, "kube-apiserver-etcd-client", nil, clientEKU},
		Admin:                      {CA, "kubernetes-admin", masters, clientEKU},
		ControllerManager:          {CA, "system:kube-controller-manager", nil, clientEKU},
		Scheduler:                  {CA, "system:kube-scheduler", nil, clientEKU},
		KubeProxy:                  {CA, "system:kube-proxy", nil, clientEKU},
		Flanneld:                   {CA, "system:kube-flannel", nil, clientEKU},
	}
	for _, h := range []string{"cp1", "cp2", "etcd3"} {
		w["etcd/"+h+"/server"] = wantCert{EtcdCA, h, nil, bothEKU}
		w["etcd/"+h+"/peer"] = wantCert{EtcdCA, h, nil, bothEKU}
	}
	return w
}

var expectedCAs = map[string]string{CA: "kubernetes", FrontProxyCA: "front-proxy-ca", EtcdCA: "etcd-ca"}

func TestEnsureCreatesTheWholeSet(t *testing.T) {
	t.Parallel()
	_, changes := mustEnsure(t, t.TempDir(), testCluster(), testNow)
	want := map[string]Action{"sa": Created}
	for name := range expectedLeaves() {
		want[name] = Created
	}
	for name := range expectedCAs {
		want[name] = Created
	}
	if len(changes) != len(want) {
		t.Errorf("%d changes, want %d: %v", len(changes), len(want), changes)
	}
	assertActions(t, changes, Created, want)
}

func TestEveryChainVerifies(t *testing.T) {
	t.Parallel()
	c := testCluster()
	s, _ := mustEnsure(t, t.TempDir(), c, testNow)
	for name, ca := range expectedCAs {
		assertCA(t, certOf(t, s, name), ca, c.Spec.PKI.CAValidity.Duration)
	}
	for name, w := range expectedLeaves() {
		t.Run(name, func(t *testing.T) {
			leaf := certOf(t, s, name)
			verifyLeaf(t, leaf, certOf(t, s, w.ca), w.ext)
			assertLeaf(t, leaf, w, c.Spec.PKI.CertificateValidity.Duration)
			if _, ok := leaf.PublicKey.(*ecdsa.PublicKey); !ok || leaf.PublicKey.(*ecdsa.PublicKey).Curve != elliptic.P256() {
				t.Errorf("public key %T, want ECDSA P-256", leaf.PublicKey)
			}
			if leaf.KeyUsage != x509.KeyUsageDigitalSignature {
				t.Errorf("key usage %v, want digital signature only", leaf.KeyUsage)
			}
		})
	}
}

func assertCA(t *testing.T, ca *x509.Certificate, cn string, validity time.Duration) {
	t.Helper()
	if !ca.IsCA || !ca.BasicConstraintsValid || ca.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Errorf("%s: not a CA (IsCA %v, usage %v)", cn, ca.IsCA, ca.KeyUsage)
	}
	if ca.Subject.CommonName != cn {
		t.Errorf("CA CN %q, want %q", ca.Subject.CommonName, cn)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	if _, err := ca.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: testNow}); err != nil {
		t.Errorf("CA %s does not verify against itself: %v", cn, err)
	}
	checkWindow(t, ca, validity)
}

func verifyLeaf(t *testing.T, leaf, ca *x509.Certificate, ext []x509.ExtKeyUsage) {
	t.Helper()
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	for _, eku := range ext {
		opts := x509.VerifyOptions{Roots: roots, CurrentTime: testNow, KeyUsages: []x509.ExtKeyUsage{eku}}
		if _, err := leaf.Verify(opts); err != nil {
			t.Errorf("verify for %v: %v", eku, err)
		}
	}
	for _, name := range append(slices.Clone(leaf.DNSNames), ipStrings(leaf)...) {
		if err := leaf.VerifyHostname(name); err != nil {
			t.Errorf("hostname %s: %v", name, err)
		}
	}
	wrong := []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: testNow, KeyUsages: wrong}); err == nil {
		t.Errorf("verified for code signing, a usage it must not have")
	}
}

func assertLeaf(t *testing.T, leaf *x509.Certificate, w wantCert, validity time.Duration) {
	t.Helper()
	if leaf.IsCA {
		t.Errorf("leaf is a CA")
	}
	if leaf.Subject.CommonName != w.cn || !slices.Equal(leaf.Subject.Organization, w.org) {
		t.Errorf("subject CN=%q O=%q, want CN=%q O=%q", leaf.Subject.CommonName, leaf.Subject.Organization, w.cn, w.org)
	}
	if !slices.Equal(leaf.ExtKeyUsage, w.ext) {
		t.Errorf("ext key usages %v, want %v", leaf.ExtKeyUsage, w.ext)
	}
	checkWindow(t, leaf, validity)
}

func checkWindow(t *testing.T, c *x509.Certificate, validity time.Duration) {
	t.Helper()
	if want := testNow.Add(-backdate); !c.NotBefore.Equal(want) {
		t.Errorf("NotBefore %v, want %v", c.NotBefore, want)
	}
	if want := testNow.Add(validity); !c.NotAfter.Equal(want) {
		t.Errorf("NotAfter %v, want %v", c.NotAfter, want)
	}
	if c.SerialNumber.Sign() <= 0 || c.SerialNumber.BitLen() < 64 {
		t.Errorf("serial %v is not a large random positive number", c.SerialNumber)
	}
}

func ipStrings(c *x509.Certificate) []string {
	var out []string
	for _, ip := range c.IPAddresses {
		out = append(out, ip.String())
	}
	return out
}

func sans(c *x509.Certificate) []string {
	out := append(slices.Clone(c.DNSNames), ipStrings(c)...)
	slices.Sort(out)
	return out
}

func TestAPIServerSANs(t *testing.T) {
	t.Parallel()
	s, _ := mustEnsure(t, t.TempDir(), testCluster(), testNow)
	want := []string{"10.0.0.11", "10.0.0.12", "10.96.0.1", "127.0.0.1", "cp1", "cp2",
		"kubernetes", "kubernetes.default", "kubernetes.default.svc",
		"kubernetes.default.svc.cluster.local", "lb.example.com", "localhost"}
	if got := sans(certOf(t, s, "apiserver")); !slices.Equal(got, want) {
		t.Errorf("apiserver SANs\n got %v\nwant %v", got, want)
	}
}

func TestEtcdSANs(t *testing.T) {
	t.Parallel()
	s, _ := mustEnsure(t, t.TempDir(), testCluster(), testNow)
	for _, name := range []string{"server", "peer"} {
		got := sans(certOf(t, s, "etcd/etcd3/"+name))
		want := []string{"10.0.0.13", "127.0.0.1", "::1", "etcd3", "localhost"}
		if !slices.Equal(got, want) {
			t.Errorf("etcd/etcd3/%s SANs %v, want %v", name, got, want)
		}
	}
	for _, name := range []string{Admin, "front-proxy-client", "etcd/healthcheck-client"} {
		if got := sans(certOf(t, s, name)); len(got) != 0 {
			t.Errorf("client certificate %s has SANs %v", name, got)
		}
	}
}

func TestRSA(t *testing.T) {
	t.Parallel()
	c := testCluster()
	c.Spec.Hosts = c.Spec.Hosts[:1]
	c.Spec.Etcd.External = &spec.ExternalEtcd{Endpoints: []string{"https://10.0.0.50:2379"}}
	c.Spec.PKI.KeyAlgorithm = "rsa"
	dir := t.TempDir()
	s, _ := mustEnsure(t, dir, c, testNow)
	ca := certOf(t, s, CA)
	for _, name := range []string{CA, "apiserver", Admin} {
		k, ok := certOf(t, s, name).PublicKey.(*rsa.PublicKey)
		if !ok || k.N.BitLen() != 2048 {
			t.Fatalf("%s: public key %T, want RSA 2048", name, certOf(t, s, name).PublicKey)
		}
	}
	api := certOf(t, s, "apiserver")
	verifyLeaf(t, api, ca, serverEKU)
	if api.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageKeyEncipherment {
		t.Errorf("RSA leaf key usage %v, want digital signature and key encipherment", api.KeyUsage)
	}
	if _, ok := s.get("sa"); !ok {
		t.Fatal("no service account key")
	}
	saKey, _ := s.get("sa")
	if _, ok := saKey.key.(*rsa.PrivateKey); !ok {
		t.Errorf("service account key %T, want RSA", saKey.key)
	}

	// Switching to ECDSA re-issues every leaf; the RSA CAs stay.
	c.Spec.PKI.KeyAlgorithm = "ecdsa"
	s2, changes := mustEnsure(t, dir, c, testNow)
	assertActions(t, changes, Reissued, map[string]Action{CA: Reused, FrontProxyCA: Reused, "sa": Reused})
	if !strings.Contains(changes["apiserver"].Reason, "key algorithm rsa") {
		t.Errorf("reason %q does not name the algorithm", changes["apiserver"].Reason)
	}
	verifyLeaf(t, certOf(t, s2, "apiserver"), certOf(t, s2, CA), serverEKU)
	if _, ok := certOf(t, s2, "apiserver").PublicKey.(*ecdsa.PublicKey); !ok {
		t.Errorf("apiserver not re-issued as ECDSA")
	}
}
