package cli

import (
	"fmt"
	"io"
	"os"

	"kubeup.dev/kubeup/internal/journal"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/progress"
	"kubeup.dev/kubeup/internal/remoteops"
)

// progressSink shows a run's progress: lines for people on stderr and
// report lines (checks, what a dry run would do locally) on stdout, or with
// -o json one event per line on stdout and nothing else there.
func progressSink(app *App, output string) phase.Sink {
	if output == "json" {
		return phase.NewJSONSink(app.Out)
	}
	return phase.MultiSink(phase.NewTextSink(app.Err, progress.IsTerminal(app.Err)), phase.NewReportSink(app.Out))
}

// reportRun ends a run of apply or reset: it closes the journal, then
// prints the warnings, the timing table (text output) and where the
// debug log is.
func reportRun(app *App, r *remoteops.Run, rep *phase.Report, jr *journal.Writer, output string, logFile *os.File) {
	closeJournal(app, jr)
	for _, w := range r.Warnings() {
		fmt.Fprintln(app.Err, "warning:", w)
	}
	if rep != nil && output == "text" {
		_ = rep.WriteTimings(app.Err)
	}
	fmt.Fprintf(app.Err, "debug log: %s\n", logFile.Name())
}

// openJournal opens the state directory's journal for command and says
// where the last run of command stopped, if it did not converge. A dry run
// records nothing: its journal is nil.
func openJournal(w io.Writer, dir, command string, dryRun bool) (*journal.Writer, *journal.Run, error) {
	last, err := journal.Last(dir, command)
	if err != nil {
		fmt.Fprintf(w, "warning: %v: the last run is not known\n", err)
	} else if last != nil && last.Summary() != "" {
		fmt.Fprintf(w, "resuming: %s\n", last.Summary())
	}
	if dryRun {
		return nil, last, nil
	}
	jr, err := journal.Open(dir, command)
	return jr, last, err
}

// withJournal adds the journal jr, unless nil, to sink.
func withJournal(sink phase.Sink, jr *journal.Writer) phase.Sink {
	if jr == nil {
		return sink
	}
	return phase.MultiSink(sink, jr)
}

// closeJournal closes jr, unless nil, warning about a write that failed.
func closeJournal(app *App, jr *journal.Writer) {
	if jr == nil {
		return
	}
	if err := jr.Close(); err != nil {
		fmt.Fprintln(app.Err, "warning:", err)
	}
}
