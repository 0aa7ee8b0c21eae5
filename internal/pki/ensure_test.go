package pki

import (
	"bytes"
	cryptorand "crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"kubeup.dev/kubeup/internal/spec"
)

func TestEnsureReusesByteForByte(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := testCluster()
	first, _ := mustEnsure(t, dir, c, testNow)
	before := snapshot(t, dir)
	second, changes := mustEnsure(t, dir, c, testNow.Add(90*24*time.Hour))
	assertActions(t, changes, Reused, nil)
	after := snapshot(t, dir)
	if len(after) != len(before) {
		t.Fatalf("%d files after re-run, %d before", len(after), len(before))
	}
	for p, b := range before {
		if !bytes.Equal(after[p], b) {
			t.Errorf("%s changed on re-run", p)
		}
	}
	if !bytes.Equal(first.CACert(), second.CACert()) {
		t.Errorf("CA certificate differs between runs")
	}
}

func TestKeyFileModes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mustEnsure(t, dir, testCluster(), testNow)
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o644)
		if strings.HasSuffix(p, ".key") {
			want, n = 0o600, n+1
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", p, info.Mode().Perm(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 20 { // 3 CAs, sa, 16 leaves
		t.Errorf("%d key files, want 20", n)
	}
}

func TestLocalLayout(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mustEnsure(t, dir, testCluster(), testNow)
	for _, p := range []string{"ca.crt", "ca.key", "apiserver.crt", "front-proxy-ca.key", "sa.key", "sa.pub",
		"etcd/ca.crt", "etcd/cp2/server.crt", "etcd/etcd3/peer.key", "etcd/healthcheck-client.crt",
		"apiserver-etcd-client.crt", "admin.crt", "flanneld.key"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("missing %s: %v", p, err)
		}
	}
}

func TestSpecChangesReissueOnlyWhatChanged(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(c *spec.Cluster)
		want   map[string]Action
	}{
		{"add control-plane host", func(c *spec.Cluster) {
			c.Spec.Hosts = append(c.Spec.Hosts, spec.Host{Name: "cp4", Address: "10.0.0.14",
				Roles: []spec.Role{spec.RoleControlPlane}})
		}, map[string]Action{"apiserver": Reissued}},
		{"change endpoint", func(c *spec.Cluster) { c.Spec.ControlPlane.Endpoint = "10.0.0.100" },
			map[string]Action{"apiserver": Reissued}},
		{"add stacked control-plane host", func(c *spec.Cluster) {
			c.Spec.Hosts = append(c.Spec.Hosts, spec.Host{Name: "cp4", Address: "10.0.0.14",
				Roles: []spec.Role{spec.RoleControlPlane, spec.RoleEtcd}})
		}, map[string]Action{"apiserver": Reissued, "etcd/cp4/server": Created, "etcd/cp4/peer": Created}},
		{"change an etcd host's address", func(c *spec.Cluster) { c.Spec.Hosts[2].Address = "10.0.0.33" },
			map[string]Action{"etcd/etcd3/server": Reissued, "etcd/etcd3/peer": Reissued}},
		{"add a worker", func(c *spec.Cluster) {
			c.Spec.Hosts = append(c.Spec.Hosts, spec.Host{Name: "w2", Address: "10.0.0.22",
				Roles: []spec.Role{spec.RoleWorker}})
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			c := testCluster()
			mustEnsure(t, dir, c, testNow)
			before := snapshot(t, dir)
			tt.change(c)
			s, changes := mustEnsure(t, dir, c, testNow)
			assertActions(t, changes, Reused, tt.want)
			assertOnlyChanged(t, before, snapshot(t, dir), tt.want)
			api := certOf(t, s, "apiserver")
			verifyLeaf(t, api, certOf(t, s, CA), serverEKU)
		})
	}
}

// assertOnlyChanged checks that exactly the files of the named items
// changed or appeared.
func assertOnlyChanged(t *testing.T, before, after map[string][]byte, names map[string]Action) {
	t.Helper()
	for p, b := range after {
		item := strings.TrimSuffix(strings.TrimSuffix(p, ".crt"), ".key")
		_, expected := names[filepath.ToSlash(item)]
		if changed := !bytes.Equal(before[p], b); changed != expected {
			t.Errorf("%s: changed=%v, want %v", p, changed, expected)
		}
	}
}

func TestSANChangeReason(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := testCluster()
	mustEnsure(t, dir, c, testNow)
	c.Spec.ControlPlane.Endpoint = "10.0.0.100"
	_, changes := mustEnsure(t, dir, c, testNow)
	if got, want := changes["apiserver"].Reason, "SANs changed: +IP:10.0.0.100 -DNS:lb.example.com"; got != want {
		t.Errorf("reason %q, want %q", got, want)
	}
}

func TestLeavesNearExpiryAreReissued(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := testCluster()
	mustEnsure(t, dir, c, testNow)
	later := testNow.Add(c.Spec.PKI.CertificateValidity.Duration - 29*24*time.Hour)
	s, changes := mustEnsure(t, dir, c, later)
	assertActions(t, changes, Reissued, map[string]Action{CA: Reused, FrontProxyCA: Reused, EtcdCA: Reused, "sa": Reused})
	if !strings.HasPrefix(changes[Admin].Reason, "expires ") {
		t.Errorf("reason %q, want an expiry", changes[Admin].Reason)
	}
	if got := certOf(t, s, Admin).NotAfter; !got.Equal(later.Add(c.Spec.PKI.CertificateValidity.Duration)) {
		t.Errorf("re-issued NotAfter %v", got)
	}
	// 31 days before expiry is still fine.
	_, changes = mustEnsure(t, dir, c, later.Add(c.Spec.PKI.CertificateValidity.Duration-31*24*time.Hour))
	assertActions(t, changes, Reused, nil)
}

