package phase

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Kind says what an Event reports.
type Kind string

// The kinds of events, in the order a run emits them.
const (
	KindRunStart   Kind = "run_start"
	KindPhaseStart Kind = "phase_start"
	KindStep       Kind = "step"     // a timed step on a host (Step.Do)
	KindChange     Kind = "change"   // a change to a host (Step.Wet), or a planned one
	KindReport     Kind = "report"   // a result line (Step.Report): a check, a status
	KindHostEnd    Kind = "host_end" // a phase finished on one host
	KindPhaseEnd   Kind = "phase_end"
	KindRunEnd     Kind = "run_end"
)

// Status is how a phase, host, step or run ended.
type Status string

// The statuses.
const (
	StatusOK          Status = "ok"
	StatusFailed      Status = "failed"
	StatusSkipped     Status = "skipped"
	StatusInterrupted Status = "interrupted"
)

// Event is one progress report. Its text fields are redacted.
type Event struct {
	Time     time.Time `json:"time"`
	Kind     Kind      `json:"kind"`
	Phase    string    `json:"phase,omitempty"`
	Host     string    `json:"host,omitempty"`
	Hosts    []string  `json:"hosts,omitempty"`   // phase_start
	Message  string    `json:"message,omitempty"` // what changed, or why a phase was skipped
	Status   Status    `json:"status,omitempty"`
	Duration Duration  `json:"seconds,omitempty"`
	Changes  int       `json:"changes,omitempty"`
	DryRun   bool      `json:"dryRun,omitempty"`
	Error    string    `json:"error,omitempty"`
}

// Duration is a time.Duration written to JSON as seconds.
type Duration time.Duration

// MarshalJSON writes seconds with millisecond precision.
func (d Duration) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, time.Duration(d).Seconds(), 'f', 3, 64), nil
}

// UnmarshalJSON reads seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	*d = Duration(f * float64(time.Second))
	return nil
}

// Sink receives a run's events. The runner calls it from one goroutine
// at a time.
type Sink interface {
	Event(Event)
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(Event)

// Event implements Sink.
func (f SinkFunc) Event(e Event) { f(e) }

// MultiSink sends every event to each sink in turn (a terminal and a
// journal, say).
func MultiSink(sinks ...Sink) Sink {
	return SinkFunc(func(e Event) {
		for _, s := range sinks {
			s.Event(e)
		}
	})
}

// NewJSONSink writes one JSON object per event and line (-o json).
func NewJSONSink(w io.Writer) Sink {
	enc := json.NewEncoder(w)
	return SinkFunc(func(e Event) { _ = enc.Encode(e) })
}

// NewReportSink writes the message of every report event as one line:
// the results that text output prints on stdout while progress goes to
// stderr.
func NewReportSink(w io.Writer) Sink {
	return SinkFunc(func(e Event) {
		if e.Kind == KindReport {
			fmt.Fprintln(w, e.Message)
		}
	})
}

// NewTextSink writes progress for people. On a terminal (tty) each phase
// is one status line that ends in ✓ or ✗ with its duration; otherwise
// plain lines, one per phase start and end and per change. In a dry run
// the planned changes follow each phase, grouped by host.
func NewTextSink(w io.Writer, tty bool) Sink {
	return &textSink{w: w, tty: tty}
}

type textSink struct {
	w       io.Writer
	tty     bool
	open    bool                // a status line without newline is shown
	planned map[string][]string // the current phase's dry-run changes by host
	order   []string            // hosts in the order of their first change
}

func (t *textSink) Event(e Event) {
	switch e.Kind {
	case KindRunStart:
		if e.DryRun {
			t.printf("Dry run: listing the changes, changing nothing\n")
		}
	case KindPhaseStart:
		t.phaseStart(e)
	case KindChange:
		t.change(e)
	case KindStep:
		if !t.tty {
			t.printf("  %s: %s (%s)%s\n", hostLabel(e.Host), e.Message, short(e.Duration), failure(e))
		}
	case KindPhaseEnd:
		t.phaseEnd(e)
	case KindRunEnd:
		t.runEnd(e)
	}
}

func (t *textSink) printf(format string, args ...any) { fmt.Fprintf(t.w, format, args...) }

func (t *textSink) phaseStart(e Event) {
	t.planned, t.order = map[string][]string{}, nil
	if t.tty {
		t.printf(" • %s ...", e.Phase)
		t.open = true
		return
	}
	where := "locally"
	if len(e.Hosts) > 0 {
		where = "on " + strings.Join(e.Hosts, ", ")
	}
	t.printf("phase %s: started %s\n", e.Phase, where)
}

func (t *textSink) change(e Event) {
	switch {
	case e.DryRun:
		if _, ok := t.planned[e.Host]; !ok {
			t.order = append(t.order, e.Host)
		}
		t.planned[e.Host] = append(t.planned[e.Host], e.Message)
	case !t.tty:
		t.printf("  %s: %s (%s)%s\n", hostLabel(e.Host), e.Message, short(e.Duration), failure(e))
	}
}

func (t *textSink) phaseEnd(e Event) {
	if t.open {
		t.printf("\r\x1b[K")
		t.open = false
	}
	switch {
	case e.Status == StatusSkipped && t.tty:
		t.printf(" - %s (skipped: %s)\n", e.Phase, e.Message)
	case e.Status == StatusSkipped:
		t.printf("phase %s: skipped (%s)\n", e.Phase, e.Message)
	case t.tty:
		t.printf(" %s %s (%s%s)\n", mark(e.Status), e.Phase, short(e.Duration), changeCount(e))
	default:
		t.printf("phase %s: %s in %s%s\n", e.Phase, e.Status, short(e.Duration), changeCount(e))
	}
	t.printPlanned()
}

// printPlanned lists the phase's dry-run changes by host.
func (t *textSink) printPlanned() {
	for _, h := range t.order {
		t.printf("    %s:\n", hostLabel(h))
		for _, c := range t.planned[h] {
			t.printf("      - %s\n", c)
		}
	}
	t.planned, t.order = nil, nil
}

func (t *textSink) runEnd(e Event) {
	switch {
	case e.DryRun:
		t.printf("Dry run: %d change(s) planned, nothing was changed\n", e.Changes)
	case e.Status == StatusOK && e.Changes == 0:
		t.printf("Nothing changed (%s)\n", short(e.Duration))
	case e.Status == StatusOK:
		t.printf("Done: %d change(s) in %s\n", e.Changes, short(e.Duration))
	default:
		t.printf("%s after %s\n", titleStatus(e.Status), short(e.Duration))
	}
}

func mark(s Status) string {
	if s == StatusOK {
		return "✓"
	}
	return "✗"
}

func titleStatus(s Status) string {
	if s == StatusInterrupted {
		return "Interrupted"
	}
	return "Failed"
}

func changeCount(e Event) string {
	switch {
	case e.Status == StatusInterrupted:
		return ", interrupted"
	case e.Changes == 0 || e.DryRun:
		return ""
	case e.Changes == 1:
		return ", 1 change"
	}
	return fmt.Sprintf(", %d changes", e.Changes)
}

func failure(e Event) string {
	if e.Error == "" {
		return ""
	}
	return ": " + e.Error
}

func hostLabel(h string) string {
	if h == "" {
		return "local"
	}
	return h
}

// short formats d for status lines: 0.3s, 12.4s, 1m05s.
func short(d Duration) string {
	td := time.Duration(d)
	if td < time.Minute {
		return fmt.Sprintf("%.1fs", td.Seconds())
	}
	return fmt.Sprintf("%dm%02ds", int(td.Minutes()), int(td.Seconds())%60)
}
