package apply

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"kubeup.dev/kubeup/internal/bootstrap"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
	"kubeup.dev/kubeup/internal/render"
)

// clusterAddons are applied once the API server is ready: bootstrap
// objects and RBAC before any kubelet joins.
func clusterAddons() []string {
	return []string{bootstrap.ClusterInfoAddon, bootstrap.ConfigAddon,
		render.AddonBootstrapRBAC, render.AddonKubeletAPIRBAC, render.AddonFlannelRBAC}
}

// dnsAddons come after the pod network.
func dnsAddons() []string { return []string{render.AddonCoreDNS} }

// applyAddons server-side applies manifests from the host's addons
// directory when kubectl diff finds a difference. A dry run diffs the
// planned manifests instead: the host's copies are not updated yet.
func applyAddons(ctx context.Context, r *remoteops.Run, s *phase.Step, names []string) error {
	var files []string
	for _, n := range names {
		files = append(files, "-f "+host.Quote(layout.Addon(n)))
	}
	args := strings.Join(files, " ")
	diffArgs, opts := args, []host.ExecOption(nil)
	if s.DryRun() {
		diffArgs, opts = "-f -", []host.ExecOption{host.Stdin(bytes.NewReader(plannedAddons(r, s.HostName(), names)))}
	}
	stdout, stderr, err := s.Host().Exec(ctx, localKubectl("diff --server-side --force-conflicts "+diffArgs), opts...)
	var ee *host.ExitError
	what := "apply " + strings.Join(names, ", ")
	switch {
	case err == nil:
		return nil // nothing differs
	case errors.As(err, &ee) && ee.Code == 1:
		if objs := diffedObjects(stdout); len(objs) > 0 {
			what += " (differs: " + strings.Join(objs, ", ") + ")"
		}
	case s.DryRun():
		// objects may not exist before the first apply; list the change.
	default:
		return fmt.Errorf("kubectl diff addons: %w %s", err, strings.TrimSpace(string(stderr)))
	}
	return s.Wet(what, func(h host.Host) error {
		_, _, err := h.Exec(ctx, localKubectl("apply --server-side --force-conflicts "+args))
		return err
	})
}

// plannedAddons joins the planned manifests of names as one YAML stream.
func plannedAddons(r *remoteops.Run, hostName string, names []string) []byte {
	var b bytes.Buffer
	for _, n := range names {
		for _, f := range r.HostFiles(hostName).Files {
			if f.Path == layout.Addon(n) {
				b.WriteString("---\n")
				b.Write(f.Content)
				b.WriteString("\n")
			}
		}
	}
	return b.Bytes()
}

// diffedObjects names the objects of kubectl diff's output: each starts
// with a "diff -u -N LIVE/NAME MERGED/NAME" line, NAME being
// version.Kind.namespace.name.
func diffedObjects(out []byte) []string {
	var objs []string
	for _, l := range strings.Split(string(out), "\n") {
		if !strings.HasPrefix(l, "diff ") {
			continue
		}
		f := strings.Fields(l)
		objs = append(objs, path.Base(f[len(f)-1]))
	}
	return objs
}
