package phases

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/phase"
)

func TestCheckServicesReportsAndNamesInactiveUnits(t *testing.T) {
	r, fakes := testRun(t)
	var out bytes.Buffer
	r.Out = &out
	for name, f := range fakes {
		state := "containerd active enabled\nkubelet active enabled\nkube-proxy active enabled\nflanneld active enabled\n"
		if name == "node1" {
			state += "etcd active enabled\nkube-apiserver active enabled\nkube-controller-manager active enabled\nkube-scheduler active enabled\n"
		}
		if name == "node3" {
			state = strings.Replace(state, "flanneld active", "flanneld failed", 1)
		}
		f.On(`systemctl is-active`, host.Reply{Stdout: state})
	}
	fakes["node3"].On(`^journalctl -u flanneld`, host.Reply{Stdout: "failed to get node podCIDR"})
	runner, err := phase.New(phase.Options{}, phase.Phase[*Run]{Name: "services", Hosts: (*Run).allHosts, Run: checkServices})
	if err != nil {
		t.Fatal(err)
	}
	_, err = runner.Run(context.Background(), r)
	if err == nil || !strings.Contains(err.Error(), "node3") || !strings.Contains(err.Error(), "flanneld not active") ||
		!strings.Contains(err.Error(), "failed to get node podCIDR") {
		t.Fatalf("want node3's flanneld named with its journal, got %v", err)
	}
	if !strings.Contains(out.String(), "✓ node1: containerd, etcd, flanneld, kube-apiserver") || !strings.Contains(out.String(), "✗ node3: flanneld not active") {
		t.Errorf("report:\n%s", out.String())
	}
}
