// Package conformance runs upstream's conformance suite, e2e.test from
// k8s.io/kubernetes/test/e2e, against a cluster the way the upstream
// conformance image does: the ginkgo CLI runs the specs labelled
// Conformance, the Serial ones alone and the rest in parallel, with the
// kubectl of the cluster's version. It writes ginkgo's JUnit and JSON
// reports and summarizes them (passed, failed, skipped, each failure's
// spec and first error line).
package conformance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// Options say what to run against which cluster.
type Options struct {
	E2ETest    string // the e2e.test binary
	Ginkgo     string // the ginkgo CLI of the version e2e.test was built with
	Kubectl    string // kubectl of the cluster's version
	Kubeconfig string
	DNSDomain  string // the cluster's DNS domain; empty means cluster.local
	// Focus, when set, runs only the specs whose names match it (a
	// regular expression), within the Conformance label.
	Focus string
	// Parallel is the number of ginkgo processes for the specs that are
	// not Serial; at least 1.
	Parallel int
	// SpecTimeout bounds each pass (ginkgo's --timeout).
	SpecTimeout time.Duration
	OutDir      string    // reports go here
	Log         io.Writer // ginkgo's output
}

// pass is one ginkgo invocation.
type pass struct {
	name   string // "parallel" or "serial": names its report files
	labels string // ginkgo label filter
	nodes  int
}

// passes are the serial specs alone, then the rest in parallel.
func (o Options) passes() []pass {
	return []pass{
		{name: "serial", labels: "Conformance && Serial", nodes: 1},
		{name: "parallel", labels: "Conformance && !Serial", nodes: o.Parallel},
	}
}

// check refuses options that cannot work, naming the option.
func (o Options) check() error {
	var errs []error
	for _, f := range []struct{ name, path string }{{"e2e.test", o.E2ETest}, {"ginkgo", o.Ginkgo}, {"kubectl", o.Kubectl}, {"kubeconfig", o.Kubeconfig}} {
		if _, err := os.Stat(f.path); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f.name, err))
		}
	}
	if o.Parallel < 1 {
		errs = append(errs, fmt.Errorf("parallel: %d processes: give 1 or more", o.Parallel))
	}
	if o.SpecTimeout <= 0 {
		errs = append(errs, fmt.Errorf("timeout: %s: give a positive duration", o.SpecTimeout))
	}
	if o.OutDir == "" {
		errs = append(errs, errors.New("no directory for the reports"))
	}
	return errors.Join(errs...)
}

// Run runs every pass and returns the summary of their reports. A failed
// spec is not an error: Summary.Failed says so. An error means the suite
// could not run or its report could not be read.
func Run(ctx context.Context, o Options) (Summary, error) {
	if err := o.check(); err != nil {
		return Summary{}, fmt.Errorf("conformance: %w", err)
	}
	o, err := o.absolute()
	if err != nil {
		return Summary{}, fmt.Errorf("conformance: %w", err)
	}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return Summary{}, fmt.Errorf("conformance reports: %w", err)
	}
	start := time.Now()
	var reports []string
	for _, p := range o.passes() {
		report, err := o.runPass(ctx, p)
		if err != nil {
			return Summary{}, err
		}
		reports = append(reports, report)
	}
	s, err := Summarize(reports...)
	if err != nil {
		return Summary{}, err
	}
	s.Duration = time.Since(start).Round(time.Second)
	return s, nil
}

// absolute makes every path absolute: ginkgo runs in OutDir.
func (o Options) absolute() (Options, error) {
	for _, p := range []*string{&o.E2ETest, &o.Ginkgo, &o.Kubectl, &o.Kubeconfig, &o.OutDir} {
		abs, err := filepath.Abs(*p)
		if err != nil {
			return o, err
		}
		*p = abs
	}
	return o, nil
}

// runPass runs one ginkgo pass and returns the path of its JSON report.
// ginkgo exits non-zero when a spec fails; that is read from the report,
// which must exist.
func (o Options) runPass(ctx context.Context, p pass) (string, error) {
	report := filepath.Join(o.OutDir, "report-"+p.name+".json")
	os.Remove(report)
	cmd := exec.CommandContext(ctx, o.Ginkgo, o.ginkgoArgs(p)...)
	cmd.Dir = o.OutDir
	cmd.Stdout, cmd.Stderr = o.log(), o.log()
	fmt.Fprintf(o.log(), "conformance: %s pass (%s, %d process(es))\n", p.name, p.labels, p.nodes)
	runErr := cmd.Run()
	if _, err := os.Stat(report); err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("conformance %s pass: %w", p.name, ctx.Err())
		}
		return "", fmt.Errorf("conformance %s pass: ginkgo wrote no report (%v): see its output above", p.name, runErr)
	}
	return report, nil
}

// ginkgoArgs are the ginkgo CLI's arguments for pass p; those after "--"
// go to e2e.test.
func (o Options) ginkgoArgs(p pass) []string {
	args := []string{"run", "--nodes=" + strconv.Itoa(p.nodes), "--label-filter=" + p.labels,
		"--timeout=" + o.SpecTimeout.String(), "--no-color", "--silence-skips", "--poll-progress-after=5m",
		"--output-dir=" + o.OutDir, "--json-report=report-" + p.name + ".json", "--junit-report=junit-" + p.name + ".xml"}
	if o.Focus != "" {
		args = append(args, "--focus="+o.Focus)
	}
	dns := o.DNSDomain
	if dns == "" {
		dns = "cluster.local"
	}
	return append(args, o.E2ETest, "--",
		"--kubeconfig="+o.Kubeconfig, "--provider=skeleton", "--kubectl-path="+o.Kubectl,
		"--dns-domain="+dns)
}

func (o Options) log() io.Writer {
	if o.Log == nil {
		return io.Discard
	}
	return o.Log
}
