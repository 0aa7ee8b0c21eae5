package host

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"kubeup.dev/kubeup/internal/hostfile"
)

func rootLocal(t *testing.T) *Local {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the local host runs file operations directly only as root; this test runs as a non-root user")
	}
	return NewLocal("local")
}

func TestLocalExec(t *testing.T) {
	l := NewLocal("local")
	ctx := context.Background()
	out, errb, err := l.Exec(ctx, "echo out; echo err >&2")
	if err != nil || string(out) != "out\n" || string(errb) != "err\n" {
		t.Fatalf("Exec = %q, %q, %v", out, errb, err)
	}
	_, _, err = l.Exec(ctx, "echo boom >&2; exit 3")
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != 3 || ee.Stderr != "boom" || ee.Host != "local" {
		t.Fatalf("Exec exit 3: %#v", err)
	}
	out, _, err = l.Exec(ctx, "cat", Stdin(strings.NewReader("piped")))
	if err != nil || string(out) != "piped" {
		t.Fatalf("Exec with stdin = %q, %v", out, err)
	}
	var stream bytes.Buffer
	out, _, err = l.Exec(ctx, "echo streamed", Stdout(&stream))
	if err != nil || out != nil || stream.String() != "streamed\n" {
		t.Fatalf("Exec streamed = %q, %q, %v", out, stream.String(), err)
	}
}

func TestLocalExecSensitive(t *testing.T) {
	_, _, err := NewLocal("local").Exec(context.Background(), "echo token-abc123 >/dev/null; exit 1", Sensitive())
	if err == nil || strings.Contains(err.Error(), "token-abc123") {
		t.Fatalf("sensitive command leaked or no error: %v", err)
	}
}

func TestLocalExecCancel(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := NewLocal("local").Exec(ctx, "sleep 30 & sleep 30; wait")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("cancellation took %s", d)
	}
}

func TestLocalUploadAtomic(t *testing.T) {
	l := rootLocal(t)
	ctx := context.Background()
	dir := t.TempDir()
	p := filepath.Join(dir, "a", "b", "secret.key")
	if err := l.WriteFile(ctx, hostfile.File{Path: p, Mode: 0o600, Content: []byte("v1")}); err != nil {
		t.Fatal(err)
	}
	assertFile(t, p, "v1", 0o600)

	// Readers never see a partial file while it is replaced.
	big := bytes.Repeat([]byte("x"), 4<<20)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if b, err := os.ReadFile(p); err == nil && string(b) != "v1" && len(b) != len(big) {
				t.Errorf("reader saw a partial file of %d bytes", len(b))
				return
			}
		}
	})
	if err := l.Upload(ctx, bytes.NewReader(big), p, 0o644); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	assertFile(t, p, string(big), 0o644)
	assertNoTemp(t, filepath.Dir(p))
}

func TestLocalUploadCancelledLeavesOldFile(t *testing.T) {
	l := rootLocal(t)
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Upload(ctx, strings.NewReader("new"), p, 0o644); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want Canceled", err)
	}
	assertFile(t, p, "old", 0o644)
	assertNoTemp(t, filepath.Dir(p))
}

func TestLocalReadAndHash(t *testing.T) {
	l := rootLocal(t)
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := l.ReadFile(ctx, p); err != nil || string(b) != "hello\n" {
		t.Fatalf("ReadFile = %q, %v", b, err)
	}
	f := hostfile.File{Content: []byte("hello\n")}
	if sum, err := l.SHA256(ctx, p); err != nil || sum != f.SHA256() {
		t.Fatalf("SHA256 = %s, %v", sum, err)
	}
	_, err := l.ReadFile(ctx, p+"-missing")
	if !errors.Is(err, fs.ErrNotExist) || strings.Count(err.Error(), p) != 1 {
		t.Fatalf("ReadFile missing: %v", err)
	}
	if _, err := l.SHA256(ctx, p+"-missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("SHA256 missing: %v", err)
	}
}

func TestUploadRejectsRelativePath(t *testing.T) {
	for _, h := range []Host{NewLocal("local"), NewFake("fake")} {
		if err := h.Upload(context.Background(), strings.NewReader("x"), "etc/x", 0o644); err == nil {
			t.Errorf("%T: relative path accepted", h)
		}
	}
}
