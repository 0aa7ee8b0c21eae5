package phase

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"kubeup.dev/kubeup/internal/host"
)

// run is the state of one Runner.Run: the report being built and the
// event stream, both guarded by mu.
type run struct {
	o       Options
	mu      sync.Mutex
	report  *Report
	changes atomic.Int64 // Wet calls so far, in every phase
}

func newRun(o Options) *run {
	return &run{o: o, report: &Report{DryRun: o.DryRun, start: o.Now()}}
}

// emit stamps e, redacts its text and hands it to the sink.
func (x *run) emit(e Event) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if e.Time.IsZero() {
		e.Time = x.o.Now()
	}
	e.Message = x.o.Redactor.Redact(e.Message)
	e.Error = x.o.Redactor.Redact(e.Error)
	x.o.Sink.Event(e)
}

func (x *run) skip(name, reason string) {
	x.mu.Lock()
	x.report.Phases = append(x.report.Phases, &PhaseReport{Name: name, Status: StatusSkipped})
	x.mu.Unlock()
	x.o.Log.Debug("phase skipped", "phase", name, "reason", reason)
	x.emit(Event{Kind: KindPhaseEnd, Phase: name, Status: StatusSkipped, Message: reason})
}

func (x *run) startPhase(name string, hosts []host.Host) *PhaseReport {
	pr := &PhaseReport{Name: name, start: x.o.Now()}
	x.mu.Lock()
	x.report.Phases = append(x.report.Phases, pr)
	x.mu.Unlock()
	names := hostNames(hosts)
	x.o.Log.Debug("phase start", "phase", name, "hosts", names)
	x.emit(Event{Kind: KindPhaseStart, Phase: name, Hosts: names, DryRun: x.o.DryRun})
	return pr
}

func (x *run) endPhase(pr *PhaseReport, results []HostReport, err error) {
	x.mu.Lock()
	pr.Hosts = results
	pr.Duration = x.o.Now().Sub(pr.start)
	pr.Status = statusOf(err)
	x.mu.Unlock()
	x.o.Log.Debug("phase end", "phase", pr.Name, "status", pr.Status, "took", pr.Duration, errAttr(err))
	x.emit(Event{Kind: KindPhaseEnd, Phase: pr.Name, Status: pr.Status, Duration: Duration(pr.Duration),
		Changes: pr.Changes(), DryRun: x.o.DryRun, Error: errString(err)})
}

func (x *run) finish(err error) {
	x.mu.Lock()
	r := x.report
	r.Duration = x.o.Now().Sub(r.start)
	r.Status = statusOf(err)
	x.mu.Unlock()
	x.o.Log.Debug("run end", "status", r.Status, "took", r.Duration, "changes", r.Changes(), errAttr(err))
	x.emit(Event{Kind: KindRunEnd, Status: r.Status, Duration: Duration(r.Duration), Changes: r.Changes(),
		DryRun: x.o.DryRun, Error: errString(err)})
}

// runHost runs fn for one host of a phase and reports it.
func (x *run) runHost(ctx context.Context, phase string, h host.Host, fn func(*Step) error) HostReport {
	s := x.newStep(phase, h)
	start := x.o.Now()
	err := x.call(s, fn)
	hr := HostReport{Host: s.name, Duration: x.o.Now().Sub(start), Changes: s.Changes(), Status: StatusOK}
	if err != nil {
		hr.Err = &HostError{Phase: phase, Host: s.name, Err: err}
		hr.Status = StatusFailed
		if ctx.Err() != nil && isCancellation(ctx, err) {
			hr.Status = StatusInterrupted
		}
	}
	s.log.Debug("host end", "status", hr.Status, "took", hr.Duration, "changes", len(hr.Changes), errAttr(err))
	x.emit(Event{Kind: KindHostEnd, Phase: phase, Host: s.name, Status: hr.Status, Duration: Duration(hr.Duration),
		Changes: len(hr.Changes), DryRun: x.o.DryRun, Error: errString(err)})
	return hr
}

// call runs fn, turning a panic into an error (the stack goes to the
// debug log).
func (x *run) call(s *Step, fn func(*Step) error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("panic", "value", fmt.Sprint(v), "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v (a bug in kubeup; the debug log has the stack)", v)
		}
	}()
	return fn(s)
}

// notStarted reports a host the phase never started because ctx ended.
func (x *run) notStarted(ctx context.Context, phase string, h host.Host) HostReport {
	name := hostName(h)
	return HostReport{Host: name, Status: StatusInterrupted,
		Err: &HostError{Phase: phase, Host: name, Err: context.Cause(ctx)}}
}

func (x *run) newStep(phase string, h host.Host) *Step {
	name := hostName(h)
	log := x.o.Log.With(slog.String("phase", phase))
	if name != "" {
		log = log.With(slog.String("host", name))
	}
	s := &Step{x: x, phase: phase, name: name, log: log}
	if h != nil {
		s.host = host.WithLog(h, log)
	}
	return s
}

func hostName(h host.Host) string {
	if h == nil {
		return ""
	}
	return h.Name()
}

func hostNames(hosts []host.Host) []string {
	var names []string
	for _, h := range hosts {
		if h != nil {
			names = append(names, h.Name())
		}
	}
	return names
}

func statusOf(err error) Status {
	switch {
	case err == nil:
		return StatusOK
	case isInterrupted(err):
		return StatusInterrupted
	}
	return StatusFailed
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
