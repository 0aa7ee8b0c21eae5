package status

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	restfake "k8s.io/client-go/rest/fake"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
	"kubeup.dev/kubeup/internal/remoteops/remoteopstest"
)

func TestCheckServicesReportsAndNamesInactiveUnits(t *testing.T) {
	r, fakes := remoteopstest.NewRun(t)
	var out bytes.Buffer
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
	for name, f := range fakes {
		sick := ""
		if name == "node2" {
			sick = "sick kube-proxy\n"
		}
		f.On(`--kubeconfig=/dev/null --server=.* get --raw `, host.Reply{Stdout: sick})
	}
	fakes["node2"].On(`^journalctl -u kube-proxy`, host.Reply{Stdout: "failed to list *v1.Service"})
	runner, err := phase.New(phase.Options{Sink: phase.NewReportSink(&out)}, phase.Phase[*remoteops.Run]{Name: "services", Hosts: (*remoteops.Run).AllHosts, Run: checkServices})
	if err != nil {
		t.Fatal(err)
	}
	_, err = runner.Run(context.Background(), r)
	if err == nil || !strings.Contains(err.Error(), "node3") || !strings.Contains(err.Error(), "flanneld not active") ||
		!strings.Contains(err.Error(), "failed to get node podCIDR") {
		t.Fatalf("want node3's flanneld named with its journal, got %v", err)
	}
	if !strings.Contains(err.Error(), "node2: kube-proxy not healthy") || !strings.Contains(err.Error(), "failed to list *v1.Service") {
		t.Errorf("want node2's kube-proxy named unhealthy with its journal, got %v", err)
	}
	if !strings.Contains(out.String(), "✓ node1: containerd, etcd, flanneld, kube-apiserver") || !strings.Contains(out.String(), "✗ node3: flanneld not active") ||
		!strings.Contains(out.String(), "✗ node2: kube-proxy not healthy") {
		t.Errorf("report:\n%s", out.String())
	}
	health := remoteopstest.CommandsLike(fakes["node1"], `get --raw`)
	if len(health) != 1 || !strings.Contains(health[0], "--server=https://127.0.0.1:10259 --insecure-skip-tls-verify --client-certificate=/var/lib/kubelet/pki/kubelet-client-current.pem --client-key=/var/lib/kubelet/pki/kubelet-client-current.pem --request-timeout=5s get --raw /healthz ") ||
		strings.Contains(health[0], "sick containerd") || strings.Contains(health[0], "sick flanneld") {
		t.Errorf("node1's health command: %q", health)
	}
}

// TestReportsAreEventsOnly: the status and validation checks report
// through the event sink, so that -o json output is JSON lines only.
func TestReportsAreEventsOnly(t *testing.T) {
	r, fakes := remoteopstest.NewRun(t)
	for _, f := range fakes {
		f.On(`systemctl is-active`, host.Reply{Stdout: "containerd active enabled\n"})
		f.On(`etcdctl`, host.Reply{Stdout: "127.0.0.1:2379 is healthy: successfully committed proposal"})
		f.On(`get --raw`, host.Reply{})
	}
	r.Clientset = healthyAPI{fake.NewSimpleClientset()}
	r.Converged, r.SkipSmoke = true, false
	r.Waits.Nodes = 10 * time.Millisecond
	var out bytes.Buffer
	var reports []phase.Event
	sink := phase.MultiSink(phase.NewJSONSink(&out), phase.SinkFunc(func(e phase.Event) {
		if e.Kind == phase.KindReport {
			reports = append(reports, e)
		}
	}))
	for _, p := range Phases()[1:] { // one run each: a failed phase stops a run
		runner, err := phase.New(phase.Options{Sink: sink}, p)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = runner.Run(context.Background(), r)
	}
	for i, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if !json.Valid([]byte(l)) {
			t.Errorf("line %d is not JSON: %q", i+1, l)
		}
	}
	var lines []string
	for _, e := range reports {
		lines = append(lines, e.Phase+" "+e.Host+" "+e.Message)
	}
	got := strings.Join(lines, "\n")
	for _, want := range []string{"services node2 ✗ node2: ", "etcd node1 ✓ node1: etcd healthy", "cluster  smoke tests skipped",
		"cluster  ✓ apiserver /readyz", "cluster  ✗ every host is a Ready node"} {
		if !strings.Contains(got, want) {
			t.Errorf("reports lack %q:\n%s", want, got)
		}
	}
}

// healthyAPI is a fake clientset whose API server answers /livez and
// /readyz.
type healthyAPI struct{ *fake.Clientset }

func (c healthyAPI) Discovery() discovery.DiscoveryInterface {
	return healthyDiscovery{c.Clientset.Discovery()}
}

type healthyDiscovery struct{ discovery.DiscoveryInterface }

func (healthyDiscovery) RESTClient() rest.Interface {
	return &restfake.RESTClient{NegotiatedSerializer: scheme.Codecs.WithoutConversion(),
		Client: restfake.CreateHTTPClient(func(*http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("[+]ping ok\n"))}, nil
		})}
}
