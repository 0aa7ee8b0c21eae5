// Package supervisor is the seam between what a component is (package
// catalog) and how it runs on a host. A Supervisor reads the state of
// components, decides what bringing one up to date takes, shows its logs,
// stops it and removes it. Systemd runs components as systemd units; a
// static-pod or DaemonSet supervisor fits the same interface.
package supervisor

import (
	"context"

	"kubeup.dev/kubeup/internal/host"
)

// State is what a host says about one component.
type State struct {
	// Active says it runs; Enabled that it starts at boot.
	Active, Enabled bool
	// Stamp is the stamp of the files it was last started with ("" when
	// none was recorded).
	Stamp string
}

// Action is one change to a host: What describes it (for dry runs and
// progress), Do makes it.
type Action struct {
	What string
	Do   func(ctx context.Context, h host.Host) error
}

// EnsureOptions tune Ensure.
type EnsureOptions struct {
	// NoBlock starts without waiting for the component to report ready
	// (etcd members of a new cluster only get ready together).
	NoBlock bool
}

// Supervisor runs components on hosts.
type Supervisor interface {
	// States reads the state of the named components in one round trip.
	States(ctx context.Context, h host.Host, names []string) (map[string]State, error)
	// Ensure returns what makes the component run, enabled, with the
	// files of stamp (started when stopped, restarted when its stamp
	// differs); nil when it is up to date.
	Ensure(name string, st State, stamp string, o EnsureOptions) *Action
	// Logs returns the component's last lines of log, for error messages.
	Logs(ctx context.Context, h host.Host, name string, lines int) string
	// Stop stops a running component (it stays enabled).
	Stop(name string) Action
	// Remove stops and disables the components at once, without a
	// graceful shutdown, so that nothing restarts them.
	Remove(names []string) Action
}
