// Package upgradeplan says what moving a running cluster to the spec's
// Kubernetes version does, in order, from the versions its hosts run:
// etcd members one at a time, control-plane hosts one at a time, workers
// drained and upgraded in batches, addons last. It decides which workers
// wait for their drain (DrainsFirst) for apply, and describes the whole
// for kubeup upgrade plan.
package upgradeplan

import (
	"fmt"
	"slices"
	"strings"

	"kubeup.dev/kubeup/internal/spec"
	"kubeup.dev/kubeup/internal/versions"
)

// DrainsFirst reports whether host h, on Kubernetes installed ("" for
// none), is a worker (and nothing else) that apply drains before it
// changes it: one on another version than target. Control-plane and etcd
// hosts change in the main phases, one at a time where it matters.
func DrainsFirst(h spec.Host, installed, target string) bool {
	worker := h.HasRole(spec.RoleWorker) && !h.HasRole(spec.RoleControlPlane) && !h.HasRole(spec.RoleEtcd)
	return worker && installed != "" && installed != target
}

// Step is one stage of an upgrade.
type Step struct {
	What  string
	Hosts []string
}

// Plan is an upgrade of a cluster.
type Plan struct {
	From  []string // the versions the hosts run, sorted
	To    string
	Steps []Step
	// Warnings are allowed but noteworthy moves (a patch back).
	Warnings []string
}

// Make plans the upgrade of cluster c whose hosts run the versions of
// installed (host name -> version, "" or absent for a new host). It fails
// when a host cannot move to c's version (versions.CheckUpgrade). A
// cluster already on c's version has no steps.
func Make(c *spec.Cluster, installed map[string]string) (*Plan, error) {
	to := c.Spec.KubernetesVersion
	p := &Plan{To: to}
	var errs []string
	for _, h := range c.Spec.Hosts {
		v := installed[h.Name]
		warn, err := versions.CheckUpgrade(v, to)
		if err != nil {
			errs = append(errs, fmt.Sprintf("host %s: %v", h.Name, err))
		}
		if warn != "" {
			p.Warnings = append(p.Warnings, "host "+h.Name+": "+warn)
		}
		if v != "" && !slices.Contains(p.From, v) {
			p.From = append(p.From, v)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	slices.Sort(p.From)
	if len(p.From) == 0 || len(p.From) == 1 && p.From[0] == to {
		return p, nil
	}
	p.Steps = steps(c, installed, p.From[0])
	return p, nil
}

// steps are the stages of an upgrade from the oldest version from.
func steps(c *spec.Cluster, installed map[string]string, from string) []Step {
	to := c.Spec.KubernetesVersion
	old, _ := versions.For(from)
	cur, _ := versions.For(to)
	var etcd, cps, workers, rest []string
	for _, h := range c.Spec.Hosts {
		switch {
		case h.HasRole(spec.RoleEtcd) && c.Spec.Etcd.External == nil && installed[h.Name] != to:
			etcd = append(etcd, h.Name)
		case DrainsFirst(h, installed[h.Name], to):
			workers = append(workers, h.Name)
		}
		if h.HasRole(spec.RoleControlPlane) && installed[h.Name] != to {
			cps = append(cps, h.Name)
		}
		if !h.HasRole(spec.RoleControlPlane) && !DrainsFirst(h, installed[h.Name], to) && installed[h.Name] != to {
			rest = append(rest, h.Name)
		}
	}
	var out []Step
	add := func(hosts []string, format string, args ...any) {
		if len(hosts) > 0 {
			out = append(out, Step{What: fmt.Sprintf(format, args...), Hosts: hosts})
		}
	}
	if old.Etcd != cur.Etcd {
		add(etcd, "etcd %s -> %s, one member at a time, each healthy before the next", old.Etcd, cur.Etcd)
	}
	add(cps, "control plane %s -> %s, one host at a time, each /readyz before the next", from, to)
	add(rest, "kubelet and network on hosts that run no user pods, %s -> %s", from, to)
	add(workers, "workers drained (PodDisruptionBudgets respected, timeout %s) and upgraded %d at a time, each Ready on kubelet %s before it is uncordoned",
		c.Spec.Upgrade.DrainTimeout.Duration, c.Spec.Upgrade.MaxUnavailable, to)
	if old.CoreDNS != cur.CoreDNS {
		out = append(out, Step{What: fmt.Sprintf("CoreDNS %s -> %s, last", old.CoreDNS, cur.CoreDNS)})
	}
	return out
}

// String describes the plan for people.
func (p *Plan) String() string {
	var b strings.Builder
	if len(p.Steps) == 0 {
		fmt.Fprintf(&b, "every host runs Kubernetes %s: nothing to upgrade\n", p.To)
	} else {
		fmt.Fprintf(&b, "upgrade from %s to %s, in this order:\n", strings.Join(p.From, ", "), p.To)
		for i, s := range p.Steps {
			fmt.Fprintf(&b, "%d. %s", i+1, s.What)
			if len(s.Hosts) > 0 {
				fmt.Fprintf(&b, ": %s", strings.Join(s.Hosts, ", "))
			}
			b.WriteString("\n")
		}
	}
	for _, w := range p.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	return b.String()
}
