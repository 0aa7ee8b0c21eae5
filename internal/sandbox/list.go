package sandbox

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"

	"kubeup.dev/kubeup/internal/sandbox/engine"
)

// Summary describes one sandbox for kubeup sandbox list.
type Summary struct {
	Name    string
	Nodes   int
	Running int
	Subnet  string
	// State is running, stopped, partial (some nodes running) or
	// incomplete (a network or volumes without nodes).
	State string
	Spec  string
}

// List summarizes every sandbox the engine holds, sorted by name.
func (m *Manager) List(ctx context.Context) ([]Summary, error) {
	containers, err := m.Engine.Containers(ctx, LabelSandbox)
	if err != nil {
		return nil, err
	}
	networks, err := m.Engine.Networks(ctx)
	if err != nil {
		return nil, err
	}
	byName := map[string]*Summary{}
	get := func(name string) *Summary {
		if byName[name] == nil {
			byName[name] = &Summary{Name: name}
		}
		return byName[name]
	}
	for _, n := range networks {
		if name := n.Labels[LabelSandbox]; name != "" {
			s := get(name)
			s.Subnet, s.Spec = n.Labels[LabelSubnet], n.Labels[LabelSpec]
		}
	}
	for _, c := range containers {
		s := get(c.Labels[LabelSandbox])
		s.Nodes++
		if c.State == "running" {
			s.Running++
		}
		s.Subnet = cmp.Or(s.Subnet, c.Labels[LabelSubnet])
		s.Spec = cmp.Or(s.Spec, c.Labels[LabelSpec])
	}
	out := make([]Summary, 0, len(byName))
	for _, s := range byName {
		s.State = stateOf(*s)
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b Summary) int { return cmp.Compare(a.Name, b.Name) })
	return out, nil
}

func stateOf(s Summary) string {
	switch {
	case s.Nodes == 0:
		return "incomplete"
	case s.Running == s.Nodes:
		return "running"
	case s.Running == 0:
		return "stopped"
	}
	return fmt.Sprintf("partial (%d/%d running)", s.Running, s.Nodes)
}

// Target finds node host of sandbox name (by host name, "nodeI", index
// or address) and returns how to reach it over SSH with the sandbox's key
// and known_hosts.
func (m *Manager) Target(ctx context.Context, name, host string) (Target, error) {
	containers, err := m.Engine.Containers(ctx, selector(name))
	if err != nil {
		return Target{}, err
	}
	if len(containers) == 0 {
		return Target{}, fmt.Errorf("no sandbox %q: create it with kubeup sandbox create --name %s, or see kubeup sandbox list", name, name)
	}
	slices.SortFunc(containers, func(a, b engine.Container) int {
		return cmp.Compare(atoi(a.Labels[LabelIndex]), atoi(b.Labels[LabelIndex]))
	})
	var names []string
	for _, c := range containers {
		node := c.Labels[LabelNode]
		names = append(names, node)
		ip := c.IPs[NetworkName(name)]
		idx := c.Labels[LabelIndex]
		if host != node && host != "node"+idx && host != idx && host != ip {
			continue
		}
		if c.State != "running" {
			return Target{}, fmt.Errorf("node %s is %s, not running: recreate the sandbox (kubeup sandbox delete --name %s, then create it again)", node, c.State, name)
		}
		return targetFromFiles(node, ip, c.Labels[LabelKey], c.Labels[LabelKnownHosts])
	}
	return Target{}, fmt.Errorf("sandbox %q has no node %q: its nodes are %v", name, host, names)
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
