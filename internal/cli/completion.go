package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

// completionShells are the shells kubeup completion writes scripts for.
func completionShells() []string { return []string{"bash", "zsh", "fish"} }

func newCompletionCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish",
		Short: "Print the shell completion script for bash, zsh or fish",
		Long: "Completion prints a script that completes kubeup's commands and flags.\n" +
			"  bash: source <(kubeup completion bash)   (needs bash-completion v2)\n" +
			"  zsh:  kubeup completion zsh > \"${fpath[1]}/_kubeup\"\n" +
			"  fish: kubeup completion fish > ~/.config/fish/completions/kubeup.fish",
		Args:      completionArgs,
		ValidArgs: completionShells(),
		RunE: func(cmd *cobra.Command, args []string) error {
			return writeCompletion(cmd.Root(), app, args[0])
		},
	}
}

// completionArgs accepts exactly one known shell, as a usage error (exit
// code 2) otherwise.
func completionArgs(cmd *cobra.Command, args []string) error {
	if err := cobra.ExactArgs(1)(cmd, args); err != nil {
		return usageError{fmt.Errorf("%w: name a shell: bash, zsh or fish", err)}
	}
	if err := cobra.OnlyValidArgs(cmd, args); err != nil {
		return usageError{fmt.Errorf("%w: kubeup completes bash, zsh and fish", err)}
	}
	return nil
}

// writeCompletion writes root's completion script for shell to app.Out.
func writeCompletion(root *cobra.Command, app *App, shell string) error {
	var err error
	switch shell {
	case "bash":
		err = root.GenBashCompletionV2(app.Out, true)
	case "zsh":
		err = root.GenZshCompletion(app.Out)
	case "fish":
		err = root.GenFishCompletion(app.Out, true)
	}
	if err != nil {
		return fmt.Errorf("write the %s completion script: %w", shell, err)
	}
	return nil
}
