package sandbox

import (
	_ "embed"
	"fmt"
	"net/netip"
	"strings"
	"text/template"
)

// The machines the sandbox runs on may answer what nodes send out of the
// sandbox network: these VMs pass outgoing traffic through a transparent
// proxy, so a TCP connection to port 80 of any address succeeds. On a real
// network, a packet to the cluster's service range that no Service rule
// rewrote (a port a Service no longer has) goes nowhere, and the
// conformance suite checks that it fails. Each node therefore rejects
// such packets at its own interface, from boot on: a unit the sandbox
// puts on the node with its SSH files, outside what apply manages.

// unroutedUnit is the unit's name on the nodes.
const unroutedUnit = "kubeup-sandbox-unrouted.service"

//go:embed unrouted.service.tmpl
var unroutedTemplate string

// unroutedEntries are the unit file and its enabling link, as entries
// below "/" of a node.
func unroutedEntries(serviceCIDR string) ([]nodeEntry, error) {
	if _, err := netip.ParsePrefix(serviceCIDR); err != nil {
		return nil, fmt.Errorf("sandbox service range %q: %w", serviceCIDR, err)
	}
	t, err := template.New("unrouted").Option("missingkey=error").Parse(unroutedTemplate)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	if err := t.Execute(&b, struct{ ServiceCIDR string }{serviceCIDR}); err != nil {
		return nil, err
	}
	unit := "etc/systemd/system/" + unroutedUnit
	return []nodeEntry{
		{name: unit, mode: 0o644, body: []byte(b.String())},
		{name: "etc/systemd/system/multi-user.target.wants/" + unroutedUnit, link: "/" + unit},
	}, nil
}
