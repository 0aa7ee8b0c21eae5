package apply

import (
	"slices"
	"strings"
	"testing"
	"time"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/remoteops/remoteopstest"
)

// TestStartEtcd: etcd/start starts a stopped member without blocking (the
// members of a new cluster get ready together), restarts a running one
// whose files changed one host at a time and waits until it is healthy
// (an upgrade keeps the quorum), enables a disabled one and leaves a
// running, current one alone; a dry run only lists the change.
func TestStartEtcd(t *testing.T) {
	start := "systemctl enable -q etcd && systemctl restart --no-block etcd && mkdir -p /var/lib/kubeup/units && echo %s > /var/lib/kubeup/units/etcd.stamp"
	restart := "systemctl enable -q etcd && systemctl restart etcd && mkdir -p /var/lib/kubeup/units && echo %s > /var/lib/kubeup/units/etcd.stamp"
	for _, tc := range []struct {
		name   string
		state  string
		stale  bool
		dryRun bool
		change string // "" = none
		cmd    string // the change command; "" = none
	}{
		{name: "running with its files", state: "active enabled"},
		{name: "stopped", state: "inactive disabled", change: "start etcd", cmd: start},
		{name: "files changed", state: "active enabled", stale: true, change: "restart etcd (its files changed)", cmd: restart},
		{name: "disabled", state: "active disabled", change: "enable etcd", cmd: "systemctl enable -q etcd"},
		{name: "dry run", state: "inactive disabled", dryRun: true, change: "start etcd"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, fakes := testRun(t)
			f := fakes["node1"]
			onUnit(r, f, "etcd", tc.state, tc.stale).On(`^systemctl enable -q etcd`, host.Reply{})
			f.On(`etcdctl `, host.Reply{Stdout: "https://127.0.0.1:2379 is healthy: successfully committed proposal: took = 2ms\n"})
			rep, err := runPhases(t, r, tc.dryRun, "etcd/start")
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			if tc.change != "" {
				want = []string{"etcd/start: " + tc.change}
			}
			if got := changeList(rep); !slices.Equal(got, want) {
				t.Errorf("changes %q, want %q", got, want)
			}
			var wantCmds []string
			if tc.cmd != "" {
				wantCmds = []string{strings.Replace(tc.cmd, "%s", unitStamp(r, "node1", "etcd"), 1)}
			}
			if got := remoteopstest.CommandsLike(f, `^systemctl `); !slices.Equal(got, wantCmds) {
				t.Errorf("ran %q, want %q", got, wantCmds)
			}
			if asked := remoteopstest.CommandsLike(f, `etcdctl `); tc.stale != (len(asked) > 0) {
				t.Errorf("asked etcd's health %d times; want to exactly when a running member restarted", len(asked))
			}
			for _, name := range []string{"node2", "node3"} {
				if cmds := fakes[name].Commands(); len(cmds) > 0 {
					t.Errorf("etcd/start ran %q on %s, which has no etcd", cmds, name)
				}
			}
		})
	}
}

// TestStartEtcdFailureShowsJournal: a member that does not start fails the
// phase with the host, the unit and the end of its journal.
func TestStartEtcdFailureShowsJournal(t *testing.T) {
	r, fakes := testRun(t)
	f := onUnits(r, fakes["node1"], map[string]string{"etcd": "inactive disabled"})
	f.On(`^systemctl enable -q etcd`, host.Reply{Code: 1, Stderr: "Job for etcd.service failed"})
	f.On(`^journalctl -u etcd -n \d+ `, host.Reply{Stdout: "etcdmain: open /etc/etcd/pki/server.crt: no such file\n"})
	_, err := runPhases(t, r, false, "etcd/start")
	errHas(t, err, "etcd/start", "node1", "start etcd", "Job for etcd.service failed", "open /etc/etcd/pki/server.crt: no such file")
}

// TestWaitEtcd: etcd/wait asks the local member with the healthcheck
// client certificate and passes once it is healthy; a member that stays
// unhealthy fails after the wait with etcdctl's last answer and the end of
// etcd's journal; a dry run asks nothing.
func TestWaitEtcd(t *testing.T) {
	for _, tc := range []struct {
		name   string
		reply  host.Reply
		dryRun bool
		err    []string // nil = no error
	}{
		{name: "healthy", reply: host.Reply{Stdout: "https://127.0.0.1:2379 is healthy: successfully committed proposal: took = 2ms\n"}},
		{name: "unhealthy", reply: host.Reply{Code: 1, Stderr: "https://127.0.0.1:2379 is unhealthy: failed to commit proposal: context deadline exceeded"},
			err: []string{"etcd/wait", "node1", "wait for etcd to be healthy", "etcd: not ready after 50ms", "context deadline exceeded",
				"last lines of its journal", "raft: lost leader"}},
		{name: "answers, not healthy", reply: host.Reply{Stdout: "no healthy member yet\n"},
			err: []string{"not ready after 50ms: no healthy member yet", "raft: lost leader"}},
		{name: "dry run", reply: host.Reply{Code: 1}, dryRun: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, fakes := testRun(t)
			shortWaits(r, 50*time.Millisecond)
			f := fakes["node1"]
			f.On(`etcdctl `, tc.reply)
			f.On(`^journalctl -u etcd `, host.Reply{Stdout: "raft: lost leader\n"})
			_, err := runPhases(t, r, tc.dryRun, "etcd/wait")
			wantErr(t, err, tc.err...)
			asked := remoteopstest.CommandsLike(f, `etcdctl `)
			switch {
			case tc.dryRun && len(asked) > 0:
				t.Errorf("a dry run asked etcd: %q", asked)
			case !tc.dryRun && len(asked) == 0:
				t.Fatal("etcd was not asked")
			case !tc.dryRun:
				for _, want := range []string{"--endpoints=https://127.0.0.1:2379", layout.EtcdHealthcheckClientCert, layout.EtcdHealthcheckClientKey, "endpoint health"} {
					if !strings.Contains(asked[0], want) {
						t.Errorf("health command %q lacks %q", asked[0], want)
					}
				}
			}
		})
	}
}
