// Package verify checks a running cluster the way a user would, through
// the API with client-go: the API server's health endpoints, every spec
// host registered as a Ready node, CoreDNS available, and smoke tests that
// put a pod on every node and prove pod-to-pod traffic across nodes, DNS
// and ClusterIP Services. Each check yields a report line.
package verify

import (
	"context"
	"fmt"
	"time"

	"k8s.io/client-go/kubernetes"

	"kubeup.dev/kubeup/internal/spec"
)

// Check is the outcome of one check.
type Check struct {
	Name     string
	Err      error
	Detail   string
	Duration time.Duration
}

// OK reports whether the check passed.
func (c Check) OK() bool { return c.Err == nil }

// String is the report line: "✓ name (detail, 1.2s)" or "✗ name: error".
func (c Check) String() string {
	d := c.Duration.Round(100 * time.Millisecond)
	if c.Err != nil {
		return fmt.Sprintf("✗ %s: %v (%s)", c.Name, c.Err, d)
	}
	if c.Detail != "" {
		return fmt.Sprintf("✓ %s: %s (%s)", c.Name, c.Detail, d)
	}
	return fmt.Sprintf("✓ %s (%s)", c.Name, d)
}

// Report is every check in order.
type Report []Check

// Failed returns the failed checks.
func (r Report) Failed() []Check {
	var out []Check
	for _, c := range r {
		if c.Err != nil {
			out = append(out, c)
		}
	}
	return out
}

// Err summarizes failures as one error, or nil.
func (r Report) Err() error {
	f := r.Failed()
	if len(f) == 0 {
		return nil
	}
	names := f[0].Name
	for _, c := range f[1:] {
		names += ", " + c.Name
	}
	return fmt.Errorf("%d of %d checks failed: %s", len(f), len(r), names)
}

// Options tunes the checks.
type Options struct {
	// Timeout bounds each check that waits (nodes Ready, smoke pods).
	Timeout time.Duration
	// Smoke runs the pod smoke tests (they create and delete a namespace).
	Smoke bool
	// SmokeImage is the test image reference (imported on every node).
	SmokeImage string
	// Report receives each check as it ends; nil for none.
	Report func(Check)
}

// Cluster runs every check against the cluster cs talks to and returns the
// report; it stops early only when ctx is cancelled.
func Cluster(ctx context.Context, cs kubernetes.Interface, c *spec.Cluster, o Options) Report {
	if o.Timeout == 0 {
		o.Timeout = 3 * time.Minute
	}
	checks := []struct {
		name string
		fn   func(context.Context) (string, error)
	}{
		{"apiserver /livez", func(ctx context.Context) (string, error) { return health(ctx, cs, "/livez") }},
		{"apiserver /readyz", func(ctx context.Context) (string, error) { return health(ctx, cs, "/readyz") }},
		{"every host is a Ready node", func(ctx context.Context) (string, error) { return nodesReady(ctx, cs, c, o.Timeout) }},
		{"CoreDNS available", func(ctx context.Context) (string, error) { return coreDNSAvailable(ctx, cs, o.Timeout) }},
	}
	if o.Smoke {
		checks = append(checks, struct {
			name string
			fn   func(context.Context) (string, error)
		}{"smoke: pods on every node reach each other, DNS and Services", func(ctx context.Context) (string, error) {
			return smoke(ctx, cs, c, o)
		}})
	}
	var r Report
	for _, ch := range checks {
		if ctx.Err() != nil {
			r = append(r, Check{Name: ch.name, Err: ctx.Err()})
			continue
		}
		start := time.Now()
		detail, err := ch.fn(ctx)
		res := Check{Name: ch.name, Err: err, Detail: detail, Duration: time.Since(start)}
		if o.Report != nil {
			o.Report(res)
		}
		r = append(r, res)
	}
	return r
}
