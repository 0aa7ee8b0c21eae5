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
	withExtra, _ := Build(testCluster(), units, keys, func(spec.Host) ([]hostfile.File, error) {
		return []hostfile.File{{Path: "/etc/old/gone.conf", Mode: 0o644, Content: []byte("old")}}, nil
	})
	dir := filepath.Join(t.TempDir(), "out")
	if err := Write(dir, withExtra); err != nil {
		t.Fatal(err)
	}
	if err := Write(dir, hosts); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err := Write(dir, hosts); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if string(first) != string(second) {
		t.Error("manifest differs between identical runs")
	}
	if _, err := os.Stat(filepath.Join(dir, "w1", "etc", "old")); !os.IsNotExist(err) {
		t.Error("a file of the earlier plan was not replaced")
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), ".out.tmp-*"))
	if len(left) != 0 {
		t.Errorf("temporary directories left behind: %v", left)
	}
}

// TestWriteRefusesForeignDirectories: plan --out pointed at the spec's own
// directory once deleted the spec, the CA key and secrets.yaml. Now every
// directory that holds something an earlier plan did not write is refused
// with the reason, and nothing in it changes.
func TestWriteRefusesForeignDirectories(t *testing.T) {
	hosts, _ := Build(testCluster(), units, keys)
	write := func(t *testing.T, root string, files map[string]string) {
		t.Helper()
		for p, content := range files {
			p = filepath.Join(root, p)
			if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name   string
		setup  func(t *testing.T, dir string)
		reason string
	}{
		{"the spec's directory", func(t *testing.T, dir string) {
			write(t, dir, map[string]string{"cluster.yaml": "kind: Cluster", ".kubeup/demo/pki/ca.key": "key", ".kubeup/demo/secrets.yaml": "s"})
		}, "it is not empty and holds no manifest.json, so no kubeup plan wrote it"},
		{"a plan with a file added", func(t *testing.T, dir string) {
			if err := Write(dir, hosts); err != nil {
				t.Fatal(err)
			}
			write(t, dir, map[string]string{"notes.txt": "mine"})
		}, "it holds notes.txt that kubeup plan did not write"},
		{"a plan with a file added in a host directory", func(t *testing.T, dir string) {
			if err := Write(dir, hosts); err != nil {
				t.Fatal(err)
			}
			write(t, dir, map[string]string{"cp1/etc/mine.conf": "mine", "w1/home/u/x": "x"})
		}, "it holds cp1/etc/mine.conf, w1/home/ that kubeup plan did not write"},
		{"a plan with a symbolic link", func(t *testing.T, dir string) {
			if err := Write(dir, hosts); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("/etc", filepath.Join(dir, "etc")); err != nil {
				t.Fatal(err)
			}
		}, "it holds etc that kubeup plan did not write"},
		{"a listed path that became a link", func(t *testing.T, dir string) {
			if err := Write(dir, hosts); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, "w1", "etc", "z.conf")
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("/etc/passwd", p); err != nil {
				t.Fatal(err)
			}
		}, "it holds w1/etc/z.conf that kubeup plan did not write"},
		{"a manifest of something else", func(t *testing.T, dir string) {
			write(t, dir, map[string]string{"manifest.json": `{"name": "app"}`})
		}, "its manifest.json is not a kubeup plan manifest"},
		{"a manifest that points outside", func(t *testing.T, dir string) {
			write(t, dir, map[string]string{"manifest.json": `[{"host": "..", "path": "/x"}]`})
		}, `its manifest.json lists "/x" on host ".."`},
		{"a file", func(t *testing.T, dir string) {
			write(t, filepath.Dir(dir), map[string]string{filepath.Base(dir): "x"})
		}, "it is a file, not a directory"},
		{"a symbolic link", func(t *testing.T, dir string) {
			if err := os.Symlink(t.TempDir(), dir); err != nil {
				t.Fatal(err)
			}
		}, "it is a symbolic link"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			tt.setup(t, dir)
			before := snapshot(t, filepath.Dir(dir))
			err := Write(dir, hosts)
			var npe *NotPlanDirError
			if !errors.As(err, &npe) || !strings.Contains(err.Error(), tt.reason) || !strings.Contains(err.Error(), "nothing was changed") {
				t.Fatalf("err = %v, want a NotPlanDirError saying %q", err, tt.reason)
			}
			if CheckDir(dir) == nil {
				t.Error("CheckDir accepts what Write refuses")
			}
			if after := snapshot(t, filepath.Dir(dir)); after != before {
				t.Errorf("the refused directory changed:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
}

func TestWriteAcceptsEmptyAndMissingDirectories(t *testing.T) {
	hosts, _ := Build(testCluster(), units, keys)
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.Mkdir(empty, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{empty, filepath.Join(t.TempDir(), "new", "out")} {
		if err := CheckDir(dir); err != nil {
			t.Errorf("CheckDir(%s): %v", dir, err)
		}
		if err := Write(dir, hosts); err != nil {
			t.Errorf("Write(%s): %v", dir, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err != nil {
			t.Error(err)
		}
	}
}

// TestRemovePlanKeepsWhatItDidNotList: a file that appears between the
// check and the swap stays, with its directory, and the error says where.
func TestRemovePlanKeepsWhatItDidNotList(t *testing.T) {
	hosts, _ := Build(testCluster(), units, keys)
	dir := filepath.Join(t.TempDir(), "old")
	if err := Write(dir, hosts); err != nil {
		t.Fatal(err)
	}
	files, err := previousPlan(dir)
	if err != nil {
		t.Fatal(err)
	}
	late := filepath.Join(dir, "cp1", "etc", "late.txt")
	if err := os.WriteFile(late, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	err = removePlan(dir, files)
	if err == nil || !strings.Contains(err.Error(), "holds files kubeup plan did not write") {
		t.Errorf("err = %v", err)
	}
	if got := snapshot(t, dir); got != "cp1/\ncp1/etc/\ncp1/etc/late.txt\n" {
		t.Errorf("left:\n%s", got)
	}
}

// snapshot lists every path below root with its kind, one per line.
func snapshot(t *testing.T, root string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		switch {
		case d.IsDir():
			rel += "/"
		case d.Type()&os.ModeSymlink != 0:
			rel += "@"
		}
		b.WriteString(rel + "\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
