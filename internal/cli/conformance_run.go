package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"kubeup.dev/kubeup/internal/conformance"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/spec"
	"kubeup.dev/kubeup/internal/state"
)

// conformanceRunOptions are the flags of kubeup conformance run.
type conformanceRunOptions struct {
	conformanceBuildOptions
	file       string
	kubeconfig string
	focus      string
	parallel   int
	timeout    time.Duration
	results    string
	sshTimeout time.Duration
}

func newConformanceRunCmd(app *App) *cobra.Command {
	o := &conformanceRunOptions{}
	cmd := &cobra.Command{
		Use:   "run (-f FILE | --kubeconfig FILE --kubernetes-version V)",
		Short: "Run the [Conformance] specs against a cluster and write a JUnit report and a summary",
		Long: "With -f, the cluster is the spec's: its version, its admin kubeconfig, and the test images are\n" +
			"loaded onto its hosts over SSH (no registry is needed). With --kubeconfig, any cluster: its nodes\n" +
			"pull the images from their registries. The Serial specs run alone, the rest in --parallel\n" +
			"processes; RESULTS/latest.json has the counts and each failure's spec and first error line.\n" +
			"Exit 1 when a spec failed.",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), app) },
	}
	f := cmd.Flags()
	f.StringVarP(&o.file, "file", "f", "", "the cluster spec")
	f.StringVar(&o.kubeconfig, "kubeconfig", "", "a cluster's kubeconfig, instead of -f (default $KUBECONFIG)")
	f.StringVar(&o.version, "kubernetes-version", "", "the cluster's Kubernetes version, with --kubeconfig")
	f.StringVar(&o.focus, "focus", "", "run only the Conformance specs whose names match this regular expression")
	f.IntVar(&o.parallel, "parallel", 4, "ginkgo processes for the specs that are not Serial")
	f.DurationVar(&o.timeout, "timeout", 3*time.Hour, "the longest each pass (serial, parallel) may take")
	f.StringVar(&o.results, "results", "", "directory for the reports and latest.json (default .kubeup/CLUSTER/conformance, or ./conformance-results)")
	f.DurationVar(&o.sshTimeout, "ssh-timeout", host.DefaultTimeout, "how long a host may not answer")
	o.goBuildFlags.add(f)
	return cmd
}

// mode is the spec's spec.controlPlane.mode, or "unknown" for a cluster
// named by its kubeconfig alone.
func (t target) mode() string {
	if t.cluster == nil {
		return "unknown"
	}
	return t.cluster.Spec.ControlPlane.Mode
}

// target is the cluster a run is against.
type target struct {
	version, kubeconfig, dnsDomain, results string
	cluster                                 *spec.Cluster // nil with --kubeconfig
	stateDir                                string
}

func (o *conformanceRunOptions) run(ctx context.Context, app *App) error {
	t, err := o.target(app)
	if err != nil {
		return err
	}
	kit, err := o.prepare(ctx, app, t.version)
	if err != nil {
		return err
	}
	if t.cluster != nil {
		if err := o.loadImages(ctx, app, t, kit); err != nil {
			return err
		}
	}
	opts := conformance.Options{E2ETest: kit.E2ETest, Ginkgo: kit.Ginkgo, Kubectl: kit.Kubectl, Kubeconfig: t.kubeconfig,
		DNSDomain: t.dnsDomain, Focus: o.focus, Parallel: o.parallel, SpecTimeout: o.timeout, OutDir: t.results, Log: app.Err}
	started := time.Now()
	s, err := conformance.Run(ctx, opts)
	if err != nil {
		return err
	}
	res := conformance.NewResult(t.version, t.mode(), opts, started, s, kit.Images.NotMade)
	path, err := res.Write(t.results)
	if err != nil {
		return err
	}
	printConformance(app, res, path)
	if s.Failed > 0 {
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("%d of %d conformance specs failed (see %s)", s.Failed, s.Failed+s.Passed, path)}
	}
	return nil
}

// target resolves the cluster from -f or --kubeconfig.
func (o *conformanceRunOptions) target(app *App) (target, error) {
	if o.parallel < 1 {
		return target{}, usageError{fmt.Errorf("--parallel %d: give 1 or more processes", o.parallel)}
	}
	if o.timeout <= 0 {
		return target{}, usageError{fmt.Errorf("--timeout %s: give a positive duration", o.timeout)}
	}
	if o.file != "" {
		return o.specTarget(app)
	}
	t := target{version: o.version, kubeconfig: o.kubeconfig, results: o.results}
	if t.kubeconfig == "" {
		t.kubeconfig = os.Getenv("KUBECONFIG")
	}
	switch {
	case t.kubeconfig == "":
		return t, usageError{errors.New("give -f FILE (a kubeup cluster) or --kubeconfig FILE (any cluster)")}
	case t.version == "":
		return t, usageError{errors.New("--kubernetes-version is required with --kubeconfig: the suite is built for the cluster's version")}
	case t.results == "":
		t.results = "conformance-results"
	}
	if _, err := os.Stat(t.kubeconfig); err != nil {
		return t, usageError{fmt.Errorf("kubeconfig: %w", err)}
	}
	return t, nil
}

// specTarget is the cluster of the spec -f names.
func (o *conformanceRunOptions) specTarget(app *App) (target, error) {
	if o.kubeconfig != "" || o.version != "" {
		return target{}, usageError{errors.New("-f takes the kubeconfig and version from the spec: drop --kubeconfig and --kubernetes-version")}
	}
	c, err := loadValidSpec(app.Err, o.file)
	if err != nil {
		return target{}, err
	}
	dir := state.Dir(o.file, c.Metadata.Name)
	t := target{version: c.Spec.KubernetesVersion, kubeconfig: filepath.Join(dir, "admin.conf"),
		dnsDomain: c.Spec.Network.DNSDomain, results: o.results, cluster: c, stateDir: dir}
	if _, err := os.Stat(t.kubeconfig); err != nil {
		return t, fmt.Errorf("cluster %s has no admin kubeconfig (%w): run kubeup apply -f %s first", c.Metadata.Name, err, o.file)
	}
	if t.results == "" {
		t.results = filepath.Join(dir, "conformance")
	}
	return t, nil
}

// loadImages puts the test images onto every host of the spec.
func (o *conformanceRunOptions) loadImages(ctx context.Context, app *App, t target, kit conformance.Kit) error {
	d := userDialer(app, t.stateDir, host.DialOptions{Timeout: o.sshTimeout})
	defer d.Close()
	var hosts []host.Host
	for _, h := range t.cluster.Spec.Hosts {
		hh, err := d.Dial(ctx, h)
		if err != nil {
			return fmt.Errorf("load the test images: %w", err)
		}
		defer hh.Close()
		hosts = append(hosts, hh)
	}
	return conformance.LoadImages(ctx, hosts, kit.Images, app.Err)
}

// printConformance prints the counts and one line per failure.
func printConformance(app *App, r conformance.Result, path string) {
	fmt.Fprintf(app.Out, "conformance %s: %d passed, %d failed, %d skipped in %s (%s)\n",
		r.KubernetesVersion, r.Passed, r.Failed, r.Skipped, time.Duration(r.DurationSeconds*float64(time.Second)), path)
	for _, f := range r.Failures {
		fmt.Fprintf(app.Out, "  ✗ %s\n      %s\n", f.Spec, f.Error)
	}
	for _, n := range r.ImagesNotMade {
		fmt.Fprintf(app.Out, "  image not made: %s: %s\n", n.Image, strings.TrimSpace(n.Reason))
	}
}
