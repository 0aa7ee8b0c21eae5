// Package phase runs named phases in order, each fanned out over its hosts
// in parallel with a concurrency limit. Every change to a host goes
// through Step.Wet, so a dry run lists every change per host and changes
// nothing. Progress goes to a Sink as events; a debug log records every
// host operation with secrets redacted; Run returns a Report with timings.
//
// The runner is generic over the run's typed context C (the cluster being
// applied), which every phase receives; phases keep their data there, not
// in untyped bags.
//
// A journal of completed steps (resume after a failure) is a Sink: every
// change, step and per-host phase end arrives as an Event keyed by phase,
// host and description, in order, so a journal sink can persist them and
// phases can consult the journal through C.
package phase

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"kubeup.dev/kubeup/internal/host"
)

// DefaultConcurrency is how many hosts a phase works on at once.
const DefaultConcurrency = 20

// ErrInterrupted is wrapped by the error of a run whose context was
// cancelled (Ctrl-C).
var ErrInterrupted = errors.New("interrupted")

// Phase is one named step of a run. A phase may belong to a declared
// Group: its name is then "GROUP/NAME" ("etcd/start"), and skipping the
// group skips every phase of it (and a phase named as the group).
type Phase[C any] struct {
	Name string
	// Group is the group the phase belongs to; empty for none.
	Group string
	// Hosts selects the hosts the phase runs on, in order. Nil runs the
	// phase once without a host (Step.Host is nil), for work on the
	// machine running kubeup; an empty selection skips the phase.
	Hosts func(c C) []host.Host
	// Run does the phase's work on one host. Changes go through s.Wet.
	Run func(ctx context.Context, c C, s *Step) error
	// Concurrency overrides the runner's limit for this phase; 1 works on
	// one host at a time (control-plane restarts).
	Concurrency int
	// Limit, when set, is Concurrency read from the run when the phase
	// starts (a count the spec sets).
	Limit func(c C) int
}