func TestLeafFromAnotherCAIsReissued(t *testing.T) {
	t.Parallel()
	dir, other := t.TempDir(), t.TempDir()
	c := testCluster()
	mustEnsure(t, dir, c, testNow)
	mustEnsure(t, other, c, testNow)
	for _, f := range []string{"apiserver.crt", "apiserver.key"} {
		copyFile(t, filepath.Join(other, f), filepath.Join(dir, f))
	}
	s, changes := mustEnsure(t, dir, c, testNow)
	assertActions(t, changes, Reused, map[string]Action{"apiserver": Reissued})
	if r := changes["apiserver"].Reason; r != "not signed by the current ca" {
		t.Errorf("reason %q", r)
	}
	verifyLeaf(t, certOf(t, s, "apiserver"), certOf(t, s, CA), serverEKU)
}

func TestBrokenLeafIsReissued(t *testing.T) {
	t.Parallel()
	for name, file := range map[string]string{"garbage cert": "admin.crt", "garbage key": "admin.key"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			c := testCluster()
			mustEnsure(t, dir, c, testNow)
			writeFile(t, filepath.Join(dir, file), "garbage")
			_, changes := mustEnsure(t, dir, c, testNow)
			assertActions(t, changes, Reused, map[string]Action{Admin: Reissued})
		})
	}
	dir := t.TempDir()
	c := testCluster()
	mustEnsure(t, dir, c, testNow)
	copyFile(t, filepath.Join(dir, "scheduler.key"), filepath.Join(dir, "admin.key"))
	_, changes := mustEnsure(t, dir, c, testNow)
	if r := changes[Admin].Reason; r != "the key does not match the certificate" {
		t.Errorf("mismatched key: reason %q", r)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, to, string(b))
}

func writeFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestShortLivedLeavesRenewInTheirLastThird(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := testCluster()
	c.Spec.PKI.CertificateValidity.Duration = 72 * time.Hour
	mustEnsure(t, dir, c, testNow)
	_, changes := mustEnsure(t, dir, c, testNow.Add(47*time.Hour))
	assertActions(t, changes, Reused, nil)
	_, changes = mustEnsure(t, dir, c, testNow.Add(49*time.Hour))
	assertActions(t, changes, Reissued, map[string]Action{CA: Reused, FrontProxyCA: Reused, EtcdCA: Reused, "sa": Reused})
}

// TestLeafNotMatchingItsDeclarationIsReissued plants leaves signed by the
// current CA whose subject or usages differ from the catalog.
func TestLeafNotMatchingItsDeclarationIsReissued(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		alter  func(it *item)
		reason string
	}{
		{"common name", func(it *item) { it.cn = "someone-else" }, "subject changed"},
		{"organization", func(it *item) { it.org = []string{"system:masters"} }, "subject changed"},
		{"key usage", func(it *item) { it.usage |= x509.KeyUsageContentCommitment }, "key usages changed"},
		{"ext key usage", func(it *item) { it.extUsage = bothEKU }, "extended key usages changed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			c := testCluster()
			s, _ := mustEnsure(t, dir, c, testNow)
			plantAltered(t, s, KubeProxy, tt.alter)
			_, changes := mustEnsure(t, dir, c, testNow)
			assertActions(t, changes, Reused, map[string]Action{KubeProxy: Reissued})
			if got := changes[KubeProxy].Reason; got != tt.reason {
				t.Errorf("reason %q, want %q", got, tt.reason)
			}
		})
	}
}

func plantAltered(t *testing.T, s *Store, name string, alter func(*item)) {
	t.Helper()
	e, _ := s.get(name)
	ca, _ := s.get(e.ca)
	it := e.item
	alter(&it)
	ent, err := it.issue(ca, algECDSA, testNow, 24*time.Hour*365, cryptorand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.write(ent); err != nil {
		t.Fatal(err)
	}
}

func TestNodeClientIsTheKubeletsIdentity(t *testing.T) {
	c := testCluster()
	st, _, err := Ensure(t.TempDir(), c, time.Now(), cryptorand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.NodeClient(c, "node2", time.Now(), cryptorand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	certBlock, rest := pem.Decode(b)
	keyBlock, _ := pem.Decode(rest)
	if certBlock == nil || keyBlock == nil || certBlock.Type != "CERTIFICATE" {
		t.Fatalf("want certificate then key PEM, got %q", b)
	}
	cert, err := x509.ParseCertificate(certBlock.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := st.get(CA)
	if cert.Subject.CommonName != "system:node:node2" || !slices.Equal(cert.Subject.Organization, []string{"system:nodes"}) ||
		!signedBy(cert, ca.cert) || cert.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth {
		t.Errorf("subject %v, ext usage %v, signed by CA %v", cert.Subject, cert.ExtKeyUsage, signedBy(cert, ca.cert))
	}
	if _, err := (&Store{}).NodeClient(c, "node2", time.Now(), cryptorand.Reader); err == nil {
		t.Error("a store without CA issued a certificate")
	}
}
