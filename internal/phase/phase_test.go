package phase

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/hostfile"
)

// cluster is the typed run context of these tests.
type cluster struct {
	hosts []*host.Fake
	mu    sync.Mutex
	trace []string // "phase/host" in the order work happened
}

func newCluster(names ...string) *cluster {
	c := &cluster{}
	for _, n := range names {
		c.hosts = append(c.hosts, host.NewFake(n).On(`.`, host.Reply{}))
	}
	return c
}

func (c *cluster) all() []host.Host {
	var hs []host.Host
	for _, h := range c.hosts {
		hs = append(hs, h)
	}
	return hs
}

func (c *cluster) record(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.trace = append(c.trace, s)
}

func allHosts(c *cluster) []host.Host { return c.all() }

// tracing is a phase that records that it ran on each host.
func tracing(name string) Phase[*cluster] {
	return Phase[*cluster]{Name: name, Hosts: allHosts, Run: func(_ context.Context, c *cluster, s *Step) error {
		c.record(name + "/" + s.HostName())
		return nil
	}}
}

func mustRun(t *testing.T, o Options, c *cluster, phases ...Phase[*cluster]) (*Report, error) {
	t.Helper()
	r, err := New(o, phases...)
	if err != nil {
		t.Fatal(err)
	}
	return r.Run(context.Background(), c)
}

func TestPhasesRunInOrder(t *testing.T) {
	c := newCluster("node1", "node2", "node3")
	local := Phase[*cluster]{Name: "pki", Run: func(_ context.Context, c *cluster, s *Step) error {
		if s.Host() != nil || s.HostName() != "" {
			t.Errorf("a phase without hosts got host %q", s.HostName())
		}
		c.record("pki/local")
		return nil
	}}
	serial := tracing("control-plane")
	serial.Concurrency = 1
	rep, err := mustRun(t, Options{}, c, tracing("connect"), local, tracing("etcd"), serial)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(c.trace[7:]); got != "[control-plane/node1 control-plane/node2 control-plane/node3]" {
		t.Fatalf("a serial phase ran out of host order: %s", got)
	}
	c.trace = c.trace[:7]
	phaseOf := func(s string) string { return s[:strings.IndexByte(s, '/')] }
	order := map[string]int{"connect": 0, "pki": 1, "etcd": 2, "control-plane": 3}
	for i := 1; i < len(c.trace); i++ {
		if order[phaseOf(c.trace[i-1])] > order[phaseOf(c.trace[i])] {
			t.Fatalf("phases overlapped or ran out of order: %q", c.trace)
		}
	}
	if len(c.trace) != 7 {
		t.Fatalf("trace = %q", c.trace)
	}
	if rep.Status != StatusOK || len(rep.Phases) != 4 || len(rep.Phases[0].Hosts) != 3 || rep.Phases[0].Hosts[2].Host != "node3" {
		t.Fatalf("report = %+v", rep)
	}
}

func TestFanOutRespectsLimit(t *testing.T) {
	names := make([]string, 50)
	for i := range names {
		names[i] = fmt.Sprintf("node%d", i)
	}
	tests := []struct {
		name        string
		runnerLimit int
		phaseLimit  int
		runLimit    int // from the run, through Phase.Limit
		want        int64
	}{
		{"default", 0, 0, 0, DefaultConcurrency},
		{"--concurrency 5", 5, 0, 0, 5},
		{"serial phase", 0, 1, 0, 1},
		{"limit from the run", 0, 0, 3, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cur, peak atomic.Int64
			p := Phase[*cluster]{Name: "work", Hosts: allHosts, Concurrency: tt.phaseLimit,
				Run: func(context.Context, *cluster, *Step) error {
					n := cur.Add(1)
					for {
						old := peak.Load()
						if n <= old || peak.CompareAndSwap(old, n) {
							break
						}
					}
					time.Sleep(20 * time.Millisecond)
					cur.Add(-1)
					return nil
				}}
			if tt.runLimit > 0 {
				p.Limit = func(*cluster) int { return tt.runLimit }
			}
			n := 50
			if tt.phaseLimit == 1 || tt.runLimit > 0 {
				n = 10
			}
			if _, err := mustRun(t, Options{Concurrency: tt.runnerLimit}, newCluster(names[:n]...), p); err != nil {
				t.Fatal(err)
			}
			if peak.Load() != tt.want {
				t.Fatalf("peak concurrency %d, want %d", peak.Load(), tt.want)
			}
		})
	}
}

