package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sync"
	"time"

	"kubeup.dev/kubeup/internal/sandbox/engine"
	"kubeup.dev/kubeup/internal/spec"
)

// Engine is the Docker calls a sandbox makes; engine.Docker implements it
// and unit tests use a fake.
type Engine interface {
	Info(ctx context.Context) (engine.Info, error)
	Networks(ctx context.Context) ([]engine.Network, error)
	CreateNetwork(ctx context.Context, cfg engine.NetworkConfig) (string, error)
	RemoveNetwork(ctx context.Context, id string) error
	Containers(ctx context.Context, label string) ([]engine.Container, error)
	CreateContainer(ctx context.Context, cfg engine.ContainerConfig) (string, error)
	CopyTo(ctx context.Context, id, dir string, tarStream io.Reader) error
	Start(ctx context.Context, id string) error
	RemoveContainer(ctx context.Context, id string) error
	CreateVolume(ctx context.Context, name string, labels map[string]string) error
	Volumes(ctx context.Context, label string) ([]engine.Volume, error)
	RemoveVolume(ctx context.Context, name string) error
}

// Images provides the node image.
type Images interface {
	// Ensure returns the node image reference, building the image when the
	// engine lacks it; built reports whether it did.
	Ensure(ctx context.Context) (ref string, built bool, err error)
}

// Manager creates, lists and deletes sandboxes.
type Manager struct {
	Engine Engine
	// Images is needed by Create only.
	Images Images
	Host   Host
	Prober Prober
	// Out gets one progress line per step.
	Out io.Writer
}

// Node is one node container of a sandbox.
type Node struct {
	// Name is the container name and the host name (NAME-nodeI).
	Name    string
	Index   int
	Address netip.Addr
	Roles   []spec.Role
	// ContainerID is set once the container exists.
	ContainerID string
	hostKey     *hostKey
}

func (m *Manager) out() io.Writer {
	if m.Out == nil {
		return io.Discard
	}
	return m.Out
}

// step runs fn and prints a line ending in a check mark or a cross with
// its duration; fn returns a detail for the line.
func (m *Manager) step(title string, fn func() (string, error)) error {
	start := time.Now()
	detail, err := fn()
	if detail != "" {
		title += " " + detail
	}
	m.report(err == nil, title, time.Since(start))
	return err
}

// report prints a step's line for a step timed by the caller.
func (m *Manager) report(ok bool, title string, took time.Duration) {
	mark := "✓"
	if !ok {
		mark = "✗"
	}
	fmt.Fprintf(m.out(), " %s %s (%.1fs)\n", mark, title, took.Seconds())
}

// forEach runs fn for every node in parallel and joins the errors, each
// wrapped with its node's name.
func forEach(nodes []*Node, fn func(n *Node) error) error {
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Go(func() {
			if err := fn(n); err != nil {
				errs[i] = fmt.Errorf("%s: %w", n.Name, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
