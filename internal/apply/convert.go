package apply

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
	"kubeup.dev/kubeup/internal/supervisor"
)

// A component changes how it runs when spec.controlPlane.mode changes:
// before its new runner starts it, the runner it had is retired on the
// host (its unit stopped, disabled and removed, or its static pod's
// manifest removed), so that the two never hold its ports or data at
// once. The data (etcd's) stays where both runners keep it.

// leftover is what another runner left of a component on a host.
type leftover struct {
	name     string
	unit     bool // a unit file of kubeup's
	manifest bool // an installed static pod manifest
}

// leftoversProbe prints "unit NAME" and "manifest NAME" for each leftover.
func leftoversProbe(names []string) string {
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "[ -e %s ] && echo unit %s; [ -e %s ] && echo manifest %s; ",
			host.Quote(layout.Unit(n)), n, host.Quote(layout.StaticPodManifest(n)), n)
	}
	b.WriteString("true")
	return b.String()
}

// leftovers lists what runners other than the ones names now have left on
// the host.
func leftovers(ctx context.Context, r *remoteops.Run, s *phase.Step, names []string) ([]leftover, error) {
	names = switchable(r, names)
	if len(names) == 0 {
		return nil, nil
	}
	out, _, err := s.Host().Exec(ctx, leftoversProbe(names))
	if err != nil {
		return nil, fmt.Errorf("look for components that ran otherwise: %w", err)
	}
	found := map[string]*leftover{}
	var order []string
	for _, line := range strings.Split(string(out), "\n") {
		kind, name, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok {
			continue
		}
		runner := runnerOf(r, name)
		if found[name] == nil {
			found[name] = &leftover{name: name}
			order = append(order, name)
		}
		found[name].unit = found[name].unit || kind == "unit" && runner != catalog.Unit
		found[name].manifest = found[name].manifest || kind == "manifest" && runner != catalog.StaticPod
	}
	var lo []leftover
	for _, n := range order {
		if l := found[n]; l.unit || l.manifest {
			lo = append(lo, *l)
		}
	}
	return lo, nil
}

// switchable keeps the components another runner may have left on the
// host: a unit, when they run as pods, or a static pod manifest, when
// they run as units (a DaemonSet leaves nothing on the host: the cluster
// deletes its pods).
func switchable(r *remoteops.Run, names []string) []string {
	var out []string
	for _, k := range r.Components {
		leaves := k.RunsAs(r.Cluster) != catalog.Unit || k.Pod == catalog.StaticPod
		if leaves && slices.Contains(names, k.Name) {
			out = append(out, k.Name)
		}
	}
	return out
}

// runnerOf says how the named component runs now.
func runnerOf(r *remoteops.Run, name string) catalog.Runner {
	for _, k := range r.Components {
		if k.Name == name {
			return k.RunsAs(r.Cluster)
		}
	}
	return catalog.Unit
}

// retire removes a leftover: a unit is stopped, disabled and its file
// removed; a static pod's manifest is removed and its process waited out.
func retire(ctx context.Context, r *remoteops.Run, s *phase.Step, l leftover) error {
	now := runnerOf(r, l.name)
	if l.unit {
		cmd := "(" + supervisor.RemoveCmd([]string{l.name}) + ") && rm -f " + host.Quote(layout.Unit(l.name)) + " && systemctl daemon-reload"
		if err := remoteops.WetExec(ctx, s, fmt.Sprintf("retire %s's systemd unit: it now runs as a %s", l.name, now), cmd); err != nil {
			return err
		}
	}
	if !l.manifest {
		return nil
	}
	p := host.Quote(catalog.ProcessName(l.name))
	cmd := fmt.Sprintf("rm -f %s\nn=0; while pgrep -x %s >/dev/null; do n=$((n+1)); [ $n -ge 120 ] && { echo %s still runs >&2; exit 1; }; sleep 1; done",
		host.Quote(layout.StaticPodManifest(l.name)), p, p)
	return remoteops.WetExec(ctx, s, fmt.Sprintf("retire %s's static pod: it now runs as a %s", l.name, now), cmd)
}

// retireLeftovers retires what other runners left of the named
// components on the step's host.
func retireLeftovers(ctx context.Context, r *remoteops.Run, s *phase.Step, names []string) error {
	lo, err := leftovers(ctx, r, s, names)
	if err != nil {
		return err
	}
	for _, l := range lo {
		if err := retire(ctx, r, s, l); err != nil {
			return err
		}
	}
	return nil
}
