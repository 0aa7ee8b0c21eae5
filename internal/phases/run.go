// Package phases holds kubeup apply's phases, one file each, and the typed
// run context they share. Every change to a host goes through the phase
// runner's Step.Wet, so --dry-run lists it; every phase is idempotent, so a
// re-run after any failure converges.
package phases

import (
	"context"
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
)

// Run is the state of one apply: the spec, the planned files, the
// artifacts, the connected hosts and what phases learned on the way.
type Run struct {
	Cluster  *spec.Cluster
	StateDir string
	Plan     *plan.Cluster
	// Artifacts is the artifact manifest; ArtifactsDir holds its files.
	Artifacts    *manifest.Manifest
	ArtifactsDir string
	Dialer       Dialer
	Log          *slog.Logger
	// Redactor hides the run's secrets in logs, events and errors.
	Redactor *phase.Redactor
	// IgnorePreflight names preflight checks whose errors become
	// warnings; "all" ignores every check.
	IgnorePreflight []string
	// Now is the local clock (clock skew check).
	Now func() time.Time
	// Timeouts for waits.
	Waits Waits
	// SkipSmoke leaves the pod smoke tests out of validation.
	SkipSmoke bool
	// Components are the programs kubeup runs (catalog.All(); unit tests
	// add fictitious ones).
	Components []catalog.Component
	// Supervisor runs the components on hosts (systemd units, static
	// pods or DaemonSet pods, as the mode says).
	Supervisor supervisor.Supervisor
	// Clientset talks to the cluster; nil makes one from the admin
	// kubeconfig (unit tests set a fake).
	Clientset kubernetes.Interface
	// Converged says the last apply validated the cluster: a run that
	// then changes nothing skips the smoke tests (health is still checked).
	Converged bool

	// roll makes changes that must not run on two hosts at once (an etcd
	// member changing how it runs) take turns.
	roll    sync.Mutex
	mu      sync.Mutex
	hosts   map[string]host.Host
	facts   map[string]*Facts
	changed map[string]map[string]bool // host -> paths written this run
	// resetTargets is what reset removes on each host (phase inspect).
	resetTargets map[string]*resetTarget
	warnings     []string
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

// NewRun returns a Run ready for the phases.
func NewRun(c *spec.Cluster, stateDir string, p *plan.Cluster, log *slog.Logger) *Run {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Run{Cluster: c, StateDir: stateDir, Plan: p, Log: log, Now: time.Now, Waits: DefaultWaits(), Redactor: phase.NewRedactor(),
		Components: catalog.All(), Supervisor: supervisor.For(c, catalog.All(), map[string]string{"etcd": render.EtcdUser}),
		hosts: map[string]host.Host{}, facts: map[string]*Facts{}, changed: map[string]map[string]bool{}}
}

// componentsOn lists the components that run on host h, in start order.
func (r *Run) componentsOn(h spec.Host) []catalog.Component {
	var out []catalog.Component
	for _, k := range r.Components {
		if k.RunsOn(r.Cluster, h) {
			out = append(out, k)
		}
	}
	return out
}

// unitsOf names the components of host hostName in tier t, in start order.
func (r *Run) unitsOf(hostName string, t catalog.Tier) []string {
	return catalog.Names(catalog.InTier(r.componentsOn(r.specHost(hostName)), t))
}

// SetHost records a connected host.
func (r *Run) SetHost(name string, h host.Host) {
	r.mu.Lock()
	defer r.mu.Unlock()
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

// hostsWith returns the connected hosts of the spec that have role r
// (every host when r is empty), in spec order.
func (r *Run) hostsWith(role spec.Role) []host.Host {
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

func (r *Run) allHosts() []host.Host          { return r.hostsWith("") }
func (r *Run) etcdHosts() []host.Host         { return r.hostsWith(spec.RoleEtcd) }
func (r *Run) controlPlaneHosts() []host.Host { return r.hostsWith(spec.RoleControlPlane) }

// firstControlPlane is where cluster-wide kubectl work runs.
func (r *Run) firstControlPlane() []host.Host {
	cps := r.controlPlaneHosts()
	if len(cps) == 0 {
		return nil
	}
	return cps[:1]
}

// specHost returns the spec entry of a connected host.
func (r *Run) specHost(name string) spec.Host {
	h, _ := r.Cluster.Spec.Host(name)
	return h
}

// hostFiles returns the planned files of host name.
func (r *Run) hostFiles(name string) plan.HostFiles {
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

// markChanged records that path was (re)written on host this run.
func (r *Run) markChanged(hostName, path string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.changed[hostName] == nil {
		r.changed[hostName] = map[string]bool{}
	}
	r.changed[hostName][path] = true
}

// anyChanged reports whether any of paths was written on host this run.
func (r *Run) anyChanged(hostName string, paths ...string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range paths {
		if r.changed[hostName][p] {
			return true
		}
	}
	return false
}

// warn records a preflight warning for the end-of-run summary.
func (r *Run) warn(hostName string, f Finding) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.warnings = append(r.warnings, hostName+": "+f.String())
}

// Warnings returns the preflight warnings of the run.
func (r *Run) Warnings() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.warnings...)
}