func TestErrorsWrappedAndJoined(t *testing.T) {
	c := newCluster("node1", "node2", "node3")
	c.hosts[0].On(`^systemctl start etcd$`, host.Reply{Code: 1, Stderr: "Job for etcd.service failed"})
	c.hosts[2].On(`^systemctl start etcd$`, host.Reply{Code: 3, Stderr: "unit not found"})
	etcd := Phase[*cluster]{Name: "etcd", Hosts: allHosts, Run: func(ctx context.Context, _ *cluster, s *Step) error {
		return s.Wet("start etcd", func(h host.Host) error {
			_, _, err := h.Exec(ctx, "systemctl start etcd")
			return err
		})
	}}
	rep, err := mustRun(t, Options{}, c, etcd, tracing("after"))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		"phase etcd on node1: start etcd: command `systemctl start etcd` exited with code 1: Job for etcd.service failed",
		"phase etcd on node3: start etcd: command `systemctl start etcd` exited with code 3: unit not found",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "node2") {
		t.Errorf("error names the host that succeeded: %v", err)
	}
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok || len(joined.Unwrap()) != 2 {
		t.Fatalf("want two joined errors, got %T %v", err, err)
	}
	var codes []int
	for _, e := range joined.Unwrap() {
		var he *HostError
		var ee *host.ExitError
		if !errors.As(e, &he) || !errors.As(e, &ee) || he.Phase != "etcd" {
			t.Fatalf("errors.As lost a cause: %v", e)
		}
		codes = append(codes, ee.Code)
	}
	if fmt.Sprint(codes) != "[1 3]" {
		t.Fatalf("exit codes %v", codes)
	}
	if len(c.trace) != 0 {
		t.Fatalf("a phase ran after a failed one: %q", c.trace)
	}
	if rep.Status != StatusFailed || rep.Phases[0].Hosts[1].Status != StatusOK || rep.Phases[0].Hosts[0].Status != StatusFailed {
		t.Fatalf("report statuses wrong: %+v", rep.Phases[0])
	}
}

// files is a phase that writes two files and restarts a service on every
// host, through Wet.
func files(c *cluster) Phase[*cluster] {
	return Phase[*cluster]{Name: "files", Hosts: allHosts, Run: func(ctx context.Context, _ *cluster, s *Step) error {
		changed := false
		for _, f := range []hostfile.File{
			{Path: "/etc/kubernetes/kubelet.conf", Mode: 0o600, Content: []byte("kubeconfig for " + s.HostName())},
			{Path: "/etc/systemd/system/kubelet.service", Mode: 0o644, Content: []byte("[Service]\n")},
		} {
			ch, err := writeIfDiffers(ctx, s, f)
			if err != nil {
				return err
			}
			changed = changed || ch
		}
		if !changed {
			return nil
		}
		return s.Wet("restart kubelet", func(h host.Host) error {
			_, _, err := h.Exec(ctx, "systemctl restart kubelet")
			return err
		})
	}}
}

// writeIfDiffers writes f through Wet when the host's copy is missing or
// differs, and reports whether it did.
func writeIfDiffers(ctx context.Context, s *Step, f hostfile.File) (bool, error) {
	if sum, err := s.Host().SHA256(ctx, f.Path); err == nil && sum == f.SHA256() {
		return false, nil
	}
	return true, s.Wet("write "+f.Path, func(h host.Host) error { return h.WriteFile(ctx, f) })
}

