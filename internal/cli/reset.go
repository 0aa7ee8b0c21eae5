package cli

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/pki"
	"kubeup.dev/kubeup/internal/plan"
	"kubeup.dev/kubeup/internal/remoteops"
	"kubeup.dev/kubeup/internal/reset"
	"kubeup.dev/kubeup/internal/spec"
	"kubeup.dev/kubeup/internal/state"
	"kubeup.dev/kubeup/internal/supervisor"
)

// resetOptions are the flags of kubeup reset.
type resetOptions struct {
	file           string
	yes            bool
	hosts          []string
	dryRun         bool
	concurrency    int
	output         string
	acceptHostKeys bool
	sshTimeout     time.Duration
	drainTimeout   time.Duration
	force          bool
	// isTerminal reports whether the confirmation can be asked on in.
	isTerminal func(in io.Reader) bool
}

func newResetCmd(app *App) *cobra.Command {
	o := &resetOptions{isTerminal: readerIsTerminal}
	cmd := &cobra.Command{
		Use:   "reset -f FILE",
		Short: "Remove everything kubeup put on the hosts: services, containers, files, interfaces, iptables rules",
		Long: "Reset removes what kubeup recorded it installed on each host (" + remoteops.InstallRecordPath + ", written by apply):\n" +
			"it stops and disables kubeup's units, removes the kubelet's pod containers and the images kubeup imported,\n" +
			"unmounts the kubelet's volumes, deletes the CNI interfaces, flannel's routes and the iptables chains KUBE-*\n" +
			"and FLANNEL-*, and removes the files, binaries and data directories kubeup wrote, on every host in parallel.\n" +
			"Other containers, routes, files and directories stay. A second reset changes nothing.\n" +
			"A host that carries no mark of this cluster but holds Kubernetes is refused (exit 4) unless --force;\n" +
			"then reset prints what it removes there, and keeps /var/lib/etcd.\n" +
			"With --host it resets only those workers, draining and deleting their Nodes first.\n" +
			"The CA and certificates in the state directory are kept, so a later apply keeps the same CA.",
		Example: "  kubeup reset -f cluster.yaml --dry-run\n  kubeup reset -f cluster.yaml --yes\n  kubeup reset -f cluster.yaml --host node3",
		Args:    exactArgs(0),
		RunE:    func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), app) },
	}
	f := cmd.Flags()
	f.StringVarP(&o.file, "file", "f", "", "the cluster spec (required)")
	f.BoolVarP(&o.yes, "yes", "y", false, "do not ask for confirmation")
	f.StringArrayVar(&o.hosts, "host", nil, "reset only this worker (repeatable); its Node is drained and deleted first")
	f.BoolVar(&o.dryRun, "dry-run", false, "list every change per host and change nothing")
	f.IntVar(&o.concurrency, "concurrency", phase.DefaultConcurrency, "hosts a phase works on at once")
	f.StringVarP(&o.output, "output", "o", "text", "progress format: text or json (one event per line)")
	f.BoolVar(&o.acceptHostKeys, "accept-new-host-keys", false, "trust and record host keys not yet in known_hosts (a changed key always fails)")
	f.DurationVar(&o.sshTimeout, "ssh-timeout", host.DefaultTimeout, "how long a host may not answer before reset fails")
	f.DurationVar(&o.drainTimeout, "drain-timeout", reset.DefaultDrainTimeout, "how long --host waits for the Node's pods to be evicted")
	f.BoolVar(&o.force, "force", false, "also reset hosts that carry no mark of this cluster but hold Kubernetes: only what kubeup installs is removed, and the list is printed first")
	return cmd
}

func (o *resetOptions) run(ctx context.Context, app *App) error {
	if o.output != "text" && o.output != "json" {
		return usageError{fmt.Errorf("-o %q: use text or json", o.output)}
	}
	c, err := loadValidSpec(app.Err, o.file)
	if err != nil {
		return err
	}
	sel, err := reset.Selection(c, o.hosts)
	if err != nil {
		return usageError{err}
	}
	if err := o.confirm(app, c, sel); err != nil {
		return err
	}
	dir := state.Dir(o.file, c.Metadata.Name)
	logFile, err := openDebugLog(dir, "reset", o.dryRun)
	if err != nil {
		return err
	}
	defer logFile.Close()
	khDir := dir // a dry run records no new host key
	if o.dryRun {
		sc, err := newScratch(dir)
		if err != nil {
			return err
		}
		defer sc.Close()
		khDir = sc.dir
	}
	r, err := o.prepare(app, c, dir, khDir, logFile)
	if err != nil {
		return err
	}
	defer r.Close()
	return o.execute(ctx, app, r, sel, logFile)
}

