// Package journal keeps, in a cluster's state directory, the record of
// what each apply or reset completed on each host: one JSON line per
// phase a host finished, per change and per run start and end. The next
// run reads it to say where the last one stopped and what it resumes.
package journal

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"kubeup.dev/kubeup/internal/phase"
)

// FileName is the journal's name in the state directory.
const FileName = "journal.jsonl"

// maxSize is the size at which the journal is rotated to journal.1.jsonl
// before a new run is recorded.
const maxSize = 1 << 20

// Record is one journal line.
type Record struct {
	Time    time.Time    `json:"time"`
	Command string       `json:"command"`
	Kind    phase.Kind   `json:"kind"`
	Phase   string       `json:"phase,omitempty"`
	Host    string       `json:"host,omitempty"`
	Status  phase.Status `json:"status,omitempty"`
	Message string       `json:"message,omitempty"`
	Changes int          `json:"changes,omitempty"`
	Error   string       `json:"error,omitempty"`
}

// Writer appends a run's records; it is a phase.Sink. Dry runs are not
// recorded: they complete nothing.
type Writer struct {
	mu      sync.Mutex
	f       *os.File
	command string
	err     error
}

// Open appends to DIR/journal.jsonl (0600) for command (apply, reset).
func Open(dir, command string) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	path := filepath.Join(dir, FileName)
	if st, err := os.Stat(path); err == nil && st.Size() > maxSize {
		if err := os.Rename(path, filepath.Join(dir, "journal.1.jsonl")); err != nil {
			return nil, fmt.Errorf("journal: rotate: %w", err)
		}
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	return &Writer{f: f, command: command}, nil
}

// Event records the events that say what completed.
func (w *Writer) Event(e phase.Event) {
	if e.DryRun {
		return
	}
	switch e.Kind {
	case phase.KindRunStart, phase.KindHostEnd, phase.KindChange, phase.KindPhaseEnd, phase.KindRunEnd:
	default:
		return
	}
	rec := Record{Time: e.Time, Command: w.command, Kind: e.Kind, Phase: e.Phase, Host: e.Host, Status: e.Status,
		Changes: e.Changes, Error: e.Error}
	if e.Kind == phase.KindChange {
		rec.Message = e.Message
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.f.Write(append(b, '\n')); err != nil && w.err == nil {
		w.err = err
	}
	if e.Kind == phase.KindRunEnd && w.err == nil {
		w.err = w.f.Sync()
	}
}

// Close closes the file and reports the first write error.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return errors.Join(w.err, w.f.Close())
}

// Run is what the journal says about one run.
type Run struct {
	Command string
	Started time.Time
	// Ended is false when the run stopped without recording its end
	// (killed, or the machine went down).
	Ended  bool
	Status phase.Status
	// Done lists, per host, the phases the host completed in order.
	Done map[string][]string
	// Phases lists the phases that completed on all their hosts.
	Phases []string
	// FailedPhase, FailedHost and Error name the first failure.
	FailedPhase, FailedHost, Error string
	Changes                        int
}

// Last reads DIR's journal and returns the last run of command, or nil
// when there is none.
func Last(dir, command string) (*Run, error) {
	f, err := os.Open(filepath.Join(dir, FileName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	defer f.Close()
	var last *Run
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var rec Record
		if json.Unmarshal(sc.Bytes(), &rec) != nil || rec.Command != command {
			continue // a line cut short by a crash, or another command's
		}
		if rec.Kind == phase.KindRunStart {
			last = &Run{Command: command, Started: rec.Time, Done: map[string][]string{}}
			continue
		}
		if last != nil {
			last.add(rec)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	return last, nil
}

func (r *Run) add(rec Record) {
	switch rec.Kind {
	case phase.KindHostEnd:
		if rec.Status == phase.StatusOK {
			r.Done[rec.Host] = append(r.Done[rec.Host], rec.Phase)
		} else if r.FailedPhase == "" && rec.Status == phase.StatusFailed {
			r.FailedPhase, r.FailedHost, r.Error = rec.Phase, rec.Host, rec.Error
		}
	case phase.KindPhaseEnd:
		if rec.Status == phase.StatusOK {
			r.Phases = append(r.Phases, rec.Phase)
		} else if r.FailedPhase == "" && rec.Status != phase.StatusSkipped {
			r.FailedPhase, r.Error = rec.Phase, rec.Error
		}
	case phase.KindRunEnd:
		r.Ended, r.Status, r.Changes = true, rec.Status, rec.Changes
	}
}

// Converged reports whether the run ended well.
func (r *Run) Converged() bool { return r.Ended && r.Status == phase.StatusOK }

// Summary is one line for the next run: where this run stopped and what
// completed, or empty when it converged.
func (r *Run) Summary() string {
	if r.Converged() {
		return ""
	}
	return r.Outcome() + ": this run checks them again and changes only what is not done"
}

// Outcome says how the run ended and what it completed.
func (r *Run) Outcome() string {
	when := r.Started.Local().Format("2006-01-02 15:04:05")
	if r.Converged() {
		return fmt.Sprintf("the %s of %s converged (%d changes)", r.Command, when, r.Changes)
	}
	how := "did not finish (interrupted or killed)"
	switch {
	case r.Ended && r.Status == phase.StatusInterrupted && r.FailedPhase != "":
		how = "was interrupted in phase " + r.FailedPhase
	case r.Ended && r.Status == phase.StatusInterrupted:
		how = "was interrupted"
	case r.FailedHost != "":
		how = fmt.Sprintf("failed in phase %s on %s", r.FailedPhase, r.FailedHost)
	case r.FailedPhase != "":
		how = fmt.Sprintf("failed in phase %s", r.FailedPhase)
	}
	done := "no phase completed"
	if n := len(r.Phases); n > 0 {
		done = fmt.Sprintf("%d phases completed (last: %s)", n, r.Phases[n-1])
	}
	return fmt.Sprintf("the %s of %s %s; %s", r.Command, when, how, done)
}