// Options configure a Runner.
type Options struct {
	// Concurrency limits how many hosts a phase works on at once
	// (default DefaultConcurrency).
	Concurrency int
	// DryRun lists changes instead of making them.
	DryRun bool
	// SkipPhases names phases to skip; a name also skips its children.
	SkipPhases []string
	// Sink receives progress events; nil drops them.
	Sink Sink
	// Log is the debug log (see NewDebugLogger); nil discards it.
	Log *slog.Logger
	// Redactor hides secrets in events; the debug log should share it.
	// Nil creates one.
	Redactor *Redactor
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Runner runs a fixed list of phases.
type Runner[C any] struct {
	phases []Phase[C]
	o      Options
}

// New checks the phases and options and returns a Runner.
func New[C any](o Options, phases ...Phase[C]) (*Runner[C], error) {
	if err := checkPhases(phases); err != nil {
		return nil, err
	}
	r := &Runner[C]{phases: phases, o: o}
	if err := r.checkSkips(); err != nil {
		return nil, err
	}
	r.defaults()
	return r, nil
}

func (r *Runner[C]) defaults() {
	if r.o.Concurrency <= 0 {
		r.o.Concurrency = DefaultConcurrency
	}
	if r.o.Sink == nil {
		r.o.Sink = SinkFunc(func(Event) {})
	}
	if r.o.Log == nil {
		r.o.Log = slog.New(slog.DiscardHandler)
	}
	if r.o.Redactor == nil {
		r.o.Redactor = NewRedactor()
	}
	if r.o.Now == nil {
		r.o.Now = time.Now
	}
}

func checkPhases[C any](phases []Phase[C]) error {
	seen := map[string]bool{}
	for i, p := range phases {
		switch {
		case p.Name == "" || strings.ContainsAny(p.Name, " ,\t\n") || strings.HasPrefix(p.Name, "/") || strings.HasSuffix(p.Name, "/"):
			return fmt.Errorf("phase %d: name %q must be non-empty words separated by /", i, p.Name)
		case (p.Group != "") != strings.Contains(p.Name, "/") || p.Group != "" && !strings.HasPrefix(p.Name, p.Group+"/"):
			return fmt.Errorf("phase %q: a name GROUP/NAME declares its Group (got group %q)", p.Name, p.Group)
		case seen[p.Name]:
			return fmt.Errorf("phase %q is defined twice", p.Name)
		case p.Run == nil:
			return fmt.Errorf("phase %q has no Run function", p.Name)
		}
		seen[p.Name] = true
	}
	return nil
}

// checkSkips rejects --skip-phases names that match no phase.
func (r *Runner[C]) checkSkips() error {
	for _, s := range r.o.SkipPhases {
		if !slices.ContainsFunc(r.phases, func(p Phase[C]) bool { return matches(p.Name, p.Group, s) }) {
			return fmt.Errorf("--skip-phases: no phase is named %q: choose from %s", s, strings.Join(r.Names(), ", "))
		}
	}
	return nil
}

// matches reports whether skip names the phase or its declared group.
func matches(phase, group, skip string) bool {
	skip = strings.TrimSuffix(skip, "/")
	return phase == skip || group != "" && group == skip
}

// Names lists the phase names in order.
func (r *Runner[C]) Names() []string {
	var names []string
	for _, p := range r.phases {
		names = append(names, p.Name)
	}
	return names
}

func (r *Runner[C]) skipped(p Phase[C]) bool {
	return slices.ContainsFunc(r.o.SkipPhases, func(s string) bool { return matches(p.Name, p.Group, s) })
}

// Run runs the phases in order with c. It stops after the first phase that
// fails on any host (that phase finishes on its other hosts first) and
// returns every host error of that phase, joined. Cancelling ctx stops
// the run; the error then wraps ErrInterrupted and the context's cause.
func (r *Runner[C]) Run(ctx context.Context, c C) (*Report, error) {
	x := newRun(r.o)
	x.emit(Event{Kind: KindRunStart, DryRun: r.o.DryRun})
	var err error
	for _, p := range r.phases {
		if err = r.runPhase(ctx, x, p, c); err != nil {
			break
		}
	}
	x.finish(err)
	return x.report, err
}

// runPhase runs p on its hosts, records it and returns its error.
func (r *Runner[C]) runPhase(ctx context.Context, x *run, p Phase[C], c C) error {
	if err := ctx.Err(); err != nil {
		return interrupted(ctx, p.Name, nil)
	}
	if r.skipped(p) {
		x.skip(p.Name, "--skip-phases")
		return nil
	}
	hosts := []host.Host{nil}
	if p.Hosts != nil {
		hosts = p.Hosts(c)
	}
	if len(hosts) == 0 {
		x.skip(p.Name, "no hosts")
		return nil
	}
	pr := x.startPhase(p.Name, hosts)
	if p.Limit != nil {
		p.Concurrency = p.Limit(c)
	}
	results := r.fanOut(ctx, x, p, c, hosts)
	err := phaseErr(ctx, p.Name, results)
	x.endPhase(pr, results, err)
	return err
}

// fanOut runs p on every host, starting them in order, at most limit at
// once, and returns one result per host in host order. Hosts not started
// when ctx ends are reported as interrupted.
func (r *Runner[C]) fanOut(ctx context.Context, x *run, p Phase[C], c C, hosts []host.Host) []HostReport {
	limit := r.o.Concurrency
	if p.Concurrency > 0 {
		limit = min(limit, p.Concurrency)
	}
	sem := make(chan struct{}, limit)
	results := make([]HostReport, len(hosts))
	var wg sync.WaitGroup
	for i, h := range hosts {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil { // select picks at random when both are ready
			results[i] = x.notStarted(ctx, p.Name, h)
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			results[i] = x.runHost(ctx, p.Name, h, func(s *Step) error { return p.Run(ctx, c, s) })
		})
	}
	wg.Wait()
	return results
}

// phaseErr joins the host errors of a phase. When ctx was cancelled the
// error says so and drops the hosts' own cancellation errors.
func phaseErr(ctx context.Context, phase string, results []HostReport) error {
	var errs []error
	for _, hr := range results {
		if hr.Err != nil && (ctx.Err() == nil || !isCancellation(ctx, hr.Err)) {
			errs = append(errs, hr.Err)
		}
	}
	if ctx.Err() != nil {
		return interrupted(ctx, phase, errs)
	}
	return errors.Join(errs...)
}

func isCancellation(ctx context.Context, err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Cause(ctx))
}

// interrupted is the error of a run stopped by ctx during phase.
func interrupted(ctx context.Context, phase string, errs []error) error {
	cause := context.Cause(ctx)
	var err error
	if errors.Is(ctx.Err(), context.Canceled) {
		err = fmt.Errorf("%w in phase %s (%w): the next apply resumes from there", ErrInterrupted, phase, cause)
	} else {
		err = fmt.Errorf("phase %s: %w", phase, cause)
	}
	return errors.Join(append([]error{err}, errs...)...)
}

// HostError is a phase's failure on one host.
type HostError struct {
	Phase string
	Host  string // empty for a phase without hosts
	Err   error
}

func (e *HostError) Error() string {
	if e.Host == "" {
		return fmt.Sprintf("phase %s: %v", e.Phase, e.Err)
	}
	return fmt.Sprintf("phase %s on %s: %v", e.Phase, e.Host, e.Err)
}

func (e *HostError) Unwrap() error { return e.Err }
