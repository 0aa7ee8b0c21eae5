package phase

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/hostfile"
)

// Step is what a phase's Run gets for one host: a read-only view of the
// host, Wet for changes, Do for timed steps, and a logger.
type Step struct {
	x     *run
	phase string
	name  string
	host  host.Host // logged; nil for a phase without hosts
	log   *slog.Logger

	mu      sync.Mutex
	changes []string
}

// Host returns the host for reading: Exec, ReadFile and SHA256 work, but
// Upload and WriteFile fail outside Wet. Commands that change the host
// must run inside Wet too. It is nil for a phase without hosts.
func (s *Step) Host() host.Host {
	if s.host == nil {
		return nil
	}
	return readOnly{s.host}
}

// HostName is the host's name, "" for a phase without hosts.
func (s *Step) HostName() string { return s.name }

// Skipping reports whether --skip-phases names phase (or its group).
func (s *Step) Skipping(phase string) bool {
	return slices.ContainsFunc(s.x.o.SkipPhases, func(skip string) bool { return strings.TrimSuffix(skip, "/") == phase })
}

// Phase is the phase's name.
func (s *Step) Phase() string { return s.phase }

// DryRun reports whether changes are only listed.
func (s *Step) DryRun() bool { return s.x.o.DryRun }

// Log is the debug log with the phase and host attached.
func (s *Step) Log() *slog.Logger { return s.log }

// Secret registers values that must never appear in the debug log or in
// events (tokens, keys).
func (s *Step) Secret(values ...string) { s.x.o.Redactor.Add(values...) }

// Changes lists the changes made (or, in a dry run, planned) so far.
func (s *Step) Changes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.changes...)
}

// RunChanges counts the changes made (or planned) so far in the whole
// run, by every phase and host.
func (s *Step) RunChanges() int { return int(s.x.changes.Load()) }

// Wet makes one change to the host, described by what ("write
// /etc/kubernetes/admin.conf", "restart kubelet"): fn gets the writable
// host (nil for a phase without hosts). In a dry run fn is not called and
// the change is only listed. Every change to a host must go through Wet.
func (s *Step) Wet(what string, fn func(h host.Host) error) error {
	s.x.changes.Add(1)
	s.mu.Lock()
	s.changes = append(s.changes, what)
	s.mu.Unlock()
	if s.DryRun() {
		s.log.Debug("would change", "what", what)
		s.x.emit(Event{Kind: KindChange, Phase: s.phase, Host: s.name, Message: what, DryRun: true})
		return nil
	}
	start := s.x.o.Now()
	err := fn(s.host)
	d := s.x.o.Now().Sub(start)
	s.log.Debug("change", "what", what, "took", d, errAttr(err))
	s.x.emit(Event{Kind: KindChange, Phase: s.phase, Host: s.name, Message: what, Duration: Duration(d),
		Status: statusOf(err), Error: errString(err)})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// Do runs a step that changes nothing but takes time ("wait for etcd to
// be healthy") and reports it with its duration. It runs in dry runs too.
func (s *Step) Do(what string, fn func() error) error {
	start := s.x.o.Now()
	err := fn()
	d := s.x.o.Now().Sub(start)
	s.log.Debug("step", "what", what, "took", d, errAttr(err))
	s.x.emit(Event{Kind: KindStep, Phase: s.phase, Host: s.name, Message: what, Duration: Duration(d),
		Status: statusOf(err), Error: errString(err)})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// Report emits one result line ("✓ node1: etcd healthy") as a report
// event: text output prints it as is, -o json as an event.
func (s *Step) Report(line string) {
	s.x.emit(Event{Kind: KindReport, Phase: s.phase, Host: s.name, Message: line})
}

// readOnly is a host whose file writes fail: Step.Host outside Wet.
type readOnly struct{ host.Host }

func (r readOnly) Upload(_ context.Context, _ io.Reader, path string, _ fs.FileMode) error {
	return errOutsideWet(path)
}

func (r readOnly) WriteFile(_ context.Context, f hostfile.File) error { return errOutsideWet(f.Path) }

func (r readOnly) Close() error {
	return errors.New("phases must not close hosts: the caller owns them")
}

func errOutsideWet(path string) error {
	return fmt.Errorf("write %s outside Step.Wet: every change to a host must go through Wet (a bug in kubeup)", path)
}
