package reset

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
	"kubeup.dev/kubeup/internal/remoteops/remoteopstest"
	"kubeup.dev/kubeup/internal/spec"
)

// TestHostOperationLoggedOnce: a host connected by the connect phase of
// apply and status (remoteops.Connect) or reset's logs each of its
// operations once, with the phase and host that ran it.
func TestHostOperationLoggedOnce(t *testing.T) {
	for name, connectPhase := range map[string]phase.Phase[*remoteops.Run]{
		"apply": {Name: "connect", Run: remoteops.Connect},
		"reset": Phases(Options{})[0],
	} {
		t.Run(name, func(t *testing.T) {
			r, _ := remoteopstest.NewRun(t)
			r.Cluster.Spec.Hosts = []spec.Host{{Name: "here", Address: "localhost", Roles: []spec.Role{spec.RoleWorker}}}
			r.Dialer = host.NewDialer(host.DialOptions{})
			const cmd = "echo kubeup-log-test"
			probe := phase.Phase[*remoteops.Run]{Name: "probe", Hosts: (*remoteops.Run).AllHosts, Run: func(ctx context.Context, _ *remoteops.Run, s *phase.Step) error {
				_, _, _ = s.Host().Exec(ctx, cmd) // its result does not matter (sudo may be missing): its log record does
				return nil
			}}
			var log bytes.Buffer
			runner, err := phase.New(phase.Options{Log: phase.NewDebugLogger(&log, r.Redactor)}, connectPhase, probe)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := runner.Run(context.Background(), r); err != nil {
				t.Fatal(err)
			}
			var records []string
			for _, l := range strings.Split(log.String(), "\n") {
				if strings.Contains(l, "msg=exec") && strings.Contains(l, cmd) {
					records = append(records, l)
				}
			}
			if len(records) != 1 || !strings.Contains(records[0], "phase=probe") || !strings.Contains(records[0], "host=here") {
				t.Errorf("one Exec logged as %d records, want one with its phase and host:\n%s", len(records), strings.Join(records, "\n"))
			}
		})
	}
}

// fakeDialer connects to fakes, fails for the hosts in down and counts
// its dials.
type fakeDialer struct {
	down  map[string]bool
	dials atomic.Int32
}

func (d *fakeDialer) Dial(_ context.Context, h spec.Host) (host.Host, error) {
	d.dials.Add(1)
	if d.down[h.Name] {
		return nil, errors.New("connection refused")
	}
	return host.NewFake(h.Name), nil
}

func (d *fakeDialer) Close() error { return nil }

// TestConnectDialsWhatIsNotConnectedAndNamesEveryFailure: apply's
// connect (remoteops.Connect) dials only hosts not connected yet and
// reports each host that failed; reset's names only its hosts and says
// how to reset the others.
func TestConnectDialsWhatIsNotConnectedAndNamesEveryFailure(t *testing.T) {
	r, _ := remoteopstest.NewRun(t)
	r.SetHost("node2", nil)
	r.SetHost("node3", nil)
	d := &fakeDialer{down: map[string]bool{"node3": true}}
	r.Dialer = d
	runner, _ := phase.New(phase.Options{}, phase.Phase[*remoteops.Run]{Name: "connect", Run: remoteops.Connect})
	_, err := runner.Run(context.Background(), r)
	if err == nil || !strings.Contains(err.Error(), "connect to node3: connection refused") || strings.Contains(err.Error(), "node2") {
		t.Fatalf("err %v", err)
	}
	if d.dials.Load() != 2 || r.Host("node2") == nil {
		t.Errorf("%d dials, node2 connected %v", d.dials.Load(), r.Host("node2") != nil)
	}
	runner, _ = phase.New(phase.Options{}, Phases(Options{Hosts: []string{"node3"}})[0])
	_, err = runner.Run(context.Background(), r)
	if err == nil || !strings.Contains(err.Error(), "node3") || !strings.Contains(err.Error(), "name them with --host") || d.dials.Load() != 3 {
		t.Errorf("reset connect: %v after %d dials", err, d.dials.Load())
	}
}
