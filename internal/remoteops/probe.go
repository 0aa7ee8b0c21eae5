package remoteops

import (
	"bufio"
	"context"
	"fmt"
	"slices"
	"strings"

	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/phase"
)

// ProbeHost runs a read-only script on the host and returns its output
// lines split into fields, grouped by their first field.
func ProbeHost(ctx context.Context, h host.Host, script string) (map[string][][]string, error) {
	out, _, err := h.Exec(ctx, script)
	if err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	got := map[string][][]string{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) > 0 {
			got[f[0]] = append(got[f[0]], f[1:])
		}
	}
	return got, sc.Err()
}

// WetExec runs cmd on the host as one change described by what.
func WetExec(ctx context.Context, s *phase.Step, what, cmd string) error {
	return s.Wet(what, func(h host.Host) error {
		_, _, err := h.Exec(ctx, cmd)
		return err
	})
}

// ListedNames joins names for a change description, at most max of them.
func ListedNames(names []string, max int) string {
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:max], ", "), len(names)-max)
}

// QuoteWords quotes every word for the shell.
func QuoteWords(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = host.Quote(w)
	}
	return strings.Join(q, " ")
}

// KubeupUnits are the units kubeup installs, in stop order.
func KubeupUnits() []string { return catalog.Names(catalog.StopOrder(catalog.OwnUnits(catalog.All()))) }

// ProbeHas reports whether the probe printed the line "key value".
func ProbeHas(got map[string][][]string, key, value string) bool {
	return slices.ContainsFunc(got[key], func(f []string) bool { return len(f) > 0 && f[0] == value })
}
