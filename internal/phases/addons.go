package phases

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"kubeup.dev/kubeup/internal/bootstrap"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/render"
)

// clusterAddons are applied once the API server is ready: bootstrap
// objects and RBAC before any kubelet joins.
func clusterAddons() []string {
	return []string{bootstrap.TokenAddon, bootstrap.ClusterInfoAddon, bootstrap.ConfigAddon,
		render.AddonBootstrapRBAC, render.AddonKubeletAPIRBAC, render.AddonFlannelRBAC}
}

// dnsAddons come after the pod network.
func dnsAddons() []string { return []string{render.AddonCoreDNS} }

// applyAddons server-side applies manifests from the host's addons
// directory when kubectl diff finds a difference.
func applyAddons(ctx context.Context, s *phase.Step, names []string) error {
	var files []string
	for _, n := range names {
		files = append(files, "-f "+host.Quote(layout.Addon(n)))
	}
	args := strings.Join(files, " ")
	_, stderr, err := s.Host().Exec(ctx, localKubectl("diff --server-side --force-conflicts "+args))
	var ee *host.ExitError
	switch {
	case err == nil:
		return nil // nothing differs
	case errors.As(err, &ee) && ee.Code == 1:
		// differences found
	case s.DryRun():
		// objects may not exist before the first apply; list the change.
	default:
		return fmt.Errorf("kubectl diff addons: %w %s", err, strings.TrimSpace(string(stderr)))
	}
	return s.Wet("apply "+strings.Join(names, ", "), func(h host.Host) error {
		_, _, err := h.Exec(ctx, localKubectl("apply --server-side --force-conflicts "+args))
		return err
	})
}
