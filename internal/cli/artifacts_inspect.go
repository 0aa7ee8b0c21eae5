package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"kubeup.dev/kubeup/internal/artifacts/bundle"
	"kubeup.dev/kubeup/internal/artifacts/inventory"
	"kubeup.dev/kubeup/internal/progress"
	"kubeup.dev/kubeup/internal/versions"
)

// inspectOptions are the flags of kubeup artifacts inspect.
type inspectOptions struct {
	output string
}

func newArtifactsInspectCmd(app *App) *cobra.Command {
	o := &inspectOptions{}
	cmd := &cobra.Command{
		Use:   "inspect FILE",
		Short: "List an offline bundle and verify every checksum",
		Long: "Lists every artifact of the bundle (name, kind, version, size, sha256) and checks each file\n" +
			"against the manifest: a changed file is a checksum mismatch, and a file missing from the\n" +
			"bundle or not in its manifest is an error too. Then it lints the bundle: every image the\n" +
			"cluster runs and every binary the hosts run (the container runtime's too) must be in it.",
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runInspect(cmd, app, o, args[0]) },
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", "text", "text or json")
	return cmd
}

// runInspect verifies and lints the bundle and prints its report.
func runInspect(cmd *cobra.Command, app *App, o *inspectOptions, file string) error {
	if o.output != "text" && o.output != "json" {
		return usageError{fmt.Errorf("--output %q: use text or json", o.output)}
	}
	r, err := bundle.Inspect(cmd.Context(), file)
	if r == nil {
		return err
	}
	lint := lintReport(r)
	if o.output == "json" {
		if jerr := printInspectJSON(app.Out, r, err, lint); jerr != nil {
			return jerr
		}
	} else {
		printInspectText(app.Out, file, r, err, lint)
	}
	return errors.Join(err, lint)
}

// lintReport runs bundle lint for the bundle's Kubernetes version.
func lintReport(r *bundle.Report) error {
	set, err := versions.For(r.Manifest.KubernetesVersion)
	if err != nil {
		return fmt.Errorf("bundle lint: %w", err)
	}
	return errors.Join(bundle.Lint(r.Manifest, set.Images()), bundle.LintBinaries(r.Manifest, inventory.HostBinaries()))
}

// printInspectText writes the report as a table and a verdict line.
func printInspectText(w io.Writer, file string, r *bundle.Report, verr, lint error) {
	var total int64
	for _, e := range r.Entries {
		total += e.Size
	}
	fmt.Fprintf(w, "%s: Kubernetes %s linux/%s, %d artifacts, %s\n",
		file, r.Manifest.KubernetesVersion, r.Manifest.Arch, len(r.Entries), progress.Bytes(total))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tKIND\tVERSION\tSIZE\tSHA256\tSTATUS")
	for _, e := range r.Entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.Name, e.Kind, e.Version, progress.Bytes(e.Size), e.SHA256, e.Status)
	}
	for _, p := range r.Extra {
		fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t%s\n", p, "not in manifest")
	}
	tw.Flush()
	if verr == nil {
		fmt.Fprintf(w, "all %d checksums verified\n", len(r.Entries))
	} else {
		fmt.Fprintf(w, "verification failed: %d of %d files are not as the manifest says\n", failed(r), len(r.Entries)+len(r.Extra))
	}
	if verr == nil && lint == nil {
		fmt.Fprintln(w, "lint: every image and host binary is present")
	}
}

// failed counts the entries that are not ok, and the extra files.
func failed(r *bundle.Report) int {
	n := len(r.Extra)
	for _, e := range r.Entries {
		if e.Status != bundle.StatusOK {
			n++
		}
	}
	return n
}

// inspectJSON is the -o json form of the report.
type inspectJSON struct {
	*bundle.Report
	Verified bool   `json:"verified"`
	Error    string `json:"error,omitempty"`
	Lint     string `json:"lint,omitempty"`
}

// printInspectJSON writes the report as JSON.
func printInspectJSON(w io.Writer, r *bundle.Report, verr, lint error) error {
	j := inspectJSON{Report: r, Verified: verr == nil}
	if verr != nil {
		j.Error = verr.Error()
	}
	if lint != nil {
		j.Lint = lint.Error()
	}
	b, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}
