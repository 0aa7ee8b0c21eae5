package phase

import (
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// Report is the outcome of a run: every phase with its hosts, changes and
// timings.
type Report struct {
	DryRun   bool
	Status   Status
	Duration time.Duration
	Phases   []*PhaseReport
	start    time.Time
}

// PhaseReport is one phase's outcome.
type PhaseReport struct {
	Name     string
	Status   Status
	Duration time.Duration
	Hosts    []HostReport // in the order the phase selected them
	start    time.Time
}

// HostReport is one phase's outcome on one host.
type HostReport struct {
	Host     string // "" for a phase without hosts
	Status   Status
	Duration time.Duration
	Changes  []string // made, or planned in a dry run
	Err      error    // a *HostError
}

// Changes counts the phase's changes on all hosts.
func (p *PhaseReport) Changes() int {
	n := 0
	for _, h := range p.Hosts {
		n += len(h.Changes)
	}
	return n
}

// slowest returns the host that took longest.
func (p *PhaseReport) slowest() (HostReport, bool) {
	var s HostReport
	for _, h := range p.Hosts {
		if h.Duration >= s.Duration {
			s = h
		}
	}
	return s, len(p.Hosts) > 0
}

// Changes counts the changes of the whole run.
func (r *Report) Changes() int {
	n := 0
	for _, p := range r.Phases {
		n += p.Changes()
	}
	return n
}

// HostChanges is the list of changes on one host.
type HostChanges struct {
	Host    string
	Changes []string // "phase: what"
}

// ChangesByHost lists every change per host, hosts in order of first
// change and changes in run order.
func (r *Report) ChangesByHost() []HostChanges {
	var out []HostChanges
	idx := map[string]int{}
	for _, p := range r.Phases {
		for _, h := range p.Hosts {
			for _, c := range h.Changes {
				i, ok := idx[h.Host]
				if !ok {
					i = len(out)
					idx[h.Host] = i
					out = append(out, HostChanges{Host: h.Host})
				}
				out[i].Changes = append(out[i].Changes, p.Name+": "+c)
			}
		}
	}
	return out
}

// Errors returns the host errors of every phase.
func (r *Report) Errors() error {
	var errs []error
	for _, p := range r.Phases {
		for _, h := range p.Hosts {
			errs = append(errs, h.Err)
		}
	}
	return errors.Join(errs...)
}

// WriteTimings writes a table of phases with their host count, changes,
// duration and slowest host, and the total.
func (r *Report) WriteTimings(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PHASE\tSTATUS\tHOSTS\tCHANGES\tTIME\tSLOWEST")
	for _, p := range r.Phases {
		slow := "-"
		if s, ok := p.slowest(); ok && s.Host != "" {
			slow = fmt.Sprintf("%s %s", s.Host, short(Duration(s.Duration)))
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\n", p.Name, p.Status, len(p.Hosts), p.Changes(),
			short(Duration(p.Duration)), slow)
	}
	fmt.Fprintf(tw, "total\t%s\t\t%d\t%s\t\n", r.Status, r.Changes(), short(Duration(r.Duration)))
	return tw.Flush()
}
