package phases

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"

	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/spec"
)

// DefaultDrainTimeout bounds the drain of a host reset on its own.
const DefaultDrainTimeout = 2 * time.Minute

// ContainerdConfigBackup is where apply keeps the host's own containerd
// configuration before replacing it, so that reset can put it back.
const ContainerdConfigBackup = layout.KubeupDir + "/backup/containerd-config.toml"

// ResetOptions choose what kubeup reset does.
type ResetOptions struct {
	// Hosts names the hosts to reset; empty resets the whole cluster.
	// ResetSelection checks and normalizes the names.
	Hosts []string
	// DrainTimeout bounds the drain of hosts reset on their own
	// (default DefaultDrainTimeout).
	DrainTimeout time.Duration
	// Client returns the clientset the drain uses; nil means (*Run).Client.
	Client func(*Run) (kubernetes.Interface, error)
	// Force resets hosts that carry no mark of the cluster but hold
	// Kubernetes: only what kubeup installs is removed there.
	Force bool
}

// Reset returns the phases of kubeup reset. Phase inspect first decides,
// on every host, what reset may remove there: what the host's install
// record names (or kubeup's fixed list for a host applied before records
// were kept), and refuses a host that carries no mark of the cluster but
// holds Kubernetes unless ResetOptions.Force. Each later host phase probes
// the host in one round trip and changes only what it finds of that,
// through Wet, so a dry run lists every change, a second reset changes
// nothing and a host that never had kubeup is left as it is. Every step
// tolerates what vanishes under it (a mount, a container, a link).
// Resetting only some hosts (which must be workers) drains and deletes
// their Nodes first; resetting the whole cluster removes the local admin
// kubeconfig at the end and keeps the PKI in the state directory.
func Reset(o ResetOptions) []phase.Phase[*Run] {
	all := o.hosts
	ps := []phase.Phase[*Run]{{Name: "connect", Run: o.connect}, {Name: "inspect", Hosts: all, Run: o.inspect}}
	if len(o.Hosts) > 0 {
		ps = append(ps, phase.Phase[*Run]{Name: "drain", Run: o.drain})
	}
	ps = append(ps,
		phase.Phase[*Run]{Name: "services", Hosts: all, Run: resetServices},
		phase.Phase[*Run]{Name: "containerd", Hosts: all, Run: resetContainerd},
		phase.Phase[*Run]{Name: "mounts", Hosts: all, Run: resetMounts},
		phase.Phase[*Run]{Name: "network", Hosts: all, Run: resetNetwork},
		phase.Phase[*Run]{Name: "files", Hosts: all, Run: resetFiles},
	)
	if len(o.Hosts) == 0 {
		ps = append(ps, phase.Phase[*Run]{Name: "kubeconfig", Run: removeKubeconfig})
	}
	return ps
}

// ResetSelection checks the --host names of a reset and returns them in
// spec order without duplicates, or nil when they name every host (a
// whole-cluster reset). Hosts reset on their own must be workers only:
// taking an etcd member or a control plane away alone would break the
// cluster.
func ResetSelection(c *spec.Cluster, names []string) ([]string, error) {
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
func (o ResetOptions) selected(c *spec.Cluster) []spec.Host {
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
func (o ResetOptions) hosts(r *Run) []host.Host {
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
func (o ResetOptions) connect(ctx context.Context, r *Run, _ *phase.Step) error {
	return r.dialAll(ctx, o.selected(r.Cluster), " (to reset the other hosts, name them with --host)")
}

// probeHost runs a read-only script on the host and returns its output
// lines split into fields, grouped by their first field.
func probeHost(ctx context.Context, h host.Host, script string) (map[string][][]string, error) {
	out, _, err := h.Exec(ctx, script)
	if err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	got := map[string][][]string{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) > 0 {
			got[f[0]] = append(got[f[0]], f[1:])
		}
	}
	return got, sc.Err()
}

// wetExec runs cmd on the host as one change described by what.
func wetExec(ctx context.Context, s *phase.Step, what, cmd string) error {
	return s.Wet(what, func(h host.Host) error {
		_, _, err := h.Exec(ctx, cmd)
		return err
	})
}

// listedNames joins names for a change description, at most max of them.
func listedNames(names []string, max int) string {
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:max], ", "), len(names)-max)
}

// quoteWords quotes every word for the shell.
func quoteWords(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = host.Quote(w)
	}
	return strings.Join(q, " ")
}

// resetUnits are the units kubeup installs, in stop order.
func resetUnits() []string { return catalog.Names(catalog.StopOrder(catalog.OwnUnits(catalog.All()))) }

// unitProbe prints which of kubeup's units have a unit file in
// /etc/systemd/system and the state of each ("unit ID=...", a bare
// "unit" between units).
func unitProbe() string {
	var files, ids []string
	for _, u := range resetUnits() {
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
func resetServices(ctx context.Context, r *Run, s *phase.Step) error {
	got, err := probeHost(ctx, s.Host(), unitProbe())
	if err != nil {
		return err
	}
	t := r.resetTargetOf(s.HostName())
	var stop, files []string
	for _, u := range parseUnits(got["unit"]) {
		if !t.runs(u.name) {
			continue
		}
		hasFile := probeHas(got, "file", layout.Unit(u.name))
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
	cmd := fmt.Sprintf("rm -f -- %s && systemctl daemon-reload", quoteWords(files))
	return wetExec(ctx, s, "remove unit files "+strings.Join(files, ", ")+" and reload systemd", cmd)
}

// removeKubeconfig removes the local admin kubeconfig after a reset of
// the whole cluster; the PKI and secrets in the state directory stay so
// that a later apply keeps the same CA.
func removeKubeconfig(_ context.Context, r *Run, s *phase.Step) error {
	p := AdminKubeconfigPath(r.StateDir)
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
