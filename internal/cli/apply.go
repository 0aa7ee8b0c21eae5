package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"kubeup.dev/kubeup/internal/apply"
	"kubeup.dev/kubeup/internal/artifacts/cache"
	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/artifacts/source"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/plan"
	"kubeup.dev/kubeup/internal/progress"
	"kubeup.dev/kubeup/internal/remoteops"
	"kubeup.dev/kubeup/internal/spec"
	"kubeup.dev/kubeup/internal/state"
)

// applyOptions are the flags of kubeup apply.
type applyOptions struct {
	file            string
	dryRun          bool
	concurrency     int
	output          string
	ignorePreflight []string
	skipPhases      []string
	acceptHostKeys  bool
	sshTimeout      time.Duration
	cacheDir        string
	skipSmoke       bool
}

func newApplyCmd(app *App) *cobra.Command {
	o := &applyOptions{}
	cmd := &cobra.Command{
		Use:   "apply -f FILE",
		Short: "Deploy or converge the cluster on its hosts over SSH, then validate it",
		Long: "Apply connects to every host, checks it (preflight), distributes binaries and\n" +
			"images, writes every planned file that differs, starts etcd, the control plane,\n" +
			"kubelet (TLS bootstrapping), kube-proxy, flannel and CoreDNS, and validates the\n" +
			"cluster with smoke tests. Each phase runs on its hosts in parallel; re-running\n" +
			"converges. A debug log is written to .kubeup/<cluster>/logs/.\n\n" +
			"--dry-run connects and lists every change per host but writes nothing: it says\n" +
			"which certificates, keys and secrets it would create and which artifacts it\n" +
			"would build, and keeps its debug log in the temporary directory.",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), app) },
	}
	f := cmd.Flags()
	f.StringVarP(&o.file, "file", "f", "", "the cluster spec (required)")
	f.BoolVar(&o.dryRun, "dry-run", false, "list every change per host and change nothing")
	f.IntVar(&o.concurrency, "concurrency", phase.DefaultConcurrency, "hosts a phase works on at once")
	f.StringVarP(&o.output, "output", "o", "text", "progress format: text or json (one event per line)")
	f.StringSliceVar(&o.ignorePreflight, "ignore-preflight-errors", nil, "preflight checks whose errors become warnings (names, or all)")
	f.StringSliceVar(&o.skipPhases, "skip-phases", nil, "phases to skip (a name skips its children: etcd skips etcd/start and etcd/wait)")
	f.BoolVar(&o.acceptHostKeys, "accept-new-host-keys", false, "trust and record host keys not yet in known_hosts (a changed key always fails)")
	f.DurationVar(&o.sshTimeout, "ssh-timeout", host.DefaultTimeout, "how long a host may not answer before apply fails")
	f.StringVar(&o.cacheDir, "cache", "", "artifact cache (default ~/.cache/kubeup or $KUBEUP_CACHE)")
	f.BoolVar(&o.skipSmoke, "skip-smoke", false, "validate without the pod smoke tests")
	return cmd
}

func (o *applyOptions) run(ctx context.Context, app *App) error {
	if o.output != "text" && o.output != "json" {
		return usageError{fmt.Errorf("-o %q: use text or json", o.output)}
	}
	c, err := loadTargetSpec(app.Err, o.file, time.Now())
	if err != nil {
		return err
	}
	dir := state.Dir(o.file, c.Metadata.Name)
	logFile, err := openDebugLog(dir, "apply", o.dryRun)
	if err != nil {
		return err
	}
	defer logFile.Close()
	sink := progressSink(app, o.output)
	ro, cleanup, err := o.prepare(ctx, app, c, dir, logFile, sink)
	if err != nil {
		return err
	}
	defer cleanup()
	return o.execute(ctx, app, c, ro, sink, logFile)
}

