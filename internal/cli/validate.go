package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"kubeup.dev/kubeup/internal/spec"
)

// validateOptions are the flags of kubeup validate.
type validateOptions struct {
	file string
}

func newValidateCmd(app *App) *cobra.Command {
	o := &validateOptions{}
	cmd := &cobra.Command{
		Use:   "validate -f FILE",
		Short: "Check a cluster spec and report every problem; touches no host",
		Long: "Validate reads the spec strictly (unknown fields are errors) and checks it,\n" +
			"printing every problem with its field path. The exit code is 3 when there\n" +
			"is any error; warnings alone exit 0.",
		Args: exactArgs(0),
		RunE: func(*cobra.Command, []string) error { return o.run(app) },
	}
	cmd.Flags().StringVarP(&o.file, "file", "f", "", "the cluster spec to check (required)")
	return cmd
}

// run prints every problem, then a summary line.
func (o *validateOptions) run(app *App) error {
	c, ps, err := o.check()
	if err != nil {
		return err
	}
	for _, p := range ps {
		fmt.Fprintln(app.Out, p)
	}
	nErr, nWarn := len(ps.Errors()), len(ps.Warnings())
	if nErr > 0 {
		fmt.Fprintf(app.Out, "%s is invalid: %s\n", o.file, countProblems(nErr, nWarn))
		return &ExitError{Code: ExitInvalid, Err: errors.New("")}
	}
	fmt.Fprintf(app.Out, "%s is valid: cluster %s, %s, Kubernetes %s", o.file, c.Metadata.Name,
		pluralNoun(len(c.Spec.Hosts), "host"), c.Spec.KubernetesVersion)
	if nWarn > 0 {
		fmt.Fprintf(app.Out, " (%s)", pluralNoun(nWarn, "warning"))
	}
	fmt.Fprintln(app.Out)
	return nil
}

// check loads and validates the spec; problems with fields while loading
// (unknown fields, wrong types) come back as problems, not as an error.
func (o *validateOptions) check() (*spec.Cluster, spec.Problems, error) {
	c, err := loadSpec(o.file)
	var se *specError
	if errors.As(err, &se) {
		return nil, se.problems, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return c, spec.Validate(c, spec.OSOptions(o.file)), nil
}

// countProblems says "2 errors, 1 warning".
func countProblems(nErr, nWarn int) string {
	s := pluralNoun(nErr, "error")
	if nWarn > 0 {
		s += ", " + pluralNoun(nWarn, "warning")
	}
	return s
}

// pluralNoun says "1 host" or "3 hosts".
func pluralNoun(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
