package progress

import (
	"fmt"
	"slices"
	"time"
)

// Step is one named piece of work without byte counts, such as building a
// component. On a terminal it shows in the status line while it runs and
// ends as a line with a check mark or a cross and its duration; otherwise
// it writes a start line and a done (or failed) line. A nil *Step does
// nothing.
type Step struct {
	d     *Display
	name  string
	start time.Time
	ended bool
}

// Step starts a step called name ("build kube-apiserver").
func (d *Display) Step(name string) *Step {
	if d == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	s := &Step{d: d, name: name, start: d.opts.Now()}
	d.steps = append(d.steps, s)
	if d.opts.Terminal {
		d.redrawLocked()
	} else {
		fmt.Fprintf(d.out, "start  %s\n", name)
	}
	return s
}

// Done ends the step; err nil means success. Later calls do nothing.
func (s *Step) Done(err error) {
	s.end(func() string { return s.summary(s.d.opts.Now(), err) })
}

// Skip ends the step as not needed (for example up to date), with reason.
func (s *Step) Skip(reason string) {
	s.end(func() string {
		mark := "skip  "
		if s.d.opts.Terminal {
			mark = "✓"
		}
		return fmt.Sprintf("%s %s (%s)", mark, s.name, reason)
	})
}

// end removes the step from the live display and prints line() as its
// permanent line, once; a nil step or a second end does nothing.
func (s *Step) end(line func() string) {
	if s == nil {
		return
	}
	d := s.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if s.ended {
		return
	}
	s.ended = true
	d.steps = slices.DeleteFunc(d.steps, func(o *Step) bool { return o == s })
	d.permanentLocked(line())
}

// summary is the permanent line for a finished step.
func (s *Step) summary(now time.Time, err error) string {
	took := Duration(now.Sub(s.start))
	mark, fail := "done  ", "failed"
	if s.d.opts.Terminal {
		mark, fail = "✓", "✗"
	}
	if err != nil {
		return fmt.Sprintf("%s %s after %s: %v", fail, s.name, took, err)
	}
	return fmt.Sprintf("%s %s (%s)", mark, s.name, took)
}
