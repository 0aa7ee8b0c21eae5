package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/journal"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/pki"
	"kubeup.dev/kubeup/internal/plan"
	"kubeup.dev/kubeup/internal/remoteops"
	"kubeup.dev/kubeup/internal/state"
	"kubeup.dev/kubeup/internal/status"
)

// statusOptions are the flags of kubeup status.
type statusOptions struct {
	file       string
	smoke      bool
	sshTimeout time.Duration
	timeout    time.Duration
}

func newStatusCmd(app *App) *cobra.Command {
	o := &statusOptions{}
	cmd := &cobra.Command{
		Use:   "status -f FILE",
		Short: "Check hosts, services, nodes, etcd and certificate expiry; changes nothing",
		Args:  exactArgs(0),
		RunE:  func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), app) },
	}
	cmd.Flags().StringVarP(&o.file, "file", "f", "", "the cluster spec (required)")
	cmd.Flags().BoolVar(&o.smoke, "smoke", false, "also run the pod smoke tests (pod-to-pod, DNS, Services)")
	cmd.Flags().DurationVar(&o.sshTimeout, "ssh-timeout", host.DefaultTimeout, "how long a host may not answer")
	cmd.Flags().DurationVar(&o.timeout, "timeout", 30*time.Second, "how long cluster checks wait")
	return cmd
}

func (o *statusOptions) run(ctx context.Context, app *App) error {
	c, err := loadValidSpec(app.Err, o.file)
	if err != nil {
		return err
	}
	dir := state.Dir(o.file, c.Metadata.Name)
	st, err := pki.Load(state.PKIDir(dir), c)
	if err != nil {
		return fmt.Errorf("cluster %s has no usable certificates (%w): run kubeup apply -f %s first", c.Metadata.Name, err, o.file)
	}
	waits := remoteops.DefaultWaits()
	waits.Nodes = o.timeout
	r := remoteops.New(c, remoteops.Options{StateDir: dir, Plan: &plan.Cluster{PKI: st}, SkipSmoke: !o.smoke, Waits: waits,
		Dialer: userDialer(app, dir, host.DialOptions{Timeout: o.sshTimeout})})
	defer r.Close()
	runner, err := phase.New(phase.Options{Sink: progressSink(app, "text")}, status.Phases()...)
	if err != nil {
		return err
	}
	_, runErr := runner.Run(ctx, r)
	printExpiry(app, st, time.Now())
	printLastApply(app.Out, dir)
	return runErr
}

// printLastApply says how the last apply in the journal ended.
func printLastApply(w io.Writer, dir string) {
	last, err := journal.Last(dir, "apply")
	switch {
	case err != nil:
		fmt.Fprintf(w, "✗ last apply: %v\n", err)
	case last == nil:
		fmt.Fprintln(w, "- last apply: none recorded in the journal")
	case last.Converged():
		fmt.Fprintf(w, "✓ last apply: %s\n", last.Outcome())
	default:
		fmt.Fprintf(w, "✗ last apply: %s: run kubeup apply again\n", last.Outcome())
	}
}

// printExpiry lists every certificate with its remaining validity, the
// soonest first being the one to watch.
func printExpiry(app *App, st *pki.Store, now time.Time) {
	for _, e := range st.Expiries() {
		left := e.NotAfter.Sub(now)
		mark := "✓"
		if left < 30*24*time.Hour {
			mark = "✗"
		}
		fmt.Fprintf(app.Out, "%s certificate %s expires %s (in %d days)\n", mark, e.Name, e.NotAfter.Format("2006-01-02"), int(left.Hours()/24))
	}
}
