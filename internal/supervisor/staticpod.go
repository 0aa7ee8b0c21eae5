package supervisor

import (
	"context"
	"fmt"
	"strings"
	"time"

	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/staticpod"
)

// StaticPod runs each component as a static pod of the host's kubelet.
// Apply stages the component's manifest (layout.StagedManifest); Ensure
// installs it, with its stamp, into the kubelet's manifest directory, so
// a pod restarts only when its stamp (manifest, files or image) changed,
// and only in the phase that starts it. The stamp also reaches the pod's
// process as an environment variable, which tells the new process from
// the old one.
type StaticPod struct {
	// Wait bounds how long Ensure waits for the new pod's process.
	Wait time.Duration
	// Users maps the components that run as a system user of the host to
	// the user, whose ids the installed manifest gets.
	Users map[string]string
}

var _ Supervisor = StaticPod{}

// States reads, for each component, whether its manifest is installed,
// the stamp it was installed with, and whether a process of that stamp
// runs.
func (StaticPod) States(ctx context.Context, h host.Host, names []string) (map[string]State, error) {
	var b strings.Builder
	b.WriteString(stampedProcess + "\n")
	for _, n := range names {
		live := host.Quote(layout.StaticPodManifest(n))
		fmt.Fprintf(&b, `s=$(sed -n 's/^ *%s: *"\{0,1\}\([0-9a-f]*\)"\{0,1\} *$/\1/p' %s 2>/dev/null | head -1)
echo %s $([ -n "$s" ] && stamped %s "$s" && echo active || echo inactive) $([ -s %s ] && echo enabled || echo disabled) stamp=$s
`, strings.ReplaceAll(staticpod.StampLabel, "/", `\/`), live, host.Quote(n), host.Quote(catalog.ProcessName(n)), live)
	}
	stdout, _, err := h.Exec(ctx, b.String())
	if err != nil {
		return nil, fmt.Errorf("read static pod states: %w", err)
	}
	return parseStates(string(stdout)), nil
}

// Ensure installs the staged manifest with stamp when the installed one
// has another stamp (or none), then waits until the pod's process of that
// stamp runs (unless o.NoBlock). An installed, current manifest whose pod
// is not running yet is waited for: the kubelet restarts it.
func (sp StaticPod) Ensure(name string, st State, stamp string, o EnsureOptions) *Action {
	wait := stampedProcess + "\n" + waitFor("stamped "+host.Quote(catalog.ProcessName(name))+" "+stamp, sp.wait(),
		name+"'s pod did not start within "+sp.wait().String())
	logs := func(ctx context.Context, h host.Host) string { return sp.Logs(ctx, h, name, 15) }
	switch {
	case st.Stamp == stamp && st.Active:
		return nil
	case st.Stamp == stamp:
		if o.NoBlock {
			return nil
		}
		return hostAction("wait for the pod of "+name, wait, logs)
	}
	what := "start " + name + " (static pod)"
	if st.Enabled {
		what = "restart " + name + " (its files changed)"
	}
	cmd := installManifest(name, stamp, sp.Users[name])
	if !o.NoBlock {
		cmd += " || exit 1\n" + wait
	}
	return hostAction(what, cmd, logs)
}

// installManifest writes the stamped manifest beside the installed one
// under a hidden name (the kubelet skips those) and renames it into
// place, root-only. A component that runs as user gets the user's ids.
func installManifest(name, stamp, user string) string {
	live := layout.StaticPodManifest(name)
	tmp := layout.ManifestsDir + "/." + name + ".yaml.tmp"
	ids, sedArgs := "", "-e "+host.Quote(staticpod.StampCmd(stamp))
	if user != "" {
		u := host.Quote(user)
		ids = fmt.Sprintf(`uid=$(id -u %[1]s) && gid=$(id -g %[1]s) || { echo "no user %[1]s on the host: apply creates it in phase os" >&2; exit 1; }
`, u)
		for _, e := range staticpod.IDsCmd() {
			sedArgs += ` -e "` + e + `"`
		}
	}
	return fmt.Sprintf("%smkdir -p -m 0700 %s && (umask 077 && sed %s %s > %s) && mv -f %s %s",
		ids, layout.ManifestsDir, sedArgs, host.Quote(layout.StagedManifest(name)), host.Quote(tmp), host.Quote(tmp), host.Quote(live))
}

func (sp StaticPod) wait() time.Duration {
	if sp.Wait <= 0 {
		return DefaultPodWait
	}
	return sp.Wait
}

// Logs returns the last lines of the component's container log.
func (StaticPod) Logs(ctx context.Context, h host.Host, name string, lines int) string {
	return podLogs(ctx, h, name+"-", name, lines)
}

// Stop removes the installed manifest: the kubelet stops the pod, and
// the next Ensure installs the manifest again.
func (StaticPod) Stop(name string) Action {
	return Action{What: "stop " + name + " (remove its static pod manifest)",
		Do: execAction("rm -f " + host.Quote(layout.StaticPodManifest(name)))}
}

// Remove removes the installed manifests; the pods' containers are
// removed with the others the kubelet made.
func (StaticPod) Remove(names []string) Action {
	paths := make([]string, len(names))
	for i, n := range names {
		paths[i] = host.Quote(layout.StaticPodManifest(n))
	}
	return Action{What: "remove the static pod manifests of " + strings.Join(names, ", "),
		Do: execAction("rm -f " + strings.Join(paths, " "))}
}