// confirm asks for "yes" on a terminal unless --yes or --dry-run; without
// a terminal it refuses.
func (o *resetOptions) confirm(app *App, c *spec.Cluster, sel []string) error {
	if o.yes || o.dryRun {
		return nil
	}
	if !o.isTerminal(app.In) {
		return usageError{errors.New("reset deletes the cluster's workloads and data and asks for confirmation, but standard input is not a terminal: pass --yes to reset without asking (or --dry-run to only list the changes)")}
	}
	targets := "every host of cluster " + c.Metadata.Name
	if len(sel) > 0 {
		targets = strings.Join(sel, ", ") + " (drained and deleted from cluster " + c.Metadata.Name + " first)"
	}
	fmt.Fprintf(app.Err, "This removes kubeup's services, containers, files, interfaces and iptables rules from %s.\nTheir pods and data are lost. Type yes to continue: ", targets)
	line, err := bufio.NewReader(app.In).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read confirmation: %w", err)
	}
	if strings.TrimSpace(line) != "yes" {
		return errors.New("reset cancelled: nothing was changed")
	}
	return nil
}

// readerIsTerminal reports whether r is a terminal.
func readerIsTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	return term.IsTerminal(int(f.Fd()))
}

// prepare builds the run: the planned paths, the PKI when the state
// directory has one (for the drain), and a dialer.
func (o *resetOptions) prepare(app *App, c *spec.Cluster, dir, knownHostsDir string, logFile *os.File) (*remoteops.Run, error) {
	hosts, err := plannedPaths(c)
	if err != nil {
		return nil, err
	}
	// Without certificates the drain warns and is left out.
	st, _ := pki.Load(state.PKIDir(dir), c)
	log := phase.NewDebugLogger(logFile, phase.NewRedactor())
	return remoteops.New(c, remoteops.Options{StateDir: dir, Plan: &plan.Cluster{Hosts: hosts, PKI: st}, Log: log,
		// Reset stops the systemd units a host's record lists, whatever
		// the spec's mode now says; static pods and DaemonSet pods go
		// with the kubelet's containers.
		Supervisor: supervisor.Systemd{},
		Dialer:     userDialer(app, knownHostsDir, host.DialOptions{Timeout: o.sshTimeout, AcceptNewHostKeys: o.acceptHostKeys, Logger: log}),
	}), nil
}

// plannedPaths plans the cluster in a throw-away state directory: reset
// needs only which paths apply writes on each host, which depend on the
// spec alone, and must neither create nor re-issue the real state.
func plannedPaths(c *spec.Cluster) ([]plan.HostFiles, error) {
	tmp, err := os.MkdirTemp("", "kubeup-reset-")
	if err != nil {
		return nil, fmt.Errorf("plan paths: %w", err)
	}
	defer os.RemoveAll(tmp)
	pc, err := plan.ForCluster(tmp, c, time.Now(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("plan paths of cluster %s: %w", c.Metadata.Name, err)
	}
	return pc.Hosts, nil
}

func (o *resetOptions) execute(ctx context.Context, app *App, r *remoteops.Run, sel []string, logFile *os.File) error {
	sink := progressSink(app, o.output)
	ps := reset.Phases(reset.Options{Hosts: sel, DrainTimeout: o.drainTimeout, Force: o.force})
	jr, _, err := openJournal(app.Err, r.StateDir, "reset", o.dryRun)
	if err != nil {
		return err
	}
	runner, err := phase.New(phase.Options{Concurrency: o.concurrency, DryRun: o.dryRun, Sink: withJournal(sink, jr), Log: r.Log}, ps...)
	if err != nil {
		closeJournal(app, jr)
		return err
	}
	rep, runErr := runner.Run(ctx, r)
	reportRun(app, r, rep, jr, o.output, logFile)
	if errors.Is(runErr, reset.ErrNotMarked) {
		return &ExitError{Code: ExitPreflight, Err: fmt.Errorf("%w\nnothing was changed on any host", runErr)}
	}
	if runErr != nil {
		return fmt.Errorf("%w\nreset again once fixed: it resumes where it stopped", runErr)
	}
	o.summary(app.Out, r, rep, sel)
	return nil
}

func (o *resetOptions) summary(w io.Writer, r *remoteops.Run, rep *phase.Report, sel []string) {
	if o.output == "json" {
		return
	}
	name := r.Cluster.Metadata.Name
	switch {
	case o.dryRun:
		fmt.Fprintf(w, "dry run: %d changes planned, nothing changed\n", rep.Changes())
		return
	case len(sel) > 0:
		fmt.Fprintf(w, "reset %s of cluster %s (%d changes)\n", strings.Join(sel, ", "), name, rep.Changes())
		return
	case rep.Changes() == 0:
		fmt.Fprintf(w, "cluster %s: nothing to reset, no host has anything of kubeup\n", name)
	default:
		fmt.Fprintf(w, "cluster %s reset on %d hosts (%d changes)\n", name, len(r.Cluster.Spec.Hosts), rep.Changes())
	}
	fmt.Fprintf(w, "kept the cluster's CA, certificates and secrets in %s, so a later apply keeps the same CA (remove that directory to forget the cluster)\n", r.StateDir)
}
