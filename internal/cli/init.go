package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"kubeup.dev/kubeup/internal/atomicfile"
	"kubeup.dev/kubeup/internal/spec"
)

// initOptions are the flags of kubeup init.
type initOptions struct {
	file  string
	force bool
}

func newInitCmd(app *App) *cobra.Command {
	o := &initOptions{}
	cmd := &cobra.Command{
		Use:   "init [-f FILE] [--force]",
		Short: "Write a commented example cluster spec",
		Long: "Init writes a commented example spec to FILE, or to standard output without -f.\n" +
			"It never overwrites an existing file unless --force is given.",
		Args: exactArgs(0),
		RunE: func(*cobra.Command, []string) error { return o.run(app) },
	}
	cmd.Flags().StringVarP(&o.file, "file", "f", "", "where to write the spec (default: standard output)")
	cmd.Flags().BoolVar(&o.force, "force", false, "overwrite FILE if it exists")
	return cmd
}

// run writes the example spec.
func (o *initOptions) run(app *App) error {
	data := spec.Example()
	if o.file == "" || o.file == "-" {
		_, err := app.Out.Write(data)
		return err
	}
	if !o.force {
		if _, err := os.Lstat(o.file); err == nil {
			return &ExitError{Code: ExitFailure, Err: fmt.Errorf("%s already exists: pass --force to overwrite it", o.file)}
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	if err := atomicfile.WriteFile(o.file, data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(app.Out, "wrote %s: set your hosts, then run kubeup validate -f %s\n", o.file, o.file)
	return nil
}
