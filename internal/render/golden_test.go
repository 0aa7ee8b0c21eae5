package render

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/hostfile"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// TestGolden compares every rendered file of every host of every variant
// with testdata/golden/<variant>/<host>/<path>, and each host's file list
// with modes with testdata/golden/<variant>/<host>.files.
func TestGolden(t *testing.T) {
	for _, v := range variants {
		t.Run(v, func(t *testing.T) {
			dir := filepath.Join("testdata", "golden", v)
			hosts := renderHosts(t, v)
			if *update {
				writeGolden(t, dir, hosts)
				return
			}
			for host, files := range hosts {
				compareGolden(t, filepath.Join(dir, host), files)
			}
		})
	}
}

func writeGolden(t *testing.T, dir string, hosts map[string][]hostfile.File) {
	t.Helper()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	for host, files := range hosts {
		for _, f := range files {
			p := filepath.Join(dir, host, f.Path)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, f.Content, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, host+".files"), []byte(fileList(files)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// fileList is one "mode path" line per file.
func fileList(files []hostfile.File) string {
	var b strings.Builder
	for _, f := range files {
		fmt.Fprintf(&b, "%04o %s\n", f.Mode.Perm(), f.Path)
	}
	return b.String()
}

func compareGolden(t *testing.T, dir string, files []hostfile.File) {
	t.Helper()
	list, err := os.ReadFile(dir + ".files")
	if err != nil {
		t.Fatalf("%v (run go test ./internal/render -update)", err)
	}
	if got := fileList(files); got != string(list) {
		t.Errorf("%s.files differs:\n%s", dir, lineDiff(string(list), got))
	}
	for _, f := range files {
		want, err := os.ReadFile(filepath.Join(dir, f.Path))
		if err != nil {
			t.Errorf("%v (run go test ./internal/render -update)", err)
			continue
		}
		if string(want) != string(f.Content) {
			t.Errorf("%s%s differs from its golden file:\n%s", dir, f.Path, lineDiff(string(want), string(f.Content)))
		}
	}
	checkNoStrayGolden(t, dir, files)
}

// checkNoStrayGolden fails on golden files no rendered file matches.
func checkNoStrayGolden(t *testing.T, dir string, files []hostfile.File) {
	t.Helper()
	var paths []string
	for _, f := range files {
		paths = append(paths, f.Path)
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel := "/" + filepath.ToSlash(strings.TrimPrefix(p, dir+string(filepath.Separator)))
		if !slices.Contains(paths, rel) {
			t.Errorf("stray golden file %s: nothing renders %s (run -update)", p, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// lineDiff shows the first differing line of want and got.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n  want %q\n  got  %q", i+1, wl, gl)
		}
	}
	return "(no line differs)"
}