// prepare chooses the run's parts: planned files, artifacts and a
// dialer. A dry run plans from a temporary copy of the state and uses the
// artifact cache read-only: it reports what it would create and build
// instead. cleanup removes what prepare made for the run.
func (o *applyOptions) prepare(ctx context.Context, app *App, c *spec.Cluster, dir string, logFile *os.File, sink phase.Sink) (ro remoteops.Options, cleanup func(), err error) {
	planDir, cleanup := dir, func() {}
	if o.dryRun {
		sc, err := newScratch(dir)
		if err != nil {
			return ro, nil, err
		}
		planDir, cleanup = sc.dir, func() { sc.Close() }
		defer func() {
			if err != nil {
				cleanup()
			}
		}()
	}
	pc, err := plan.ForCluster(planDir, c, time.Now(), rand.Reader)
	if err != nil {
		return ro, nil, fmt.Errorf("plan cluster %s: %w", c.Metadata.Name, err)
	}
	root, err := cache.Root(o.cacheDir, os.Getenv)
	if err != nil {
		return ro, nil, err
	}
	var m *manifest.Manifest
	var artDir string
	if o.dryRun {
		var would []string
		m, artDir, would, err = source.Check(ctx, c, source.Options{CacheRoot: root})
		if err != nil {
			return ro, nil, err
		}
		reportDryRun(sink, append(stateNotes(dir, pc.Changes), prefixed("would ", would)...))
	} else {
		disp := progress.New(app.Err, progress.Options{Terminal: progress.IsTerminal(app.Err)})
		if m, artDir, err = source.Resolve(ctx, c, source.Options{CacheRoot: root, Progress: disp}); err != nil {
			return ro, nil, err
		}
	}
	red := phase.NewRedactor(pc.Secrets.Values()...)
	log := phase.NewDebugLogger(logFile, red)
	return remoteops.Options{StateDir: dir, Plan: pc, Artifacts: m, ArtifactsDir: artDir, Log: log, Redactor: red,
		IgnorePreflight: o.ignorePreflight, SkipSmoke: o.skipSmoke,
		Dialer: userDialer(app, planDir, host.DialOptions{Timeout: o.sshTimeout, AcceptNewHostKeys: o.acceptHostKeys, Logger: log}),
	}, cleanup, nil
}

// execute builds the run of c from ro and what the journal says of the
// last apply, and runs apply's phases.
func (o *applyOptions) execute(ctx context.Context, app *App, c *spec.Cluster, ro remoteops.Options, sink phase.Sink, logFile *os.File) error {
	jr, last, err := openJournal(app.Err, ro.StateDir, "apply", o.dryRun)
	if err != nil {
		return err
	}
	ro.Converged = last != nil && last.Converged()
	r := remoteops.New(c, ro)
	defer r.Close()
	runner, err := phase.New(phase.Options{Concurrency: o.concurrency, DryRun: o.dryRun, SkipPhases: o.skipPhases,
		Sink: withJournal(sink, jr), Log: r.Log, Redactor: r.Redactor}, apply.Phases()...)
	if err != nil {
		closeJournal(app, jr)
		return usageError{err}
	}
	rep, runErr := runner.Run(ctx, r)
	reportRun(app, r, rep, jr, o.output, logFile)
	if runErr != nil {
		code := ExitFailure
		var pe *apply.PreflightError
		if errors.As(runErr, &pe) {
			code = ExitPreflight
		}
		return &ExitError{Code: code, Err: errors.New(r.Redactor.Redact(runErr.Error()))}
	}
	o.summary(app.Out, r, rep)
	return nil
}

func (o *applyOptions) summary(w io.Writer, r *remoteops.Run, rep *phase.Report) {
	if o.output == "json" {
		return
	}
	switch {
	case o.dryRun: // the progress sink already summed up the planned changes
	case rep.Changes() == 0:
		fmt.Fprintf(w, "cluster %s: nothing changed, everything is as the spec says\n", r.Cluster.Metadata.Name)
	default:
		fmt.Fprintf(w, "cluster %s is ready (%d changes)\n  export KUBECONFIG=%s\n  kubectl get nodes\n",
			r.Cluster.Metadata.Name, rep.Changes(), remoteops.AdminKubeconfigPath(r.StateDir))
	}
}

// openDebugLog creates STATE/logs/CMD-TIME.log (0600): kubeup always
// writes a debug log, with secrets redacted. A dry run writes nothing
// beside the spec: its log is kubeup-CMD-dry-run-*.log in the system's
// temporary directory.
func openDebugLog(dir, cmd string, dryRun bool) (*os.File, error) {
	if dryRun {
		f, err := os.CreateTemp("", "kubeup-"+cmd+"-dry-run-*.log")
		if err != nil {
			return nil, fmt.Errorf("debug log: %w", err)
		}
		return f, nil
	}
	logs := filepath.Join(dir, "logs")
	if err := os.MkdirAll(logs, 0o700); err != nil {
		return nil, fmt.Errorf("debug log: %w", err)
	}
	name := filepath.Join(logs, fmt.Sprintf("%s-%s.log", cmd, time.Now().Format("20060102-150405")))
	f, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("debug log: %w", err)
	}
	return f, nil
}

// prefixed puts prefix before every line.
func prefixed(prefix string, lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = prefix + l
	}
	return out
}
