package plan

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/spec"
)

func testCluster() *spec.Cluster {
	c := &spec.Cluster{Spec: spec.Spec{Hosts: []spec.Host{
		{Name: "cp1", Address: "10.0.0.1", Roles: []spec.Role{spec.RoleControlPlane}},
		{Name: "w1", Address: "10.0.0.2", Roles: []spec.Role{spec.RoleWorker}},
	}}}
	spec.SetDefaults(c)
	return c
}

func units(h spec.Host) ([]hostfile.File, error) {
	return []hostfile.File{{Path: "/etc/z.conf", Mode: 0o644, Content: []byte("host " + h.Name + "\n")}}, nil
}

func keys(h spec.Host) ([]hostfile.File, error) {
	if !h.HasRole(spec.RoleControlPlane) {
		return nil, nil
	}
	return []hostfile.File{{Path: "/etc/a.key", Mode: 0o600, Content: []byte("secret")}}, nil
}

func TestBuildSortsAndMerges(t *testing.T) {
	hosts, err := Build(testCluster(), units, keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(hosts) != 2 || len(hosts[0].Files) != 2 || len(hosts[1].Files) != 1 {
		t.Fatalf("unexpected plan: %+v", hosts)
	}
	if hosts[0].Files[0].Path != "/etc/a.key" {
		t.Errorf("files not sorted: %s first", hosts[0].Files[0].Path)
	}
}

func TestBuildRejectsDuplicatePath(t *testing.T) {
	_, err := Build(testCluster(), units, units)
	if err == nil || !strings.Contains(err.Error(), "host cp1: /etc/z.conf is produced twice") {
		t.Fatalf("want duplicate error naming host and path, got %v", err)
	}
}

func TestBuildWrapsSourceErrorWithHost(t *testing.T) {
	boom := errors.New("boom")
	_, err := Build(testCluster(), func(spec.Host) ([]hostfile.File, error) { return nil, boom })
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "host cp1") {
		t.Fatalf("want wrapped error naming cp1, got %v", err)
	}
}

func TestWriteLaysOutFilesAndManifest(t *testing.T) {
	hosts, err := Build(testCluster(), units, keys)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	if err := Write(dir, hosts); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, "cp1", "etc", "a.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v mode %v", err, st)
	}
	b, err := os.ReadFile(filepath.Join(dir, "w1", "etc", "z.conf"))
	if err != nil || string(b) != "host w1\n" {
		t.Fatalf("w1 file: %q %v", b, err)
	}
	var m []Entry
	mb, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(mb, &m); err != nil {
		t.Fatal(err)
	}
	if len(m) != 3 || m[0].Host != "cp1" || m[0].Mode != "0600" || len(m[0].SHA256) != 64 {
		t.Fatalf("manifest: %+v", m)
	}
}

func TestWriteIsDeterministicAndReplacesOldPlan(t *testing.T) {
	hosts, _ := Build(testCluster(), units, keys)
	dir := filepath.Join(t.TempDir(), "out")
	if err := Write(dir, hosts); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err := os.WriteFile(filepath.Join(dir, "stale"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(dir, hosts); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if string(first) != string(second) {
		t.Error("manifest differs between identical runs")
	}
	if _, err := os.Stat(filepath.Join(dir, "stale")); !os.IsNotExist(err) {
		t.Error("old plan content was not replaced")
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), ".out.tmp-*"))
	if len(left) != 0 {
		t.Errorf("temporary directories left behind: %v", left)
	}
}
