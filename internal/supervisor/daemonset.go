package supervisor

import (
	"context"
	"fmt"
	"strings"
	"time"

	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/host"
)

// DaemonSet runs each component as the pod a DaemonSet (created with the
// cluster's addons) puts on every node. The DaemonSet is one object for
// every node, but each node's pod reads its node's files (configuration,
// kubeconfig): Ensure restarts the pod's process on a node whose files
// changed (the kubelet starts the container again) and records the
// stamp, as Systemd does.
type DaemonSet struct {
	// Wait bounds how long Ensure waits for the pod's process.
	Wait time.Duration
}

var _ Supervisor = DaemonSet{}

// States reads whether each component's process runs and its stamp.
func (DaemonSet) States(ctx context.Context, h host.Host, names []string) (map[string]State, error) {
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "echo %s $(pgrep -x %s >/dev/null && echo active || echo inactive) enabled stamp=$(cat %s 2>/dev/null)\n",
			host.Quote(n), host.Quote(catalog.ProcessName(n)), StampPath(n))
	}
	stdout, _, err := h.Exec(ctx, b.String())
	if err != nil {
		return nil, fmt.Errorf("read pod states: %w", err)
	}
	return parseStates(string(stdout)), nil
}

// Ensure waits for the pod's process on a node where it does not run
// yet, restarts it where its stamp differs, and records the stamp.
func (ds DaemonSet) Ensure(name string, st State, stamp string, o EnsureOptions) *Action {
	if st.Active && st.Stamp == stamp {
		return nil
	}
	p := host.Quote(catalog.ProcessName(name))
	record := fmt.Sprintf("mkdir -p %s && echo %s > %s", StampDir, stamp, StampPath(name))
	wait := waitFor("pgrep -x "+p+" >/dev/null", ds.wait(), name+"'s pod did not start within "+ds.wait().String())
	logs := func(ctx context.Context, h host.Host) string { return ds.Logs(ctx, h, name, 15) }
	if !st.Active {
		if o.NoBlock {
			return &Action{What: "record the files of " + name, Do: execAction(record)}
		}
		return hostAction("wait for the pod of "+name, wait+"\n"+record, logs)
	}
	fresh := fmt.Sprintf(`old=" $(pgrep -x %[1]s | tr '\n' ' ') "
fresh() { for p in $(pgrep -x %[1]s); do case "$old" in *" $p "*) ;; *) return 0;; esac; done; return 1; }
pkill -x %[1]s`, p)
	cmd := fresh + "\n" + waitFor("fresh", ds.wait(), name+" did not start again within "+ds.wait().String()) + "\n" + record
	return hostAction("restart "+name+" (its files changed)", cmd, logs)
}

func (ds DaemonSet) wait() time.Duration {
	if ds.Wait <= 0 {
		return DefaultPodWait
	}
	return ds.Wait
}

// Logs returns the last lines of the node's pod's container log (the
// container is named as the component).
func (DaemonSet) Logs(ctx context.Context, h host.Host, name string, lines int) string {
	return podLogs(ctx, h, "", name, lines)
}

// Stop ends the pod's process; the kubelet starts the container again.
func (DaemonSet) Stop(name string) Action {
	return Action{What: "restart " + name + "'s container", Do: execAction("pkill -x " + host.Quote(catalog.ProcessName(name)) + "; true")}
}

// Remove forgets the stamps: the pods go with the node (their containers
// are removed with the others the kubelet made).
func (DaemonSet) Remove(names []string) Action {
	paths := make([]string, len(names))
	for i, n := range names {
		paths[i] = StampPath(n)
	}
	return Action{What: "forget the pods of " + strings.Join(names, ", "), Do: execAction("rm -f " + strings.Join(paths, " "))}
}
