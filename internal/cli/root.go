// Package cli holds kubeup's cobra commands, one file per command, each
// with its own options struct; nothing is kept in package globals.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	ExitOK        = 0
	ExitFailure   = 1
	ExitUsage     = 2
	ExitInvalid   = 3
	ExitPreflight = 4
)

// App carries what every command needs: its streams. Commands take it
// instead of reaching for globals.
type App struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
	Ctx context.Context
}

// ExitError makes a command exit with Code after printing Err.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

type usageError struct{ error }

// Run executes kubeup with args and returns the process exit code.
func Run(ctx context.Context, args []string, in io.Reader, out, errOut io.Writer) int {
	app := &App{In: in, Out: out, Err: errOut, Ctx: ctx}
	root := newRootCmd(app)
	root.SetArgs(args)
	root.SetIn(in)
	root.SetOut(out)
	root.SetErr(errOut)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		if ee.Err != nil && ee.Err.Error() != "" {
			fmt.Fprintln(errOut, "error:", ee.Err)
		}
		return ee.Code
	}
	fmt.Fprintln(errOut, "error:", err)
	var ue usageError
	if errors.As(err, &ue) {
		return ExitUsage
	}
	return ExitFailure
}

func newRootCmd(app *App) *cobra.Command {
	root := &cobra.Command{
		Use:           "kubeup",
		Short:         "Deploy, converge and tear down Kubernetes clusters over SSH",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.CompletionOptions.DisableDefaultCmd = true
	root.AddCommand(
		newVersionCmd(app),
		newVersionsCmd(app),
		newUpgradeCmd(app),
		newConformanceCmd(app),
		newInitCmd(app),
		newValidateCmd(app),
		newPlanCmd(app),
		newApplyCmd(app),
		newKubeconfigCmd(app),
		newStatusCmd(app),
		newSandboxCmd(app),
		newArtifactsCmd(app),
		newResetCmd(app),
		newCompletionCmd(app),
		// Each command file adds its constructor here, one line each.
	)
	return root
}

// exactArgs is cobra.ExactArgs that reports a usage error (exit code 2).
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}
