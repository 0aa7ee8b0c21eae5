package host

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"strings"
	"testing"
	"time"

	"kubeup.dev/kubeup/internal/hostfile"
)

var _ Host = (*Fake)(nil)
var _ Host = (*Local)(nil)
var _ Host = (*sshHost)(nil)

func TestFakeRulesByPattern(t *testing.T) {
	f := NewFake("node1").
		On(`^systemctl is-active`, Reply{Stdout: "active\n"}).
		On(`^systemctl is-active etcd$`, Reply{Stdout: "inactive\n", Code: 3}).
		OnFunc(`^cat$`, func(_ string, stdin []byte) Reply { return Reply{Stdout: string(stdin)} })
	ctx := context.Background()

	out, _, err := f.Exec(ctx, "systemctl is-active kubelet")
	if err != nil || string(out) != "active\n" {
		t.Fatalf("kubelet: %q, %v", out, err)
	}
	// The later, more specific rule wins; the order of calls does not matter.
	_, _, err = f.Exec(ctx, "systemctl is-active etcd")
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != 3 || ee.Host != "node1" {
		t.Fatalf("etcd: %v", err)
	}
	out, _, _ = f.Exec(ctx, "cat", Stdin(strings.NewReader("in")))
	if string(out) != "in" {
		t.Fatalf("stdin echo: %q", out)
	}
	if _, _, err := f.Exec(ctx, "reboot"); err == nil || !strings.Contains(err.Error(), `no rule matches command "reboot"`) {
		t.Fatalf("unmatched command: %v", err)
	}
	want := []string{"systemctl is-active kubelet", "systemctl is-active etcd", "cat", "reboot"}
	if got := f.Commands(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("Commands = %q", got)
	}
	if f.Calls()[2].Data == nil || string(f.Calls()[2].Data) != "in" {
		t.Fatalf("stdin not recorded: %+v", f.Calls()[2])
	}
}

func TestFakeFiles(t *testing.T) {
	f := NewFake("node1").SetFile("/etc/old", []byte("old"), 0o644)
	ctx := context.Background()
	hf := hostfile.File{Path: "/etc/kubernetes/x.conf", Mode: 0o600, Content: []byte("secret")}
	if err := f.WriteFile(ctx, hf); err != nil {
		t.Fatal(err)
	}
	if err := f.Upload(ctx, bytes.NewReader([]byte("bin")), "/usr/local/bin/k", 0o755); err != nil {
		t.Fatal(err)
	}
	got, ok := f.File("/etc/kubernetes/x.conf")
	if !ok || string(got.Content) != "secret" || got.Mode != 0o600 {
		t.Fatalf("File = %+v, %v", got, ok)
	}
	if sum, err := f.SHA256(ctx, hf.Path); err != nil || sum != hf.SHA256() {
		t.Fatalf("SHA256 = %s, %v", sum, err)
	}
	if b, err := f.ReadFile(ctx, "/etc/old"); err != nil || string(b) != "old" {
		t.Fatalf("ReadFile = %q, %v", b, err)
	}
	if _, err := f.ReadFile(ctx, "/nope"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("ReadFile missing: %v", err)
	}
	if _, err := f.SHA256(ctx, "/nope"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("SHA256 missing: %v", err)
	}
	if p := f.Paths(); len(p) != 3 || p[0] != "/etc/kubernetes/x.conf" {
		t.Fatalf("Paths = %q", p)
	}
	if !f.Changed() {
		t.Fatal("Changed = false after writes")
	}
	f.Close()
	if !f.Closed() {
		t.Fatal("Closed = false")
	}
}

func TestFakeDelayHonoursContext(t *testing.T) {
	f := NewFake("slow").On(".", Reply{Delay: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := f.Exec(ctx, "sleep"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
}

func TestWithLogNeverLogsSecrets(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f := NewFake("node1").On(".", Reply{})
	h := WithLog(f, log)
	ctx := context.Background()
	h.Exec(ctx, "echo tok3n-secret | kubectl apply -f -", Sensitive())
	h.Exec(ctx, "systemctl daemon-reload")
	h.WriteFile(ctx, hostfile.File{Path: "/etc/kubernetes/pki/ca.key", Mode: 0o600, Content: []byte("PRIVATE-KEY-BYTES")})
	h.WriteFile(ctx, hostfile.File{Path: "/etc/kubelet.conf", Mode: 0o644, Content: []byte("public-config")})
	out := buf.String()
	for _, leaked := range []string{"tok3n-secret", "PRIVATE-KEY-BYTES", "public-config"} {
		if strings.Contains(out, leaked) {
			t.Errorf("log contains %q:\n%s", leaked, out)
		}
	}
	for _, want := range []string{"systemctl daemon-reload", "/etc/kubernetes/pki/ca.key", "cmd=(redacted)"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}
