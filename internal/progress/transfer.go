package progress

import (
	"fmt"
	"slices"
	"time"
)

// Transfer is one download (or any byte stream) in progress. Count bytes
// with Write (it fits io.MultiWriter and io.TeeReader) or Add, and end it
// with Done. A nil *Transfer does nothing.
type Transfer struct {
	d     *Display
	name  string
	total int64 // -1: unknown
	done  int64 // bytes present, including bytes from an earlier run
	fresh int64 // bytes moved since start: what the rate is made of
	start time.Time
	ended bool
}

// Transfer starts showing a transfer of total bytes (-1 when unknown).
func (d *Display) Transfer(name string, total int64) *Transfer {
	if d == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	t := &Transfer{d: d, name: name, total: total, start: d.opts.Now()}
	d.transfers = append(d.transfers, t)
	if d.opts.Terminal {
		d.redrawLocked()
	} else {
		fmt.Fprintf(d.out, "start  %s%s\n", name, sizeSuffix(total))
	}
	return t
}

// sizeSuffix is " (88.0 MiB)" for a known size and "" otherwise.
func sizeSuffix(total int64) string {
	if total < 0 {
		return ""
	}
	return " (" + Bytes(total) + ")"
}

// SetTotal sets the expected size once it is known (-1: unknown).
func (t *Transfer) SetTotal(total int64) {
	if t == nil {
		return
	}
	t.d.mu.Lock()
	defer t.d.mu.Unlock()
	t.total = total
}

// Restart says the transfer continues from offset bytes already present,
// as after a resumed (offset > 0) or restarted (offset 0) download.
func (t *Transfer) Restart(offset int64) {
	if t == nil {
		return
	}
	t.d.mu.Lock()
	defer t.d.mu.Unlock()
	t.done = offset
}

// Write counts len(p) bytes; it never fails.
func (t *Transfer) Write(p []byte) (int, error) {
	t.Add(int64(len(p)))
	return len(p), nil
}

// Add counts n more bytes.
func (t *Transfer) Add(n int64) {
	if t == nil {
		return
	}
	d := t.d
	d.mu.Lock()
	defer d.mu.Unlock()
	t.done += n
	t.fresh += n
	if d.opts.Terminal && d.opts.Now().Sub(d.lastDraw) >= d.opts.Interval {
		d.redrawLocked()
	}
}

// Retry reports that the transfer failed with err and is tried again after
// wait, resuming at the bytes already present.
func (t *Transfer) Retry(wait time.Duration, err error) {
	if t == nil {
		return
	}
	d := t.d
	d.mu.Lock()
	defer d.mu.Unlock()
	d.permanentLocked(fmt.Sprintf("retry  %s at %s in %s: %v", t.name, Bytes(t.done), Duration(wait), err))
}

// Done ends the transfer; err nil means success.
func (t *Transfer) Done(err error) {
	if t == nil {
		return
	}
	d := t.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if t.ended {
		return
	}
	t.ended = true
	d.transfers = slices.DeleteFunc(d.transfers, func(o *Transfer) bool { return o == t })
	d.permanentLocked(t.summary(d.opts.Now(), err))
}

// summary is the permanent line for a finished transfer.
func (t *Transfer) summary(now time.Time, err error) string {
	took := now.Sub(t.start)
	mark, fail := "done  ", "failed"
	if t.d.opts.Terminal {
		mark, fail = "✓", "✗"
	}
	if err != nil {
		return fmt.Sprintf("%s %s after %s: %v", fail, t.name, Duration(took), err)
	}
	line := fmt.Sprintf("%s %s %s in %s", mark, t.name, Bytes(t.done), Duration(took))
	if rate := t.rateAt(now); rate > 0 {
		line += " (" + Bytes(int64(rate)) + "/s)"
	}
	return line
}

// rateAt is the average rate in bytes per second of this run's bytes.
func (t *Transfer) rateAt(now time.Time) float64 {
	secs := now.Sub(t.start).Seconds()
	if secs <= 0 || t.fresh == 0 {
		return 0
	}
	return float64(t.fresh) / secs
}
