package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"kubeup.dev/kubeup/internal/versions"
)

func newVersionsCmd(app *App) *cobra.Command {
	var output string
	var onlyDefault bool
	cmd := &cobra.Command{
		Use:   "versions",
		Short: "List the Kubernetes versions kubeup deploys, their end of life and component versions",
		Long: "Versions prints one line per Kubernetes minor kubeup knows: the patch it deploys,\n" +
			"upstream's end-of-life date, whether it may be deployed today, and the versions of\n" +
			"etcd, CoreDNS, pause, flannel, containerd, runc, the CNI plugins and crictl that go\n" +
			"with it. A minor past its end of life is only an upgrade source.",
		Args: exactArgs(0),
		RunE: func(*cobra.Command, []string) error {
			if output != "text" && output != "json" {
				return usageError{fmt.Errorf("-o %q: use text or json", output)}
			}
			if onlyDefault {
				_, err := fmt.Fprintln(app.Out, versions.Default())
				return err
			}
			return writeVersions(app.Out, time.Now(), output == "json")
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "text or json")
	cmd.Flags().BoolVar(&onlyDefault, "default", false, "print only the default Kubernetes version (for scripts)")
	return cmd
}

// versionRow is one minor as kubeup versions prints it.
type versionRow struct {
	versions.Release
	Status  string `json:"status"`
	Default bool   `json:"default"`
}

// releaseStatus says what a release may be used for at now.
func releaseStatus(r versions.Release, now time.Time) string {
	switch {
	case !r.Supported(now):
		return "end of life: upgrade source only"
	case r.End().Sub(now) < versions.WarnBeforeEndOfLife:
		return "supported, end of life near"
	}
	return "supported"
}

// writeVersions writes the release table as of now, newest first.
func writeVersions(w io.Writer, now time.Time, asJSON bool) error {
	rs := versions.Releases()
	rows := make([]versionRow, 0, len(rs))
	for i := len(rs) - 1; i >= 0; i-- {
		rows = append(rows, versionRow{Release: rs[i], Status: releaseStatus(rs[i], now), Default: rs[i].Patch == versions.Default()})
	}
	if asJSON {
		e := json.NewEncoder(w)
		e.SetIndent("", "  ")
		return e.Encode(rows)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MINOR\tPATCH\tEND OF LIFE\tSTATUS\tETCD\tCOREDNS\tPAUSE\tFLANNEL\tCONTAINERD\tRUNC\tCNI\tCRICTL")
	for _, r := range rows {
		patch := r.Patch
		if r.Default {
			patch += " (default)"
		}
		fmt.Fprintf(tw, "1.%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Minor, patch, r.EndOfLife, r.Status,
			r.Etcd, r.CoreDNS, r.Pause, r.Flannel, r.Containerd, r.Runc, r.CNIPlugins, r.CriTools)
	}
	return tw.Flush()
}
