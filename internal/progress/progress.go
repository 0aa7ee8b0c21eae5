// Package progress shows what long-running work is doing: byte counts, rate
// and ETA for downloads, and one line per step for builds. On a terminal it
// keeps one status line that it redraws in place, with a permanent line
// (check mark or cross) for each finished item; anywhere else it writes plain
// start and done lines that read well in a log file.
//
// Whether the output is a terminal is an input (Options.Terminal): the
// caller decides, usually at the CLI layer. A nil *Display is valid and
// shows nothing, so library code can take one without checking.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// Options configures a Display.
type Options struct {
	// Terminal redraws one status line in place; false writes plain lines.
	Terminal bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Interval is the least time between two redraws of the status line
	// caused by byte counts; zero means 100ms.
	Interval time.Duration
	// Width is the status line's maximum width in columns; zero means 80.
	Width int
}

// Display writes progress to one writer. It is safe for concurrent use.
type Display struct {
	mu        sync.Mutex
	out       io.Writer
	opts      Options
	transfers []*Transfer
	steps     []*Step
	drawn     bool      // a status line is on screen
	lastDraw  time.Time // when it was drawn
}

// New returns a Display writing to out.
func New(out io.Writer, opts Options) *Display {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Interval == 0 {
		opts.Interval = 100 * time.Millisecond
	}
	if opts.Width <= 0 {
		opts.Width = 80
	}
	return &Display{out: out, opts: opts}
}

// Printf writes a permanent line (a newline is added).
func (d *Display) Printf(format string, args ...any) {
	if d == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.permanentLocked(fmt.Sprintf(format, args...))
}

// permanentLocked writes line above the status line and redraws it.
func (d *Display) permanentLocked(line string) {
	if d.opts.Terminal {
		d.clearLocked()
	}
	fmt.Fprintln(d.out, line)
	d.redrawLocked()
}

// clearLocked erases the status line.
func (d *Display) clearLocked() {
	if d.drawn {
		fmt.Fprint(d.out, "\r\x1b[K")
		d.drawn = false
	}
}

// redrawLocked draws the status line on a terminal, if anything is active.
func (d *Display) redrawLocked() {
	if !d.opts.Terminal {
		return
	}
	d.lastDraw = d.opts.Now()
	line := d.statusLocked()
	if line == "" {
		d.clearLocked()
		return
	}
	fmt.Fprint(d.out, "\r\x1b[K"+line)
	d.drawn = true
}

// statusLocked renders the combined status line of active transfers and
// steps, cut to the configured width.
func (d *Display) statusLocked() string {
	var parts []string
	if len(d.transfers) > 0 {
		parts = append(parts, d.transferStatusLocked())
	}
	if len(d.steps) > 0 {
		parts = append(parts, d.stepStatusLocked())
	}
	return truncate(strings.Join(parts, " | "), d.opts.Width)
}

// transferStatusLocked is "↓ 3 files 45.2 MiB/120.0 MiB 12.3 MiB/s ETA 6s: a, b".
func (d *Display) transferStatusLocked() string {
	now := d.opts.Now()
	var done, total int64
	var rate float64
	known := true
	names := make([]string, 0, len(d.transfers))
	for _, t := range d.transfers {
		done += t.done
		if t.total < 0 {
			known = false
		} else {
			total += t.total
		}
		rate += t.rateAt(now)
		names = append(names, t.name)
	}
	s := fmt.Sprintf("↓ %d %s %s", len(d.transfers), plural(len(d.transfers), "file", "files"), Bytes(done))
	if known {
		s += "/" + Bytes(total)
	}
	if rate > 0 {
		s += " " + Bytes(int64(rate)) + "/s"
		if known && total > done {
			s += " ETA " + Duration(time.Duration(float64(total-done)/rate*float64(time.Second)))
		}
	}
	return s + ": " + strings.Join(names, ", ")
}

// stepStatusLocked is "⋯ build kube-apiserver 1m02s, build etcd 12s".
func (d *Display) stepStatusLocked() string {
	now := d.opts.Now()
	names := make([]string, 0, len(d.steps))
	for _, s := range d.steps {
		names = append(names, s.name+" "+Duration(now.Sub(s.start)))
	}
	return "⋯ " + strings.Join(names, ", ")
}

// plural picks the singular or plural form for n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// truncate cuts s to width runes, ending in "…" when cut.
func truncate(s string, width int) string {
	r := []rune(s)
	if len(r) <= width {
		return s
	}
	return string(r[:width-1]) + "…"
}

// Bytes formats n with binary units: "512 B", "1.5 KiB", "88.0 MiB".
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// Duration formats d for people: "0.2s", "4.2s", "1m02s", "1h02m".
func Duration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		d = d.Round(time.Second)
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	default:
		d = d.Round(time.Minute)
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
}

// IsTerminal reports whether w is a terminal (not merely a character
// device such as /dev/null), for
// callers deciding Options.Terminal. Anything but an *os.File is not.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	return term.IsTerminal(int(f.Fd()))
}
