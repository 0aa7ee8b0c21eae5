package phases

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/phase"
)

// Status returns the phases of kubeup status: read-only checks of every
// host's services and of the cluster through its API.
func Status() []phase.Phase[*Run] {
	return []phase.Phase[*Run]{
		{Name: "connect", Run: connect},
		{Name: "services", Hosts: (*Run).allHosts, Run: checkServices},
		{Name: "etcd", Hosts: (*Run).etcdHosts, Run: checkEtcd},
		{Name: "cluster", Run: validateCluster},
	}
}

// checkServices reports every unit of the host and fails naming the
// inactive ones with their journals.
func checkServices(ctx context.Context, r *Run, s *phase.Step) error {
	units := catalog.Names(r.componentsOn(r.specHost(s.HostName())))
	slices.Sort(units)
	states, err := r.Supervisor.States(ctx, s.Host(), units)
	if err != nil {
		return err
	}
	var down []string
	for _, u := range units {
		if !states[u].Active {
			down = append(down, u)
		}
	}
	if len(down) == 0 {
		s.Report(fmt.Sprintf("✓ %s: %s active", s.HostName(), strings.Join(units, ", ")))
		return nil
	}
	s.Report(fmt.Sprintf("✗ %s: %s not active", s.HostName(), strings.Join(down, ", ")))
	return fmt.Errorf("%s not active\nlast lines of %s's log:\n%s", strings.Join(down, ", "), down[0], r.Supervisor.Logs(ctx, s.Host(), down[0], 10))
}

// checkEtcd reports the health of the host's etcd member.
func checkEtcd(ctx context.Context, r *Run, s *phase.Step) error {
	out, stderr, err := s.Host().Exec(ctx, etcdHealthCmd())
	if err != nil || !strings.Contains(string(out), "is healthy") {
		s.Report(fmt.Sprintf("✗ %s: etcd unhealthy", s.HostName()))
		return fmt.Errorf("etcd is not healthy: %s%s", strings.TrimSpace(string(stderr)), strings.TrimSpace(string(out)))
	}
	s.Report(fmt.Sprintf("✓ %s: etcd healthy", s.HostName()))
	return nil
}
