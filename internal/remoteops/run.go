// Package remoteops holds what kubeup apply, reset and status share to
// work on a cluster's hosts: the run state and its builder, the host
// connections, the facts of each host, the install record, probes and
// changes through the phase runner's Step.Wet (so --dry-run lists them),
// waits, and the cluster's API client and validation.
package remoteops

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"

	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/plan"
	"kubeup.dev/kubeup/internal/render"
	"kubeup.dev/kubeup/internal/spec"
	"kubeup.dev/kubeup/internal/supervisor"
	"kubeup.dev/kubeup/internal/upgradeplan"
)

// Run is the state of one run of a command: the spec, what the command
// chose, the connected hosts and what phases learned on the way.
type Run struct {
	Cluster *spec.Cluster
	Options
	// Now is the local clock (clock skew check).
	Now func() time.Time
	// Components are the programs kubeup runs (catalog.All(); unit tests
	// add fictitious ones).
	Components []catalog.Component
	// Clientset talks to the cluster; nil makes one from the admin
	// kubeconfig (unit tests set a fake).
	Clientset kubernetes.Interface

	// roll makes changes that must not run on two hosts at once (an etcd
	// member changing how it runs) take turns.
	roll     sync.Mutex
	mu       sync.Mutex
	hosts    map[string]host.Host
	facts    map[string]*Facts
	changed  map[string]map[string]bool // host -> paths written this run
	warnings []string
	// upgradeFailed names the first worker whose upgrade failed.
	upgradeFailed string
}

// Options are what a command chooses for its run; New fills in those it
// leaves out.
type Options struct {
	StateDir string
	Plan     *plan.Cluster
	// Artifacts is the artifact manifest; ArtifactsDir holds its files.
	Artifacts    *manifest.Manifest
	ArtifactsDir string
	Dialer       Dialer
	// Log is the debug log (default: discarded).
	Log *slog.Logger
	// Redactor hides the run's secrets in logs, events and errors
	// (default: one that knows no secret).
	Redactor *phase.Redactor
	// Supervisor runs the components on hosts: systemd units, static
	// pods or DaemonSet pods (default: as the spec's mode says).
	Supervisor supervisor.Supervisor
	// Waits bounds the waits (the zero value means DefaultWaits).
	Waits Waits
	// IgnorePreflight names preflight checks whose errors become
	// warnings; "all" ignores every check.
	IgnorePreflight []string
	// SkipSmoke leaves the pod smoke tests out of validation.
	SkipSmoke bool
	// Converged says the last apply validated the cluster: a run that
	// then changes nothing skips the smoke tests (health is still checked).
	Converged bool
}

// Dialer connects to hosts (host.Dialer over SSH; unit tests fake it).
type Dialer interface {
	Dial(ctx context.Context, h spec.Host) (host.Host, error)
	Close() error
}

// Waits bounds the waits of apply.
type Waits struct {
	Etcd         time.Duration
	ControlPlane time.Duration
	Nodes        time.Duration
}

// DefaultWaits are generous for slow machines and short for humans.
func DefaultWaits() Waits {
	return Waits{Etcd: 2 * time.Minute, ControlPlane: 3 * time.Minute, Nodes: 3 * time.Minute}
}

// New returns the run of cluster c with o, ready for the phases.
func New(c *spec.Cluster, o Options) *Run {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Redactor == nil {
		o.Redactor = phase.NewRedactor()
	}
	if o.Supervisor == nil {
		o.Supervisor = supervisor.For(c, catalog.All(), map[string]string{"etcd": render.EtcdUser})
	}
	if o.Waits == (Waits{}) {
		o.Waits = DefaultWaits()
	}
	return &Run{Cluster: c, Options: o, Now: time.Now, Components: catalog.All(),
		hosts: map[string]host.Host{}, facts: map[string]*Facts{}, changed: map[string]map[string]bool{}}
}

// ComponentsOn lists the components that run on host h, in start order.
func (r *Run) ComponentsOn(h spec.Host) []catalog.Component {
	var out []catalog.Component
	for _, k := range r.Components {
		if k.RunsOn(r.Cluster, h) {
			out = append(out, k)
		}
	}
	return out
}

// SetHost records a connected host; a nil host forgets the name.
func (r *Run) SetHost(name string, h host.Host) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if h == nil {
		delete(r.hosts, name)
		return
	}
	r.hosts[name] = h
}

// Host returns the connected host named name.
func (r *Run) Host(name string) host.Host {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hosts[name]
}

