package host

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"/etc/kubernetes/pki/ca.crt": "/etc/kubernetes/pki/ca.crt",
		"":                           "''",
		"a b":                        "'a b'",
		"it's":                       `'it'\''s'`,
		"$(reboot)":                  "'$(reboot)'",
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
		out, err := exec.Command("sh", "-c", "printf %s "+Quote(in)).Output()
		if err != nil || string(out) != in {
			t.Errorf("sh printf %s = %q, %v; want %q", Quote(in), out, err, in)
		}
	}
}

func TestSudoFailure(t *testing.T) {
	tests := []struct {
		name   string
		code   int
		stderr string
		want   string // substring of the error; "" for none
	}{
		{"password", 1, "sudo: a password is required\n", "needs password-less sudo (add 'deploy ALL=(ALL) NOPASSWD: ALL' to /etc/sudoers.d/kubeup)"},
		{"after sshd's warning", 1, "Could not chdir to home directory /home/deploy: No such file or directory\nsudo: a password is required\n", "needs password-less sudo"},
		{"not sudoer", 1, "sudo: deploy is not in the sudoers file.\n", "needs password-less sudo"},
		{"missing sudo", 127, "sh: 1: sudo: not found\n", "sudo is not installed"},
		{"command failed", 1, "cat: /x: No such file or directory\n", ""},
		{"other code", 2, "sudo: a password is required", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := sudoFailure("node1", "deploy", tt.code, []byte(tt.stderr))
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("got %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("got %v, want it to contain %q", err, tt.want)
			case tt.want != "" && !strings.HasPrefix(err.Error(), "host node1: user deploy"):
				t.Fatalf("error %q does not name host and user", err)
			}
		})
	}
}

func TestExitErrorMessage(t *testing.T) {
	e := &ExitError{Cmd: "systemctl   restart\n etcd", Code: 3, Stderr: "Job failed"}
	if got, want := e.Error(), "command `systemctl restart etcd` exited with code 3: Job failed"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	e = &ExitError{Code: 1}
	if got := e.Error(); !strings.Contains(got, "(redacted)") {
		t.Errorf("sensitive command shown: %q", got)
	}
	long := &ExitError{Cmd: strings.Repeat("x", 500), Code: 1}
	if len(long.Error()) > 200 {
		t.Errorf("long command not shortened: %d chars", len(long.Error()))
	}
}

func TestTail(t *testing.T) {
	b := []byte(strings.Repeat("line of stderr output\n", 200))
	got := tail(b)
	if len(got) > 1100 || !strings.HasPrefix(got, "...line") || !strings.HasSuffix(got, "output") {
		t.Errorf("tail = %d chars %q...", len(got), got[:20])
	}
}

// fakeSudo puts a sudo on PATH that either runs the command (dropping
// -n and --) or fails the way sudo does without a password.
func fakeSudo(t *testing.T, works bool) {
	t.Helper()
	dir := t.TempDir()
	script := "#!/bin/sh\n[ \"$1\" = -n ] && shift; [ \"$1\" = -- ] && shift; exec \"$@\"\n"
	if !works {
		script = "#!/bin/sh\necho 'sudo: a password is required' >&2; exit 1\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "sudo"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+":"+os.Getenv("PATH"))
}

func TestLocalSudoUploadReadHash(t *testing.T) {
	fakeSudo(t, true)
	l := &Local{name: "local", user: "deploy", sudo: true}
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "sub", "dir", "f.conf")
	if err := l.Upload(ctx, strings.NewReader("hello\n"), p, 0o640); err != nil {
		t.Fatal(err)
	}
	assertFile(t, p, "hello\n", 0o640)
	b, err := l.ReadFile(ctx, p)
	if err != nil || string(b) != "hello\n" {
		t.Fatalf("ReadFile = %q, %v", b, err)
	}
	sum, err := l.SHA256(ctx, p)
	if err != nil || sum != "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03" {
		t.Fatalf("SHA256 = %s, %v", sum, err)
	}
	if _, err := l.ReadFile(ctx, p+".missing"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("ReadFile of a missing file: %v, want ErrNotExist", err)
	}
	if _, err := l.SHA256(ctx, p+".missing"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("SHA256 of a missing file: %v, want ErrNotExist", err)
	}
	assertNoTemp(t, filepath.Dir(p))
}

func TestLocalSudoPasswordRequired(t *testing.T) {
	fakeSudo(t, false)
	l := &Local{name: "laptop", user: "deploy", sudo: true}
	_, _, err := l.Exec(context.Background(), "true")
	var se *SudoError
	if !errors.As(err, &se) {
		t.Fatalf("got %v, want *SudoError", err)
	}
	want := "host laptop: user deploy needs password-less sudo (add 'deploy ALL=(ALL) NOPASSWD: ALL' to /etc/sudoers.d/kubeup)"
	if err.Error() != want {
		t.Errorf("got %q\nwant %q", err, want)
	}
}

func assertFile(t *testing.T, p, content string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil || string(b) != content {
		t.Fatalf("%s = %q, %v; want %q", p, b, err, content)
	}
	st, err := os.Stat(p)
	if err != nil || st.Mode().Perm() != mode {
		t.Fatalf("%s mode = %v, %v; want %v", p, st.Mode().Perm(), err, mode)
	}
}

func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}