func TestDryRunChangesNothing(t *testing.T) {
	c := newCluster("node1", "node2")
	c.hosts[1].SetFile("/etc/systemd/system/kubelet.service", []byte("[Service]\n"), 0o644)
	var out bytes.Buffer
	rep, err := mustRun(t, Options{DryRun: true, Sink: NewTextSink(&out, false)}, c, files(c))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range c.hosts {
		if h.Changed() || strings.Contains(strings.Join(h.Commands(), "\n"), "restart") {
			t.Fatalf("dry run changed %s: %+v", h.Name(), h.Calls())
		}
	}
	want := []HostChanges{
		{Host: "node1", Changes: []string{
			"files: write /etc/kubernetes/kubelet.conf",
			"files: write /etc/systemd/system/kubelet.service",
			"files: restart kubelet"}},
		{Host: "node2", Changes: []string{
			"files: write /etc/kubernetes/kubelet.conf",
			"files: restart kubelet"}},
	}
	got := rep.ChangesByHost()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("changes by host:\n got %v\nwant %v", got, want)
	}
	for _, line := range []string{"Dry run: listing the changes", "    node1:\n      - write /etc/kubernetes/kubelet.conf\n",
		"      - restart kubelet\n", "Dry run: 5 change(s) planned, nothing was changed"} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("output lacks %q:\n%s", line, out.String())
		}
	}

	// The real run makes exactly those changes; the next one none.
	rep, err = mustRun(t, Options{}, c, files(c))
	if err != nil || rep.Changes() != 5 {
		t.Fatalf("wet run: %d changes, %v", rep.Changes(), err)
	}
	if f, _ := c.hosts[0].File("/etc/kubernetes/kubelet.conf"); string(f.Content) != "kubeconfig for node1" || f.Mode != 0o600 {
		t.Fatalf("file not written: %+v", f)
	}
	rep, err = mustRun(t, Options{}, c, files(c))
	if err != nil || rep.Changes() != 0 {
		t.Fatalf("re-run: %d changes, %v", rep.Changes(), err)
	}
}

func TestWriteOutsideWetFails(t *testing.T) {
	c := newCluster("node1")
	p := Phase[*cluster]{Name: "sneaky", Hosts: allHosts, Run: func(ctx context.Context, _ *cluster, s *Step) error {
		return s.Host().WriteFile(ctx, hostfile.File{Path: "/etc/x", Mode: 0o644})
	}}
	_, err := mustRun(t, Options{}, c, p)
	if err == nil || !strings.Contains(err.Error(), "phase sneaky on node1: write /etc/x outside Step.Wet") {
		t.Fatalf("got %v", err)
	}
	if c.hosts[0].Changed() {
		t.Fatal("the write went through")
	}
}

func TestSkipPhases(t *testing.T) {
	c := newCluster("node1")
	inCerts := func(name string) Phase[*cluster] { p := tracing(name); p.Group = "certs"; return p }
	phases := []Phase[*cluster]{inCerts("certs/ca"), inCerts("certs/apiserver"), tracing("certsx"), tracing("etcd")}
	rep, err := mustRun(t, Options{SkipPhases: []string{"certs", "etcd"}}, c, phases...)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(c.trace) != "[certsx/node1]" {
		t.Fatalf("ran %q", c.trace)
	}
	if rep.Phases[0].Status != StatusSkipped || rep.Phases[2].Status != StatusOK {
		t.Fatalf("statuses: %s %s", rep.Phases[0].Status, rep.Phases[2].Status)
	}
	_, err = New(Options{SkipPhases: []string{"cert"}}, phases...)
	if err == nil || err.Error() != `--skip-phases: no phase is named "cert": choose from certs/ca, certs/apiserver, certsx, etcd` {
		t.Fatalf("unknown skip: %v", err)
	}
}

func TestNewRejectsBadPhases(t *testing.T) {
	for _, ps := range [][]Phase[*cluster]{
		{tracing("a"), tracing("a")},
		{tracing("has space")},
		{{Name: "norun"}},
		{tracing("undeclared/group")},
		{func() Phase[*cluster] { p := tracing("a/b"); p.Group = "c"; return p }()},
		{func() Phase[*cluster] { p := tracing("flat"); p.Group = "flat"; return p }()},
	} {
		if _, err := New(Options{}, ps...); err == nil {
			t.Errorf("accepted %v", ps[0].Name)
		}
	}
}

func TestJSONEvents(t *testing.T) {
	c := newCluster("node1", "node2")
	var out bytes.Buffer
	if _, err := mustRun(t, Options{Sink: NewJSONSink(&out)}, c, files(c), tracing("done")); err != nil {
		t.Fatal(err)
	}
	kinds := map[Kind]int{}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	for _, l := range lines {
		var e Event
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		kinds[e.Kind]++
		if e.Time.IsZero() {
			t.Fatalf("event without time: %s", l)
		}
		if e.Kind == KindChange && (e.Host == "" || e.Phase != "files" || e.Message == "") {
			t.Fatalf("change event lacks host, phase or message: %s", l)
		}
	}
	want := map[Kind]int{KindRunStart: 1, KindPhaseStart: 2, KindChange: 6, KindHostEnd: 4, KindPhaseEnd: 2, KindRunEnd: 1}
	if fmt.Sprint(kinds) != fmt.Sprint(want) {
		t.Fatalf("event kinds %v, want %v", kinds, want)
	}
	var last map[string]any
	json.Unmarshal([]byte(lines[len(lines)-1]), &last)
	if last["kind"] != "run_end" || last["status"] != "ok" || last["changes"] != 6.0 {
		t.Fatalf("run_end = %v", last)
	}
	if _, ok := last["seconds"].(float64); !ok {
		t.Fatalf("run_end has no numeric seconds: %v", last)
	}
}

