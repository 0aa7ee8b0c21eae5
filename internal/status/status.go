// Package status holds kubeup status's phases over the run state of
// package remoteops; they change nothing on the hosts or in the cluster.
package status

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
)

// Phases returns the phases of kubeup status: read-only checks of every
// host's services and of the cluster through its API.
func Phases() []phase.Phase[*remoteops.Run] {
	return []phase.Phase[*remoteops.Run]{
		{Name: "connect", Run: remoteops.Connect},
		{Name: "services", Hosts: (*remoteops.Run).AllHosts, Run: checkServices},
		{Name: "etcd", Hosts: (*remoteops.Run).EtcdHosts, Run: checkEtcd},
		{Name: "cluster", Run: remoteops.Validate},
	}
}

// checkServices reports every component of the host and fails naming
// those that do not run, or do not answer their health URL, with the end
// of their logs.
func checkServices(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	ks := r.ComponentsOn(r.SpecHost(s.HostName()))
	slices.SortFunc(ks, func(a, b catalog.Component) int { return strings.Compare(a.Name, b.Name) })
	names := catalog.Names(ks)
	states, err := r.Supervisor.States(ctx, s.Host(), names)
	if err != nil {
		return err
	}
	var down, healthy []catalog.Component
	for _, k := range ks {
		if !states[k.Name].Active {
			down = append(down, k)
		} else if k.Health != "" {
			healthy = append(healthy, k)
		}
	}
	sick, err := unhealthy(ctx, s.Host(), healthy)
	if err != nil {
		return err
	}
	if len(down)+len(sick) == 0 {
		s.Report(fmt.Sprintf("✓ %s: %s running and healthy", s.HostName(), strings.Join(names, ", ")))
		return nil
	}
	var problems []string
	if len(down) > 0 {
		problems = append(problems, strings.Join(catalog.Names(down), ", ")+" not active")
	}
	if len(sick) > 0 {
		problems = append(problems, strings.Join(sick, ", ")+" not healthy")
	}
	first := append(catalog.Names(down), sick...)[0]
	s.Report(fmt.Sprintf("✗ %s: %s", s.HostName(), strings.Join(problems, "; ")))
	return fmt.Errorf("%s\nlast lines of %s's log:\n%s", strings.Join(problems, "; "), first, r.Supervisor.Logs(ctx, s.Host(), first, 10))
}

// healthCmd asks each component's health URL from the host with its
// kubectl and prints "sick NAME" for each that does not answer 200.
// Health paths need no permission; over HTTPS kubectl presents the
// kubelet's client certificate (without one it would prompt for a
// password).
func healthCmd(ks []catalog.Component) string {
	var b strings.Builder
	for _, k := range ks {
		u, err := url.Parse(k.Health)
		if err != nil {
			continue
		}
		insecure := ""
		if u.Scheme == "https" {
			// A self-signed serving certificate: only the answer counts.
			insecure = fmt.Sprintf(" --insecure-skip-tls-verify --client-certificate=%[1]s --client-key=%[1]s", layout.KubeletClientCert)
		}
		fmt.Fprintf(&b, "%s --kubeconfig=/dev/null --server=%s%s --request-timeout=5s get --raw %s </dev/null >/dev/null 2>&1 || echo sick %s\n",
			layout.Binary("kubectl"), host.Quote(u.Scheme+"://"+u.Host), insecure, host.Quote(u.Path), k.Name)
	}
	return b.String() + "true"
}

// unhealthy names the components of ks whose health URL does not answer.
func unhealthy(ctx context.Context, h host.Host, ks []catalog.Component) ([]string, error) {
	if len(ks) == 0 {
		return nil, nil
	}
	out, _, err := h.Exec(ctx, healthCmd(ks))
	if err != nil {
		return nil, fmt.Errorf("ask the components' health: %w", err)
	}
	var sick []string
	for _, l := range strings.Split(string(out), "\n") {
		if name, ok := strings.CutPrefix(strings.TrimSpace(l), "sick "); ok {
			sick = append(sick, name)
		}
	}
	return sick, nil
}

// checkEtcd reports the health of the host's etcd member.
func checkEtcd(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	out, stderr, err := s.Host().Exec(ctx, remoteops.EtcdHealthCmd())
	if err != nil || !strings.Contains(string(out), "is healthy") {
		s.Report(fmt.Sprintf("✗ %s: etcd unhealthy", s.HostName()))
		return fmt.Errorf("etcd is not healthy: %s%s", strings.TrimSpace(string(stderr)), strings.TrimSpace(string(out)))
	}
	s.Report(fmt.Sprintf("✓ %s: etcd healthy", s.HostName()))
	return nil
}
