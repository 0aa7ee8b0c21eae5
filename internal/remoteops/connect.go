package remoteops

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/spec"
)

// Connect dials every host of the spec at once (one connection each,
// reused by every later phase) and reports every host that failed.
func Connect(ctx context.Context, r *Run, _ *phase.Step) error {
	return r.DialAll(ctx, r.Cluster.Spec.Hosts, "")
}

// DialAll dials the hosts not connected yet, all at once; each failure
// names its host, followed by hint.
func (r *Run) DialAll(ctx context.Context, hosts []spec.Host, hint string) error {
	var todo []spec.Host
	for _, h := range hosts {
		if r.Host(h.Name) == nil {
			todo = append(todo, h)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	if r.Dialer == nil {
		return errors.New("no dialer configured")
	}
	var wg sync.WaitGroup
	errs := make([]error, len(todo))
	for i, h := range todo {
		wg.Go(func() {
			hh, err := r.Dialer.Dial(ctx, h)
			if err != nil {
				errs[i] = fmt.Errorf("connect to %s: %w%s", h.Name, err, hint)
				return
			}
			r.SetHost(h.Name, hh) // each step logs its host's operations (phase.Step.Host)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
