// Package reset holds kubeup reset's phases over the run state of package
// remoteops: they remove from each host what apply installed there, and
// nothing else.
package reset

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
	"kubeup.dev/kubeup/internal/spec"
)

// DefaultDrainTimeout bounds the drain of a host reset on its own.
const DefaultDrainTimeout = 2 * time.Minute

// Options choose what kubeup reset does.
type Options struct {
	// Hosts names the hosts to reset; empty resets the whole cluster.
	// Selection checks and normalizes the names.
	Hosts []string
	// DrainTimeout bounds the drain of hosts reset on their own
	// (default DefaultDrainTimeout).
	DrainTimeout time.Duration
	// Client returns the clientset the drain uses; nil means
	// (*remoteops.Run).Client.
	Client func(*remoteops.Run) (kubernetes.Interface, error)
	// Force resets hosts that carry no mark of the cluster but hold
	// Kubernetes: only what kubeup installs is removed there.
	Force bool
}

// resetter is one reset: its options and what phase inspect decided to
// remove on each host.
type resetter struct {
	Options
	mu      sync.Mutex
	targets map[string]*resetTarget
}

// Phases returns the phases of kubeup reset. Phase inspect first decides,
// on every host, what reset may remove there: what the host's install
// record names (or kubeup's fixed list for a host applied before records
// were kept), and refuses a host that carries no mark of the cluster but
// holds Kubernetes unless Options.Force. Each later host phase probes
// the host in one round trip and changes only what it finds of that,
// through Wet, so a dry run lists every change, a second reset changes
// nothing and a host that never had kubeup is left as it is. Every step
// tolerates what vanishes under it (a mount, a container, a link).
// Resetting only some hosts (which must be workers) drains and deletes
// their Nodes first; resetting the whole cluster removes the local admin
// kubeconfig at the end and keeps the PKI in the state directory.
func Phases(o Options) []phase.Phase[*remoteops.Run] {
	x := &resetter{Options: o, targets: map[string]*resetTarget{}}
	all := x.hosts
	ps := []phase.Phase[*remoteops.Run]{{Name: "connect", Run: x.connect}, {Name: "inspect", Hosts: all, Run: x.inspect}}
	if len(o.Hosts) > 0 {
		ps = append(ps, phase.Phase[*remoteops.Run]{Name: "drain", Run: x.drain})
	}
	ps = append(ps,
		phase.Phase[*remoteops.Run]{Name: "services", Hosts: all, Run: x.resetServices},
		phase.Phase[*remoteops.Run]{Name: "containerd", Hosts: all, Run: x.resetContainerd},
		phase.Phase[*remoteops.Run]{Name: "mounts", Hosts: all, Run: x.resetMounts},
		phase.Phase[*remoteops.Run]{Name: "network", Hosts: all, Run: x.resetNetwork},
		phase.Phase[*remoteops.Run]{Name: "files", Hosts: all, Run: x.resetFiles},
	)
	if len(o.Hosts) == 0 {
		ps = append(ps, phase.Phase[*remoteops.Run]{Name: "kubeconfig", Run: removeKubeconfig})
	}
	return ps
}

// Selection checks the --host names of a reset and returns them in
// spec order without duplicates, or nil when they name every host (a
// whole-cluster reset). Hosts reset on their own must be workers only:
// taking an etcd member or a control plane away alone would break the
// cluster.
func Selection(c *spec.Cluster, names []string) ([]string, error) {
	want := map[string]bool{}
	for _, n := range names {
		if _, ok := c.Spec.Host(n); !ok {
			return nil, fmt.Errorf("--host %s: no such host in the spec: choose from %s", n, strings.Join(specHostNames(c.Spec.Hosts), ", "))
		}
		want[n] = true
	}
	if len(want) == 0 || len(want) == len(c.Spec.Hosts) {
		return nil, nil
	}
	var out []string
	for _, h := range c.Spec.Hosts {
		if !want[h.Name] {
			continue
		}
		if h.HasRole(spec.RoleControlPlane) || h.HasRole(spec.RoleEtcd) {
			return nil, fmt.Errorf("--host %s: the host runs the control plane or etcd; only workers can be reset on their own: reset the whole cluster (leave out --host)", h.Name)
		}
		out = append(out, h.Name)
	}
	return out, nil
}

func specHostNames(hosts []spec.Host) []string {
	out := make([]string, len(hosts))
	for i, h := range hosts {
		out[i] = h.Name
	}
	return out
}