func TestDebugLogRedactsSecrets(t *testing.T) {
	const token = "abcdef.0123456789abcdef"
	key := "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB3kq8Bq9Q2nZ4Ue6XyVqQmT1n1r5Zt1mM8y2bE3YkQ2oAoGCCqGSM49\nAwEHoUQDQgAE3Xk9qZ5E3W1J0aH8oQ\n-----END EC PRIVATE KEY-----\n"
	c := newCluster("node1")
	c.hosts[0].On(`kubectl`, host.Reply{Code: 1, Stderr: "bad token " + token})
	red := NewRedactor()
	var log, events bytes.Buffer
	p := Phase[*cluster]{Name: "bootstrap", Hosts: allHosts, Run: func(ctx context.Context, _ *cluster, s *Step) error {
		s.Secret(token)
		s.Secret(key)
		if _, err := writeIfDiffers(ctx, s, hostfile.File{Path: "/etc/kubernetes/pki/sa.key", Mode: 0o600, Content: []byte(key)}); err != nil {
			return err
		}
		s.Log().Info("key loaded", "key", key, "line", strings.Split(key, "\n")[1])
		return s.Wet("create token secret", func(h host.Host) error {
			_, _, err := h.Exec(ctx, "kubectl create secret generic --from-literal=token="+token)
			return err
		})
	}}
	_, err := mustRun(t, Options{Log: NewDebugLogger(&log, red), Redactor: red, Sink: NewJSONSink(&events)}, c, p)
	if err == nil {
		t.Fatal("want the kubectl error")
	}
	for name, text := range map[string]string{"debug log": log.String(), "events": events.String()} {
		for _, secret := range []string{token, "MHcCAQEEIB3kq8Bq9Q2nZ4Ue6XyVqQmT1n1r5Zt1mM8y2bE3YkQ2oAoGCCqGSM49", "AwEHoUQDQgAE3Xk9qZ5E3W1J0aH8oQ"} {
			if strings.Contains(text, secret) {
				t.Errorf("%s leaks %q:\n%s", name, secret, text)
			}
		}
		if !strings.Contains(text, Redacted) {
			t.Errorf("%s has nothing redacted:\n%s", name, text)
		}
	}
	t.Logf("debug log:\n%s\nerror: %v", log.String(), err)
	for _, want := range []string{"phase=bootstrap", "host=node1", "path=/etc/kubernetes/pki/sa.key", "msg=exec"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("debug log lacks %q:\n%s", want, log.String())
		}
	}
}

