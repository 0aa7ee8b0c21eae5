package cli

import (
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"kubeup.dev/kubeup/internal/pki"
	"kubeup.dev/kubeup/internal/plan"
	"kubeup.dev/kubeup/internal/state"
)

// planOptions are the flags of kubeup plan.
type planOptions struct {
	file string
	out  string
}

func newPlanCmd(app *App) *cobra.Command {
	o := &planOptions{}
	cmd := &cobra.Command{
		Use:   "plan -f FILE --out DIR",
		Short: "Render every file for every host into DIR; touches no host",
		Long: "Plan validates the spec, creates or reuses the cluster's CA, certificates and\n" +
			"secrets in the state directory (.kubeup/<cluster>/ beside the spec), and writes\n" +
			"every file apply would place on each host to DIR/<host>/<path>, with\n" +
			"DIR/manifest.json listing host, path, mode and sha256. Same state in, same\n" +
			"bytes out. DIR holds private keys: it is created 0700. DIR must be missing,\n" +
			"empty or an earlier plan holding only what its manifest lists; anything else\n" +
			"(the spec's own directory, say) is refused and left as it is.",
		Args: exactArgs(0),
		RunE: func(*cobra.Command, []string) error { return o.run(app) },
	}
	cmd.Flags().StringVarP(&o.file, "file", "f", "", "the cluster spec (required)")
	cmd.Flags().StringVar(&o.out, "out", "", "directory to write the plan into (required)")
	return cmd
}

func (o *planOptions) run(app *App) error {
	if o.out == "" {
		return &ExitError{Code: ExitUsage, Err: errors.New("no output directory: pass --out DIR")}
	}
	if err := plan.CheckDir(o.out); err != nil {
		return planDirError(err)
	}
	c, err := loadTargetSpec(app.Err, o.file, time.Now())
	if err != nil {
		return err
	}
	pc, err := plan.ForCluster(state.Dir(o.file, c.Metadata.Name), c, time.Now(), rand.Reader)
	if err != nil {
		return fmt.Errorf("plan cluster %s: %w", c.Metadata.Name, err)
	}
	reportPKI(app, pc.Changes)
	if err := plan.Write(o.out, pc.Hosts); err != nil {
		return planDirError(err)
	}
	n := 0
	for _, h := range pc.Hosts {
		n += len(h.Files)
	}
	fmt.Fprintf(app.Out, "wrote %d files for %d hosts to %s (manifest.json lists them)\n", n, len(pc.Hosts), o.out)
	return nil
}

// planDirError makes an output directory plan must not replace a usage
// error (exit 2): the --out value is wrong. Other errors pass unchanged.
func planDirError(err error) error {
	var npe *plan.NotPlanDirError
	if errors.As(err, &npe) {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	return err
}

// reportPKI prints every created or re-issued certificate and a count of
// the reused ones.
func reportPKI(app *App, changes []pki.Change) {
	reused := 0
	for _, ch := range changes {
		if ch.Action == pki.Reused {
			reused++
			continue
		}
		fmt.Fprintln(app.Err, "pki:", ch)
	}
	if reused > 0 {
		fmt.Fprintf(app.Err, "pki: %d certificates and keys reused\n", reused)
	}
}
