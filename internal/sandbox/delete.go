package sandbox

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"
)

// Delete removes every container, volume and network of sandbox name
// (the engine removes each node's cgroups with its container). found is false when nothing of that
// sandbox existed (which is not an error). The spec and the state
// directory are kept.
func (m *Manager) Delete(ctx context.Context, name string) (found bool, err error) {
	if err := ValidateName(name); err != nil {
		return false, err
	}
	start := time.Now()
	removed, err := m.remove(ctx, name)
	if err == nil && len(removed) == 0 {
		fmt.Fprintf(m.out(), "no sandbox %q: nothing to delete\n", name)
		return false, nil
	}
	if err == nil {
		err = m.verifyGone(ctx, name)
	}
	mark := "✓"
	if err != nil {
		mark = "✗"
	}
	fmt.Fprintf(m.out(), " %s deleted sandbox %q: %s (%.1fs)\n", mark, name, cmp.Or(strings.Join(removed, ", "), "nothing"), time.Since(start).Seconds())
	return len(removed) > 0, err
}

// remove deletes the containers (in parallel), then their volumes, then
// the network, and says what it removed.
func (m *Manager) remove(ctx context.Context, name string) ([]string, error) {
	var removed []string
	containers, err := m.Engine.Containers(ctx, selector(name))
	if err != nil {
		return nil, err
	}
	nodes := make([]*Node, len(containers))
	for i, c := range containers {
		nodes[i] = &Node{Name: c.Name, ContainerID: c.ID}
	}
	if err := forEach(nodes, func(n *Node) error { return m.Engine.RemoveContainer(ctx, n.ContainerID) }); err != nil {
		return removed, err
	}
	if len(containers) > 0 {
		removed = append(removed, plural(len(containers), "container"))
	}
	n, err := m.removeVolumes(ctx, name)
	if n > 0 {
		removed = append(removed, plural(n, "volume"))
	}
	if err != nil {
		return removed, err
	}
	nets, err := m.removeNetworks(ctx, name)
	removed = append(removed, nets...)
	return removed, err
}

func (m *Manager) removeVolumes(ctx context.Context, name string) (int, error) {
	vols, err := m.Engine.Volumes(ctx, selector(name))
	if err != nil {
		return 0, err
	}
	for i, v := range vols {
		if err := m.Engine.RemoveVolume(ctx, v.Name); err != nil {
			return i, err
		}
	}
	return len(vols), nil
}

func (m *Manager) removeNetworks(ctx context.Context, name string) ([]string, error) {
	nets, err := m.Engine.Networks(ctx)
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, n := range nets {
		if n.Labels[LabelSandbox] != name {
			continue
		}
		if err := m.Engine.RemoveNetwork(ctx, n.ID); err != nil {
			return removed, err
		}
		removed = append(removed, "network "+n.Name)
	}
	return removed, nil
}

// verifyGone lists again and fails when anything of the sandbox is left.
func (m *Manager) verifyGone(ctx context.Context, name string) error {
	cs, err := m.Engine.Containers(ctx, selector(name))
	if err != nil {
		return err
	}
	vs, err := m.Engine.Volumes(ctx, selector(name))
	if err != nil {
		return err
	}
	ns, err := m.Engine.Networks(ctx)
	if err != nil {
		return err
	}
	if existsSandbox(name, ns, cs, vs) {
		return fmt.Errorf("sandbox %q is not completely gone (another kubeup may be creating it): run kubeup sandbox delete --name %s again", name, name)
	}
	return nil
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
