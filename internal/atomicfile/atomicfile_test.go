package atomicfile

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestWriteFileCreatesWithModeAndReplaces(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "sub", "key.pem")
	if err := WriteFile(p, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("two"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	st, _ := os.Stat(p)
	dst, _ := os.Stat(filepath.Dir(p))
	if string(b) != "two" || st.Mode().Perm() != 0o600 || dst.Mode().Perm() != 0o700 {
		t.Errorf("content %q mode %v dir mode %v", b, st.Mode(), dst.Mode())
	}
	entries, _ := os.ReadDir(filepath.Dir(p))
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

func TestWriteFileFailureLeavesOldContent(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A directory in the way of the rename target makes the write fail.
	bad := filepath.Join(dir, "d")
	if err := os.MkdirAll(filepath.Join(bad, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(bad, []byte("new"), 0o644); err == nil {
		t.Fatal("want error renaming over a non-empty directory")
	}
	b, _ := os.ReadFile(p)
	if string(b) != "old" {
		t.Error("unrelated file changed")
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".d.tmp-*"))
	if len(left) != 0 {
		t.Errorf("temporary file left: %v", left)
	}
}

// recordingOpen opens files as os.OpenFile does and records the mode each
// new file has on disk right after it is created, before anything else.
type recordingOpen struct{ modes []fs.FileMode }

func (r *recordingOpen) open(name string, flag int, perm fs.FileMode) (*os.File, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err == nil {
		st, serr := os.Stat(name)
		if serr != nil {
			return nil, serr
		}
		r.modes = append(r.modes, st.Mode().Perm())
	}
	return f, err
}

// TestWriteFileCreatesWithFinalMode: the temporary file is never wider
// than the final mode, whatever the umask, and ends with exactly it.
func TestWriteFileCreatesWithFinalMode(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	for _, mode := range []fs.FileMode{0o600, 0o400, 0o640, 0o644, 0o755} {
		r := &recordingOpen{}
		p := filepath.Join(t.TempDir(), "f")
		if err := WriteFileWith(r.open, p, []byte("x"), mode); err != nil {
			t.Fatal(err)
		}
		if len(r.modes) != 1 || r.modes[0]&^mode != 0 {
			t.Errorf("mode %04o: created with %v", mode, r.modes)
		}
		if st, _ := os.Stat(p); st.Mode().Perm() != mode {
			t.Errorf("mode %04o: ends %04o", mode, st.Mode().Perm())
		}
	}
}

// TestWriteFileNarrowsUmaskedMode: a umask that narrows the mode at
// creation does not leave the file narrower than asked.
func TestWriteFileNarrowsUmaskedMode(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	p := filepath.Join(t.TempDir(), "f")
	if err := WriteFile(p, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode())
	}
}
