package supervisor

import (
	"context"
	"fmt"
	"path"
	"strings"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/layout"
)

// StampDir holds, per unit, the stamp of the files it last started with:
// a unit whose stamp differs from the plan's restarts, whichever run wrote
// the files, so a run that failed between writing a file and restarting
// its unit is finished by the next one.
const StampDir = layout.KubeupDir + "/units"

// StampPath is where the stamp of unit is kept.
func StampPath(unit string) string { return path.Join(StampDir, unit+".stamp") }

// Systemd runs each component as the systemd unit of its name.
type Systemd struct{}

var _ Supervisor = Systemd{}

// States reads is-active, is-enabled and the stamp of each unit.
func (Systemd) States(ctx context.Context, h host.Host, units []string) (map[string]State, error) {
	var b strings.Builder
	for _, u := range units {
		fmt.Fprintf(&b, "echo %[1]s $(systemctl is-active %[1]s 2>/dev/null) $(systemctl is-enabled %[1]s 2>/dev/null) stamp=$(cat %[2]s 2>/dev/null);",
			host.Quote(u), StampPath(u))
	}
	stdout, _, err := h.Exec(ctx, b.String())
	if err != nil {
		return nil, fmt.Errorf("read unit states: %w", err)
	}
	return parseStates(string(stdout)), nil
}

// parseStates reads "UNIT ACTIVE ENABLED stamp=STAMP" lines.
func parseStates(out string) map[string]State {
	states := map[string]State{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		st := State{Active: f[1] == "active"}
		for _, x := range f[2:] {
			if x == "enabled" {
				st.Enabled = true
			}
			if v, ok := strings.CutPrefix(x, "stamp="); ok {
				st.Stamp = v
			}
		}
		states[f[0]] = st
	}
	return states
}

// Ensure enables and (re)starts the unit and records its stamp; a
// failure carries the last lines of its journal.
func (sd Systemd) Ensure(unit string, st State, stamp string, o EnsureOptions) *Action {
	q := host.Quote(unit)
	restart := "systemctl restart " + q
	if o.NoBlock {
		restart = "systemctl restart --no-block " + q
	}
	record := fmt.Sprintf("mkdir -p %s && echo %s > %s", StampDir, stamp, StampPath(unit))
	var cmd, what string
	switch {
	case !st.Active:
		cmd, what = "systemctl enable -q "+q+" && "+restart+" && "+record, "start "+unit
	case st.Stamp != stamp:
		cmd, what = "systemctl enable -q "+q+" && "+restart+" && "+record, "restart "+unit+" (its files changed)"
	case !st.Enabled:
		cmd, what = "systemctl enable -q "+q, "enable "+unit
	default:
		return nil
	}
	return &Action{What: what, Do: func(ctx context.Context, h host.Host) error {
		if _, _, err := h.Exec(ctx, cmd); err != nil {
			return fmt.Errorf("%s: %w\nlast lines of its journal:\n%s", what, err, sd.Logs(ctx, h, unit, 15))
		}
		return nil
	}}
}

// Logs returns the last lines of the unit's journal.
func (Systemd) Logs(ctx context.Context, h host.Host, unit string, lines int) string {
	out, _, err := h.Exec(ctx, fmt.Sprintf("journalctl -u %s -n %d --no-pager -o cat 2>&1", host.Quote(unit), lines))
	if err != nil {
		return "(journal unavailable: " + err.Error() + ")"
	}
	return strings.TrimSpace(string(out))
}

// Stop stops the unit.
func (Systemd) Stop(unit string) Action {
	return Action{What: "stop " + unit, Do: execAction("systemctl stop " + host.Quote(unit))}
}

// Remove disables the units and stops them without a graceful shutdown
// (everything they hold is removed next; kube-apiserver alone would take
// a minute): the stop jobs are queued, the processes killed, then the
// stops waited for, so that Restart= does not bring them back.
func (Systemd) Remove(units []string) Action {
	return Action{What: "stop and disable " + strings.Join(units, ", "), Do: execAction(RemoveCmd(units))}
}

// RemoveCmd is the shell command of Remove.
func RemoveCmd(units []string) string {
	q := make([]string, len(units))
	for i, u := range units {
		q[i] = host.Quote(u)
	}
	return fmt.Sprintf(`systemctl disable -q %[1]s || exit 1
systemctl stop --no-block %[1]s; systemctl kill -s SIGKILL %[1]s 2>/dev/null
systemctl stop %[1]s; rc=$?; systemctl reset-failed %[1]s 2>/dev/null; exit $rc`, strings.Join(q, " "))
}

func execAction(cmd string) func(context.Context, host.Host) error {
	return func(ctx context.Context, h host.Host) error {
		_, _, err := h.Exec(ctx, cmd)
		return err
	}
}