func TestCancellation(t *testing.T) {
	c := newCluster("node1", "node2", "node3")
	for _, h := range c.hosts {
		h.On(`^sleep`, host.Reply{Delay: time.Minute})
	}
	wait := Phase[*cluster]{Name: "wait", Hosts: allHosts, Concurrency: 1, Run: func(ctx context.Context, _ *cluster, s *Step) error {
		_, _, err := s.Host().Exec(ctx, "sleep 60")
		return err
	}}
	r, err := New(Options{}, tracing("before"), wait, tracing("after"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	rep, err := r.Run(ctx, c)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("run took %s after cancel", d)
	}
	if !errors.Is(err, ErrInterrupted) || !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	t.Logf("interrupted: %v", err)
	if msg := err.Error(); !strings.HasPrefix(msg, "interrupted in phase wait") || strings.Contains(msg, "on node") {
		t.Fatalf("message %q", msg)
	}
	if strings.Contains(fmt.Sprint(c.trace), "after") {
		t.Fatalf("a phase ran after the interrupt: %q", c.trace)
	}
	if rep.Status != StatusInterrupted || rep.Phases[1].Status != StatusInterrupted {
		t.Fatalf("statuses %s %s", rep.Status, rep.Phases[1].Status)
	}
	for _, h := range rep.Phases[1].Hosts {
		if h.Status != StatusInterrupted {
			t.Fatalf("host %s: %s", h.Host, h.Status)
		}
	}
	if len(c.hosts[1].Commands()) != 0 {
		t.Fatal("a host waiting for its turn started after the interrupt")
	}
}

func TestPanicBecomesError(t *testing.T) {
	c := newCluster("node1")
	p := Phase[*cluster]{Name: "buggy", Hosts: allHosts, Run: func(context.Context, *cluster, *Step) error { panic("oops") }}
	_, err := mustRun(t, Options{}, c, p)
	if err == nil || !strings.Contains(err.Error(), "phase buggy on node1: panic: oops") {
		t.Fatalf("got %v", err)
	}
}

// stepClock advances one second per reading.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

func TestTextSinkTerminal(t *testing.T) {
	c := newCluster("node1")
	c.hosts[0].On(`fail`, host.Reply{Code: 1})
	failing := Phase[*cluster]{Name: "etcd", Hosts: allHosts, Run: func(ctx context.Context, _ *cluster, s *Step) error {
		_, _, err := s.Host().Exec(ctx, "fail")
		return err
	}}
	var out bytes.Buffer
	clk := &stepClock{}
	_, err := mustRun(t, Options{Sink: NewTextSink(&out, true), Now: clk.now, SkipPhases: []string{"skipped"}}, c,
		files(c), tracing("skipped"), failing)
	if err == nil {
		t.Fatal("no error")
	}
	want := " • files ...\r\x1b[K ✓ files (14.0s, 3 changes)\n" +
		" - skipped (skipped: --skip-phases)\n" +
		" • etcd ...\r\x1b[K ✗ etcd (5.0s)\n" +
		"Failed after 26.0s\n"
	if out.String() != want {
		t.Fatalf("got\n%q\nwant\n%q", out.String(), want)
	}
}

func TestTextSinkPlain(t *testing.T) {
	c := newCluster("node1")
	var out bytes.Buffer
	clk := &stepClock{}
	if _, err := mustRun(t, Options{Sink: NewTextSink(&out, false), Now: clk.now}, c, files(c)); err != nil {
		t.Fatal(err)
	}
	want := "phase files: started on node1\n" +
		"  node1: write /etc/kubernetes/kubelet.conf (1.0s)\n" +
		"  node1: write /etc/systemd/system/kubelet.service (1.0s)\n" +
		"  node1: restart kubelet (1.0s)\n" +
		"phase files: ok in 14.0s, 3 changes\n" +
		"Done: 3 change(s) in 18.0s\n"
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestTimingTable(t *testing.T) {
	c := newCluster("node1", "node2")
	clk := &stepClock{}
	rep, err := mustRun(t, Options{Now: clk.now, Concurrency: 1}, c, tracing("connect"), files(c))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep.WriteTimings(&out)
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "PHASE") || !strings.HasPrefix(lines[1], "connect") ||
		!strings.Contains(lines[2], "files") || !strings.Contains(lines[2], " 6 ") || !strings.HasPrefix(lines[3], "total") {
		t.Fatalf("table:\n%s", out.String())
	}
	t.Logf("\n%s", out.String())
}

// TestReportsGoToTheReportSink: Step.Report lines are events; the text
// sink leaves them to the report sink, which prints them as they are.
func TestReportsGoToTheReportSink(t *testing.T) {
	c := newCluster("node1", "node2")
	var text, reports, js bytes.Buffer
	check := Phase[*cluster]{Name: "check", Hosts: allHosts, Run: func(_ context.Context, c *cluster, s *Step) error {
		s.Report("✓ " + s.HostName() + ": healthy")
		return nil
	}}
	sink := MultiSink(NewTextSink(&text, false), NewReportSink(&reports), NewJSONSink(&js))
	if _, err := mustRun(t, Options{Sink: sink, Concurrency: 1}, c, check); err != nil {
		t.Fatal(err)
	}
	if reports.String() != "✓ node1: healthy\n✓ node2: healthy\n" {
		t.Errorf("report sink wrote %q", reports.String())
	}
	if strings.Contains(text.String(), "healthy") {
		t.Errorf("text sink printed a report line:\n%s", text.String())
	}
	n := 0
	for _, l := range strings.Split(strings.TrimSpace(js.String()), "\n") {
		var e Event
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		if e.Kind == KindReport && e.Phase == "check" && strings.HasSuffix(e.Message, e.Host+": healthy") {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d report events with phase, host and message, want 2:\n%s", n, js.String())
	}
}
