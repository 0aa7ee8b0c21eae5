package supervisor

import (
	"context"
	"fmt"
	"strings"
	"time"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/staticpod"
)

// DefaultPodWait bounds how long Ensure waits for a component's new pod
// to run.
const DefaultPodWait = 3 * time.Minute

// stampedProcess is a shell function: "stamped NAME STAMP" succeeds when
// a process of NAME carries STAMP in its environment
// (staticpod.StampEnv), that is runs with the files of that stamp.
const stampedProcess = `stamped() { for p in $(pgrep -x "$1"); do tr '\0' '\n' </proc/$p/environ 2>/dev/null | grep -qx "` +
	staticpod.StampEnv + `=$2" && return 0; done; return 1; }`

// waitFor is a shell loop that runs cond once a second until it
// succeeds, for at most d; it fails with what when time runs out.
func waitFor(cond string, d time.Duration, what string) string {
	return fmt.Sprintf(`n=0; until %s; do n=$((n+1)); [ $n -ge %d ] && { echo %s >&2; exit 1; }; sleep 1; done`,
		cond, int(d.Seconds()), host.Quote(what))
}

// podLogs prints the last lines of the newest log of the container named
// container in a kube-system pod whose name begins with pod.
func podLogs(ctx context.Context, h host.Host, pod, container string, lines int) string {
	cmd := fmt.Sprintf(`f=$(ls -t /var/log/pods/kube-system_%s*/%s/*.log 2>/dev/null | head -1); [ -n "$f" ] && tail -n %d "$f" | cut -d' ' -f4- || echo "(no log yet: the kubelet has not started the container)"`,
		pod, container, lines)
	out, _, err := h.Exec(ctx, cmd)
	if err != nil {
		return "(log unavailable: " + err.Error() + ")"
	}
	return strings.TrimSpace(string(out))
}

func hostAction(what, cmd string, logs func(context.Context, host.Host) string) *Action {
	return &Action{What: what, Do: func(ctx context.Context, h host.Host) error {
		if _, _, err := h.Exec(ctx, cmd); err != nil {
			return fmt.Errorf("%s: %w\nlast lines of its log:\n%s", what, err, logs(ctx, h))
		}
		return nil
	}}
}
