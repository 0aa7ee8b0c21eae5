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
	// Of returns the supervisor of the named component.
	Of func(name string) Supervisor
}

var _ Supervisor = Mixed{}

// For returns the supervisor of cluster c: each component of ks (the
// catalog) by the runner its mode gives it, systemd for a name ks lacks.
func For(c *spec.Cluster, ks []catalog.Component) Supervisor {
	byRunner := map[catalog.Runner]Supervisor{catalog.Unit: Systemd{}, catalog.StaticPod: StaticPod{}, catalog.DaemonSet: DaemonSet{}}
	runner := map[string]catalog.Runner{}
	for _, k := range ks {
		runner[k.Name] = k.RunsAs(c)
	}
	return Mixed{Of: func(name string) Supervisor { return byRunner[runner[name]] }}
}

// group splits names by supervisor, in the order of their first name.
func (m Mixed) group(names []string) ([]Supervisor, map[Supervisor][]string) {
	var order []Supervisor
	by := map[Supervisor][]string{}
	for _, n := range names {
		s := m.Of(n)
		if _, ok := by[s]; !ok {
			order = append(order, s)
		}
		by[s] = append(by[s], n)
	}
	return order, by
}

// States asks each supervisor for its components (a round trip each).
func (m Mixed) States(ctx context.Context, h host.Host, names []string) (map[string]State, error) {
	order, by := m.group(names)
	out := map[string]State{}
	for _, s := range order {
		st, err := s.States(ctx, h, by[s])
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
	for i, s := range order {
		acts[i] = s.Remove(by[s])
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
