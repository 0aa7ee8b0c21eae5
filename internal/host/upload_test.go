package host

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"kubeup.dev/kubeup/internal/hostfile"
)

// recordingHead puts a head first on PATH that appends the mode of the
// file it writes to (its stdout), as the file is when head starts, to the
// returned record file, then runs the real head.
func recordingHead(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	rec := filepath.Join(dir, "modes")
	realHead := "/usr/bin/head"
	script := "#!/bin/sh\nstat -L -c %a /proc/self/fd/3 3>&1 >> " + rec + "\nexec " + realHead + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(dir, "head"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+":"+os.Getenv("PATH"))
	return rec
}

// withUmask sets the process umask for the test (the scripts set their
// own; this proves they do not rely on the caller's).
func withUmask(t *testing.T, mask int) {
	old := syscall.Umask(mask)
	t.Cleanup(func() { syscall.Umask(old) })
}

// TestInstallScriptCreatesWithFinalMode: the sudo upload script creates
// its temporary file beside the target with no more than the final mode,
// ends with exactly it, and leaves no temporary file.
func TestInstallScriptCreatesWithFinalMode(t *testing.T) {
	withUmask(t, 0)
	rec := recordingHead(t)
	l := &Local{name: "local", user: "root"}
	for i, mode := range []fs.FileMode{0o600, 0o640, 0o644, 0o755, 0o400} {
		p := filepath.Join(t.TempDir(), "pki", "k"+strconv.Itoa(i))
		body := "secret " + strconv.Itoa(i)
		if _, _, err := l.Exec(context.Background(), installScript(tmpName(p), p, mode, int64(len(body))), Stdin(strings.NewReader(body))); err != nil {
			t.Fatal(err)
		}
		assertFile(t, p, body, mode)
		assertNoTemp(t, filepath.Dir(p))
		b, _ := os.ReadFile(rec)
		lines := strings.Fields(string(b))
		created, err := strconv.ParseUint(lines[len(lines)-1], 8, 32)
		if err != nil || fs.FileMode(created)&^mode != 0 {
			t.Errorf("mode %04o: the temporary file was created with %s", mode, lines[len(lines)-1])
		}
	}
}

// TestInstallScriptRefusesShortInput: a stream cut short installs
// nothing and leaves no temporary file; the old file stays.
func TestInstallScriptRefusesShortInput(t *testing.T) {
	l := &Local{name: "local", user: "root"}
	p := filepath.Join(t.TempDir(), "ca.key")
	if err := os.WriteFile(p, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := l.Exec(context.Background(), installScript(tmpName(p), p, 0o600, 10), Stdin(strings.NewReader("short")))
	if err == nil || !strings.Contains(err.Error(), "upload cut short: want 10 bytes") {
		t.Fatalf("got %v, want the short upload refused", err)
	}
	assertFile(t, p, "old", 0o600)
	assertNoTemp(t, filepath.Dir(p))
}

// TestCreateScriptCreatesWithFinalMode: the file SSH uploads as root fill
// over SFTP exists, empty, with the final mode less execute bits, before
// any content is written; an existing temporary name is refused.
func TestCreateScriptCreatesWithFinalMode(t *testing.T) {
	withUmask(t, 0)
	l := &Local{name: "local", user: "root"}
	ctx := context.Background()
	for _, mode := range []fs.FileMode{0o600, 0o640, 0o644, 0o755} {
		p := filepath.Join(t.TempDir(), "etc", "f")
		tmp := tmpName(p)
		if _, _, err := l.Exec(ctx, createScript(tmp, p, mode)); err != nil {
			t.Fatal(err)
		}
		assertFile(t, tmp, "", mode&0o666)
		if _, _, err := l.Exec(ctx, createScript(tmp, p, mode)); err == nil {
			t.Errorf("mode %04o: an existing temporary file was reused", mode)
		}
	}
}

// TestLocalSudoUploadStagesNothingInTmp: a sudo upload leaves the
// temporary directory untouched and creates the file as installScript does.
func TestLocalSudoUploadStagesNothingInTmp(t *testing.T) {
	fakeSudo(t, true)
	tmpdir := t.TempDir()
	t.Setenv("TMPDIR", tmpdir)
	l := &Local{name: "local", user: "deploy", sudo: true}
	p := filepath.Join(t.TempDir(), "pki", "sa.key")
	if err := l.WriteFile(context.Background(), hostfile.File{Path: p, Mode: 0o600, Content: []byte("key")}); err != nil {
		t.Fatal(err)
	}
	assertFile(t, p, "key", 0o600)
	if ents, _ := os.ReadDir(tmpdir); len(ents) > 0 {
		t.Errorf("staged in the temporary directory: %v", ents)
	}
}

// TestLocalUploadCreatesWithFinalMode: as root the local host creates the
// temporary file with no more than the final mode.
func TestLocalUploadCreatesWithFinalMode(t *testing.T) {
	withUmask(t, 0)
	for _, mode := range []fs.FileMode{0o600, 0o400, 0o644, 0o755} {
		var created []fs.FileMode
		open := func(name string, flag int, perm fs.FileMode) (*os.File, error) {
			f, err := os.OpenFile(name, flag, perm)
			if err == nil {
				st, _ := f.Stat()
				created = append(created, st.Mode().Perm())
			}
			return f, err
		}
		p := filepath.Join(t.TempDir(), "d", "f")
		if err := writeAtomic(open, bytes.NewReader([]byte("x")), p, mode); err != nil {
			t.Fatal(err)
		}
		if len(created) != 1 || created[0]&^mode != 0 {
			t.Errorf("mode %04o: created with %v", mode, created)
		}
		assertFile(t, p, "x", mode)
		assertNoTemp(t, filepath.Dir(p))
	}
}

// TestSized: the size of an upload comes from Len, a file's size from
// its offset, or reading the rest.
func TestSized(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "f")
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("0123456789")
	f.Seek(4, 0)
	for _, tt := range []struct {
		r    interface{ Read([]byte) (int, error) }
		want int64
	}{
		{strings.NewReader("abc"), 3},
		{bytes.NewBufferString("abcd"), 4},
		{f, 6},
		{struct{ *strings.Reader }{strings.NewReader("xy")}, 2},
		{&countingReader{r: strings.NewReader("xyz")}, 3},
		{io.MultiReader(strings.NewReader("unknown")), 7},
	} {
		if _, n, err := sized(tt.r); err != nil || n != tt.want {
			t.Errorf("sized(%T) = %d, %v; want %d", tt.r, n, err, tt.want)
		}
	}
}

// TestSizedDoesNotBufferLoggedFiles: a file behind the logging wrapper is
// streamed, not read into memory to be counted.
func TestSizedDoesNotBufferLoggedFiles(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "f")
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("0123456789")
	f.Seek(0, 0)
	cr := &countingReader{r: f}
	r, n, err := sized(cr)
	if err != nil || n != 10 || r != io.Reader(cr) || cr.n != 0 {
		t.Errorf("sized = %T, %d, %v (read %d bytes)", r, n, err, cr.n)
	}
}