// selected returns the spec hosts the reset works on.
func (o Options) selected(c *spec.Cluster) []spec.Host {
	if len(o.Hosts) == 0 {
		return c.Spec.Hosts
	}
	var out []spec.Host
	for _, h := range c.Spec.Hosts {
		if slices.Contains(o.Hosts, h.Name) {
			out = append(out, h)
		}
	}
	return out
}

// hosts returns the connected hosts the reset works on, in spec order.
func (o Options) hosts(r *remoteops.Run) []host.Host {
	var out []host.Host
	for _, h := range o.selected(r.Cluster) {
		if hh := r.Host(h.Name); hh != nil {
			out = append(out, hh)
		}
	}
	return out
}

// connect dials the selected hosts at once; the others are not touched,
// so a reset of one worker works while other hosts are down.
func (o Options) connect(ctx context.Context, r *remoteops.Run, _ *phase.Step) error {
	return r.DialAll(ctx, o.selected(r.Cluster), " (to reset the other hosts, name them with --host)")
}

// unitProbe prints which of kubeup's units have a unit file in
// /etc/systemd/system and the state of each ("unit ID=...", a bare
// "unit" between units).
func unitProbe() string {
	var files, ids []string
	for _, u := range remoteops.KubeupUnits() {
		files = append(files, host.Quote(layout.Unit(u)))
		ids = append(ids, host.Quote(u+".service"))
	}
	return fmt.Sprintf(`for f in %s; do [ -e "$f" ] && echo "file $f"; done
systemctl show -p Id,ActiveState,UnitFileState,FragmentPath %s 2>/dev/null | sed 's/^/unit /'; true`, strings.Join(files, " "), strings.Join(ids, " "))
}

// resetUnit is what systemctl show says about one unit.
type resetUnit struct {
	name, active, enabled, fragment string
}

// parseUnits reads the probe's "unit KEY=VALUE" blocks.
func parseUnits(lines [][]string) []resetUnit {
	var out []resetUnit
	var cur resetUnit
	flush := func() {
		if cur.name != "" {
			out = append(out, cur)
		}
		cur = resetUnit{}
	}
	for _, f := range lines {
		if len(f) == 0 {
			flush()
			continue
		}
		k, v, _ := strings.Cut(f[0], "=")
		switch k {
		case "Id":
			cur.name = strings.TrimSuffix(v, ".service")
		case "ActiveState":
			cur.active = v
		case "UnitFileState":
			cur.enabled = v
		case "FragmentPath":
			cur.fragment = v
		}
	}
	flush()
	return out
}

// resetServices stops and disables the units kubeup installed on the
// host and removes their unit files.
func (x *resetter) resetServices(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	got, err := remoteops.ProbeHost(ctx, s.Host(), unitProbe())
	if err != nil {
		return err
	}
	t := x.targetOf(r, s.HostName())
	var stop, files []string
	for _, u := range parseUnits(got["unit"]) {
		if !t.runs(u.name) {
			continue
		}
		hasFile := remoteops.ProbeHas(got, "file", layout.Unit(u.name))
		if !hasFile && u.fragment != layout.Unit(u.name) {
			continue // not kubeup's unit (or no unit at all)
		}
		if hasFile {
			files = append(files, layout.Unit(u.name))
		}
		if (u.active != "inactive" && u.active != "") || u.enabled == "enabled" {
			stop = append(stop, u.name)
		}
	}
	if len(stop) > 0 {
		a := r.Supervisor.Remove(stop)
		if err := s.Wet(a.What, func(h host.Host) error { return a.Do(ctx, h) }); err != nil {
			return err
		}
	}
	if len(files) == 0 {
		return nil
	}
	cmd := fmt.Sprintf("rm -f -- %s && systemctl daemon-reload", remoteops.QuoteWords(files))
	return remoteops.WetExec(ctx, s, "remove unit files "+strings.Join(files, ", ")+" and reload systemd", cmd)
}

// removeKubeconfig removes the local admin kubeconfig after a reset of
// the whole cluster; the PKI and secrets in the state directory stay so
// that a later apply keeps the same CA.
func removeKubeconfig(_ context.Context, r *remoteops.Run, s *phase.Step) error {
	p := remoteops.AdminKubeconfigPath(r.StateDir)
	if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return s.Wet("remove local admin kubeconfig "+p, func(host.Host) error {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	})
}
