package progress

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

// fakeClock is a clock that tests move by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newTest(terminal bool) (*Display, *bytes.Buffer, *fakeClock) {
	var buf bytes.Buffer
	clk := &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	return New(&buf, Options{Terminal: terminal, Now: clk.now}), &buf, clk
}

func TestPlainTransferLines(t *testing.T) {
	d, buf, clk := newTest(false)
	tr := d.Transfer("kube-apiserver", 4<<20)
	clk.advance(2 * time.Second)
	tr.Add(4 << 20)
	tr.Done(nil)
	tr.Done(errors.New("ignored: already done"))
	failed := d.Transfer("etcd.tar.gz", -1)
	clk.advance(time.Second)
	failed.Done(errors.New("checksum mismatch"))
	want := "start  kube-apiserver (4.0 MiB)\n" +
		"done   kube-apiserver 4.0 MiB in 2.0s (2.0 MiB/s)\n" +
		"start  etcd.tar.gz\n" +
		"failed etcd.tar.gz after 1.0s: checksum mismatch\n"
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestTerminalStatusLineShowsRateAndETA(t *testing.T) {
	d, buf, clk := newTest(true)
	a := d.Transfer("a", 10<<20)
	b := d.Transfer("b", 10<<20)
	clk.advance(time.Second)
	a.Add(1 << 20)
	clk.advance(time.Second)
	b.Add(3 << 20)
	out := buf.String()
	last := out[strings.LastIndex(out, "\r\x1b[K")+4:]
	// 4 MiB of 20 MiB at 0.5+1.5 = 2 MiB/s leaves 16 MiB: 8 s.
	want := "↓ 2 files 4.0 MiB/20.0 MiB 2.0 MiB/s ETA 8.0s: a, b"
	if last != want {
		t.Errorf("status line %q, want %q", last, want)
	}
	a.Done(nil)
	if !strings.Contains(buf.String(), "\r\x1b[K✓ a 1.0 MiB in 2.0s") {
		t.Errorf("no check-mark line for a in %q", buf.String())
	}
}

func TestTerminalRedrawIsThrottled(t *testing.T) {
	d, buf, clk := newTest(true)
	tr := d.Transfer("a", 100)
	n := strings.Count(buf.String(), "\r")
	for range 10 {
		tr.Add(1)
	}
	if got := strings.Count(buf.String(), "\r"); got != n {
		t.Errorf("redrew %d times without the clock moving", got-n)
	}
	clk.advance(time.Second)
	tr.Add(1)
	if got := strings.Count(buf.String(), "\r"); got != n+1 {
		t.Errorf("redraws after the interval = %d, want 1", got-n)
	}
}

func TestSteps(t *testing.T) {
	d, buf, clk := newTest(false)
	s := d.Step("build kube-apiserver")
	clk.advance(62 * time.Second)
	s.Done(nil)
	d.Step("build etcd").Done(errors.New("exit status 1"))
	d.Step("build flanneld").Skip("up to date")
	want := "start  build kube-apiserver\n" +
		"done   build kube-apiserver (1m02s)\n" +
		"start  build etcd\n" +
		"failed build etcd after 0.0s: exit status 1\n" +
		"start  build flanneld\n" +
		"skip   build flanneld (up to date)\n"
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestTerminalStepEndsWithMark(t *testing.T) {
	d, buf, clk := newTest(true)
	s := d.Step("build etcd")
	clk.advance(3 * time.Second)
	d.Printf("note")
	s.Done(errors.New("boom"))
	out := buf.String()
	for _, want := range []string{"⋯ build etcd 0.0s", "\r\x1b[Knote\n\r\x1b[K⋯ build etcd 3.0s", "✗ build etcd after 3.0s: boom\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output %q lacks %q", out, want)
		}
	}
	if !strings.HasSuffix(out, "\r\x1b[K✗ build etcd after 3.0s: boom\n") {
		t.Errorf("status line not cleared before the last line: %q", out)
	}
}

func TestNilDisplayIsSilent(t *testing.T) {
	var d *Display
	tr := d.Transfer("x", 1)
	if n, err := tr.Write([]byte("abc")); n != 3 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	tr.Retry(time.Second, errors.New("x"))
	tr.Done(nil)
	d.Step("x").Done(nil)
	d.Printf("x")
}

func TestFormats(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1536: "1.5 KiB", 88 << 20: "88.0 MiB", 3 << 30: "3.0 GiB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
	for d, want := range map[time.Duration]string{200 * time.Millisecond: "0.2s", 62 * time.Second: "1m02s", 62 * time.Minute: "1h02m"} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%v) = %q, want %q", d, got, want)
		}
	}
}
