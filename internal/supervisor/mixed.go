package supervisor

import (
	"context"
	"errors"
	"maps"
	"strings"

	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/spec"
)

// Mixed hands each component to the supervisor of how it runs.
type Mixed struct {
	// Runner says how the named component runs.
	Runner func(name string) catalog.Runner
	// By is the supervisor of each runner.
	By map[catalog.Runner]Supervisor
}

var _ Supervisor = Mixed{}

// For returns the supervisor of cluster c: each component of ks (the
// catalog) by the runner its mode gives it, systemd for a name ks lacks.
// users names the system users components run as (their static pods get
// the user's ids).
func For(c *spec.Cluster, ks []catalog.Component, users map[string]string) Mixed {
	runner := map[string]catalog.Runner{}
	for _, k := range ks {
		runner[k.Name] = k.RunsAs(c)
	}
	return Mixed{Runner: func(name string) catalog.Runner { return runner[name] },
		By: map[catalog.Runner]Supervisor{catalog.Unit: Systemd{}, catalog.StaticPod: StaticPod{Users: users}, catalog.DaemonSet: DaemonSet{}}}
}

// Of returns the supervisor of the named component.
func (m Mixed) Of(name string) Supervisor { return m.By[m.Runner(name)] }

// group splits names by runner, in the order of their first name.
func (m Mixed) group(names []string) ([]catalog.Runner, map[catalog.Runner][]string) {
	var order []catalog.Runner
	by := map[catalog.Runner][]string{}
	for _, n := range names {
		r := m.Runner(n)
		if _, ok := by[r]; !ok {
			order = append(order, r)
		}
		by[r] = append(by[r], n)
	}
	return order, by
}

// States asks each supervisor for its components (a round trip each).
func (m Mixed) States(ctx context.Context, h host.Host, names []string) (map[string]State, error) {
	order, by := m.group(names)
	out := map[string]State{}
	for _, r := range order {
		st, err := m.By[r].States(ctx, h, by[r])
		if err != nil {
			return nil, err
		}
		maps.Copy(out, st)
	}
	return out, nil
}

// Ensure is the component's supervisor's.
func (m Mixed) Ensure(name string, st State, stamp string, o EnsureOptions) *Action {
	return m.Of(name).Ensure(name, st, stamp, o)
}

// Logs is the component's supervisor's.
func (m Mixed) Logs(ctx context.Context, h host.Host, name string, lines int) string {
	return m.Of(name).Logs(ctx, h, name, lines)
}

// Stop is the component's supervisor's.
func (m Mixed) Stop(name string) Action { return m.Of(name).Stop(name) }

// Remove removes each supervisor's components, in the order of names.
func (m Mixed) Remove(names []string) Action {
	order, by := m.group(names)
	acts := make([]Action, len(order))
	whats := make([]string, len(order))
	for i, r := range order {
		acts[i] = m.By[r].Remove(by[r])
		whats[i] = acts[i].What
	}
	return Action{What: strings.Join(whats, "; "), Do: func(ctx context.Context, h host.Host) error {
		var errs []error
		for _, a := range acts {
			errs = append(errs, a.Do(ctx, h))
		}
		return errors.Join(errs...)
	}}
}