// Close closes every host connection.
func (r *Run) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, h := range r.hosts {
		_ = h.Close()
	}
	if r.Dialer != nil {
		return r.Dialer.Close()
	}
	return nil
}

// HostsWith returns the connected hosts of the spec that have role
// (every host when role is empty), in spec order.
func (r *Run) HostsWith(role spec.Role) []host.Host {
	var out []host.Host
	for _, h := range r.Cluster.Spec.Hosts {
		if role != "" && !h.HasRole(role) {
			continue
		}
		if hh := r.Host(h.Name); hh != nil {
			out = append(out, hh)
		}
	}
	return out
}

// AllHosts returns every connected host, in spec order.
func (r *Run) AllHosts() []host.Host { return r.HostsWith("") }

// EtcdHosts returns the connected etcd hosts, in spec order.
func (r *Run) EtcdHosts() []host.Host { return r.HostsWith(spec.RoleEtcd) }

// SpecHost returns the spec entry of a connected host.
func (r *Run) SpecHost(name string) spec.Host {
	h, _ := r.Cluster.Spec.Host(name)
	return h
}

// HostFiles returns the planned files of host name.
func (r *Run) HostFiles(name string) plan.HostFiles {
	for _, hf := range r.Plan.Hosts {
		if hf.Host.Name == name {
			return hf
		}
	}
	return plan.HostFiles{}
}

// setFacts records what the facts phase learned about a host.
func (r *Run) setFacts(name string, f *Facts) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.facts[name] = f
}

// Facts returns what the facts phase learned about host name.
func (r *Run) Facts(name string) *Facts {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.facts[name]
}

// MarkChanged records that path was (re)written on host this run.
func (r *Run) MarkChanged(hostName, path string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.changed[hostName] == nil {
		r.changed[hostName] = map[string]bool{}
	}
	r.changed[hostName][path] = true
}

// AnyChanged reports whether any of paths was written on host this run.
func (r *Run) AnyChanged(hostName string, paths ...string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range paths {
		if r.changed[hostName][p] {
			return true
		}
	}
	return false
}

// Roll runs f while no other Roll of the run does: changes that must not
// run on two hosts at once take turns.
func (r *Run) Roll(f func() error) error {
	r.roll.Lock()
	defer r.roll.Unlock()
	return f()
}

// Finding is one problem a phase found on a host: a preflight check's,
// or one a reset warns about.
type Finding struct {
	Check   string // name usable with --ignore-preflight-errors
	Message string // what is wrong and how to fix it
	Warning bool
}

func (f Finding) String() string {
	kind := "error"
	if f.Warning {
		kind = "warning"
	}
	return fmt.Sprintf("[%s] %s: %s", f.Check, kind, f.Message)
}

// Warn records a warning for the end-of-run summary.
func (r *Run) Warn(hostName string, f Finding) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.warnings = append(r.warnings, hostName+": "+f.String())
}

// Warnings returns the warnings of the run.
func (r *Run) Warnings() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.warnings...)
}

// UpgradingWorker reports whether host name is a worker (and nothing
// else) whose installed Kubernetes differs from the spec's: apply leaves
// it to the upgrade/workers phase, which drains it first, instead of
// changing it with the other hosts.
func (r *Run) UpgradingWorker(name string) bool {
	f := r.Facts(name)
	return f != nil && upgradeplan.DrainsFirst(r.SpecHost(name), f.Kubelet, r.Cluster.Spec.KubernetesVersion)
}

// Installed maps every host with facts to the Kubernetes version
// installed there ("" for none).
func (r *Run) Installed() map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]string{}
	for name, f := range r.facts {
		out[name] = f.Kubelet
	}
	return out
}

// HostsNow returns the connected hosts apply changes in its main phases:
// every host but the workers the upgrade/workers phase upgrades.
func (r *Run) HostsNow() []host.Host {
	var out []host.Host
	for _, h := range r.AllHosts() {
		if !r.UpgradingWorker(h.Name()) {
			out = append(out, h)
		}
	}
	return out
}

// UpgradingWorkers returns the connected workers to drain and upgrade, in
// spec order.
func (r *Run) UpgradingWorkers() []host.Host {
	var out []host.Host
	for _, h := range r.AllHosts() {
		if r.UpgradingWorker(h.Name()) {
			out = append(out, h)
		}
	}
	return out
}

// FailUpgrade records that the upgrade of worker name failed; the first
// failure is kept.
func (r *Run) FailUpgrade(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.upgradeFailed == "" {
		r.upgradeFailed = name
	}
}

// UpgradeFailed names the first worker whose upgrade failed, or "".
func (r *Run) UpgradeFailed() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.upgradeFailed
}
