package pki

import (
	cryptorand "crypto/rand"
	"crypto/x509"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"kubeup.dev/kubeup/internal/spec"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// testCluster has two stacked control-plane hosts, an etcd-only host, a
// worker and a load balancer endpoint.
func testCluster() *spec.Cluster {
	cp := []spec.Role{spec.RoleControlPlane, spec.RoleEtcd}
	c := &spec.Cluster{
		APIVersion: spec.APIVersion, Kind: spec.Kind,
		Metadata: spec.Metadata{Name: "demo"},
		Spec: spec.Spec{
			Hosts: []spec.Host{
				{Name: "cp1", Address: "10.0.0.11", Roles: cp},
				{Name: "cp2", Address: "10.0.0.12", Roles: cp},
				{Name: "etcd3", Address: "10.0.0.13", Roles: []spec.Role{spec.RoleEtcd}},
				{Name: "w1", Address: "10.0.0.21", Roles: []spec.Role{spec.RoleWorker}},
			},
			ControlPlane: spec.ControlPlane{Endpoint: "lb.example.com:8443"},
		},
	}
	spec.SetDefaults(c)
	return c
}

func testRand(seed uint64) io.Reader { return rand.NewChaCha8([32]byte{byte(seed)}) }

func mustEnsure(t *testing.T, dir string, c *spec.Cluster, now time.Time) (*Store, map[string]Change) {
	t.Helper()
	s, changes, err := Ensure(dir, c, now, cryptorand.Reader)
	if err != nil {
		t.Fatalf("Ensure: %v", err)
	}
	byName := map[string]Change{}
	for _, ch := range changes {
		if _, dup := byName[ch.Name]; dup {
			t.Fatalf("change %s reported twice", ch.Name)
		}
		byName[ch.Name] = ch
	}
	return s, byName
}

// snapshot reads every file under dir, keyed by relative path.
func snapshot(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func certOf(t *testing.T, s *Store, name string) *x509.Certificate {
	t.Helper()
	e, ok := s.get(name)
	if !ok || e.cert == nil {
		t.Fatalf("no certificate %s in the store", name)
	}
	return e.cert
}

// assertActions checks that every change is want[name], or def otherwise.
func assertActions(t *testing.T, changes map[string]Change, def Action, want map[string]Action) {
	t.Helper()
	for name, ch := range changes {
		w, ok := want[name]
		if !ok {
			w = def
		}
		if ch.Action != w {
			t.Errorf("%s: %s (%s), want %s", name, ch.Action, ch.Reason, w)
		}
	}
	for name := range want {
		if _, ok := changes[name]; !ok {
			t.Errorf("no change reported for %s", name)
		}
	}
}
