package phases

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/spec"
)

// TestHostOperationLoggedOnce: a host connected by apply's or reset's
// connect phase logs each of its operations once, with the phase and host
// that ran it.
func TestHostOperationLoggedOnce(t *testing.T) {
	for name, connectPhase := range map[string]phase.Phase[*Run]{
		"apply": Apply()[0],
		"reset": Reset(ResetOptions{})[0],
	} {
		t.Run(name, func(t *testing.T) {
			r, _ := testRun(t)
			r.Cluster.Spec.Hosts = []spec.Host{{Name: "here", Address: "localhost", Roles: []spec.Role{spec.RoleWorker}}}
			r.Dialer = host.NewDialer(host.DialOptions{})
			const cmd = "echo kubeup-log-test"
			probe := phase.Phase[*Run]{Name: "probe", Hosts: (*Run).allHosts, Run: func(ctx context.Context, _ *Run, s *phase.Step) error {
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
