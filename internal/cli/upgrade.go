package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
	"kubeup.dev/kubeup/internal/state"
	"kubeup.dev/kubeup/internal/upgradeplan"
)

func newUpgradeCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "upgrade",
		Short: "Show how apply upgrades a running cluster to the spec's Kubernetes version",
		Long: "A new spec.kubernetesVersion (a newer patch, or the next minor) upgrades the cluster\n" +
			"on the next kubeup apply. upgrade plan shows what that apply will do, reading the\n" +
			"versions the hosts run and changing nothing.",
	}
	cmd.AddCommand(newUpgradePlanCmd(app))
	return cmd
}

func newUpgradePlanCmd(app *App) *cobra.Command {
	var file string
	var sshTimeout time.Duration
	cmd := &cobra.Command{
		Use:   "plan -f FILE",
		Short: "List the steps apply takes to upgrade the cluster; changes nothing",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return upgradePlan(cmd.Context(), app, file, sshTimeout)
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "the cluster spec (required)")
	cmd.Flags().DurationVar(&sshTimeout, "ssh-timeout", host.DefaultTimeout, "how long a host may not answer")
	return cmd
}

// upgradePlan reads the installed version of every host (connect and
// facts only) and prints the upgrade plan, or why the spec's version
// cannot be reached from there (ExitInvalid).
func upgradePlan(ctx context.Context, app *App, file string, sshTimeout time.Duration) error {
	c, err := loadTargetSpec(app.Err, file, time.Now())
	if err != nil {
		return err
	}
	dir := state.Dir(file, c.Metadata.Name)
	r := remoteops.New(c, remoteops.Options{StateDir: dir, Dialer: userDialer(app, dir, host.DialOptions{Timeout: sshTimeout})})
	defer r.Close()
	runner, err := phase.New(phase.Options{Sink: progressSink(app, "text")},
		phase.Phase[*remoteops.Run]{Name: "connect", Run: remoteops.Connect},
		phase.Phase[*remoteops.Run]{Name: "facts", Hosts: (*remoteops.Run).AllHosts, Run: remoteops.GatherFacts})
	if err != nil {
		return err
	}
	if _, err := runner.Run(ctx, r); err != nil {
		return err
	}
	p, err := upgradeplan.Make(c, r.Installed())
	if err != nil {
		return &ExitError{Code: ExitInvalid, Err: fmt.Errorf("cluster %s cannot move to %s:\n%w", c.Metadata.Name, c.Spec.KubernetesVersion, err)}
	}
	fmt.Fprint(app.Out, p)
	return nil
}
