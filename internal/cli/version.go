package cli

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"

	"kubeup.dev/kubeup/internal/versions"
)

// version and commit say which kubeup this is. Only the linker sets them
// (go build -ldflags "-X kubeup.dev/kubeup/internal/cli.version=v0.3.0
// -X kubeup.dev/kubeup/internal/cli.commit=SHA"; the Makefile's build
// target passes git describe and the HEAD commit); nothing assigns them at
// run time.
var version, commit string

func newVersionCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print kubeup's version and commit and the default Kubernetes version",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			bi, _ := debug.ReadBuildInfo()
			fmt.Fprintln(app.Out, versionLine(buildStamp{version: version, commit: commit}, bi))
			return nil
		},
	}
}

// buildStamp is what the linker set: a version and a commit.
type buildStamp struct {
	version, commit string
}

// versionLine says which kubeup this is: the linked version (else the
// module version the go command stamped), the commit (the go command's
// VCS stamp, else the linked one) and whether the tree had local changes,
// and the default Kubernetes version. bi may be nil.
func versionLine(linked buildStamp, bi *debug.BuildInfo) string {
	v, commit, modified := linked.version, "", false
	if bi != nil {
		if v == "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if commit == "" {
		commit = linked.commit
	}
	if v == "" {
		v = "unversioned (build with make build to stamp a version)"
	}
	switch {
	case commit == "":
		commit = "unknown commit"
	case modified:
		commit = "commit " + commit + " with local changes"
	default:
		commit = "commit " + commit
	}
	return fmt.Sprintf("kubeup %s (%s; default Kubernetes %s)", v, commit, versions.Default())
}
