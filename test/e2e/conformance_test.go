//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// conformanceSubset are about twenty fast [Conformance] specs across the
// SIGs, run on the shared cluster in make test; the whole suite runs in
// make conformance. Each entry is a part of a spec's name, matched
// literally.
var conformanceSubset = []string{
	"[sig-network] DNS should provide DNS for the cluster ",
	"[sig-network] Services should serve a basic endpoint from pods ",
	"[sig-network] Services should be able to create a functioning NodePort service ",
	"[sig-network] Networking Granular Checks: Pods should function for intra-pod communication: http ",
	"[sig-network] HostPort validates that there is no conflict between pods with same hostPort but different hostIP and protocol ",
	"[sig-node] Pods should be submitted and removed ",
	"[sig-node] Variable Expansion should allow composing env vars into new env vars ",
	"[sig-node] Container Runtime blackbox test on terminated container should report termination message from file when pod succeeds and TerminationMessagePolicy FallbackToLogsOnError is set ",
	"[sig-node] Kubelet when scheduling a busybox command in a pod should print the output to logs ",
	"[sig-apps] Deployment RollingUpdateDeployment should delete old pods and create new ones ",
	"[sig-apps] ReplicaSet should serve a basic image on each replica with a public image ",
	"[sig-storage] ConfigMap should be consumable from pods in volume [", // tags follow, in an order that changed in 1.37
	"[sig-storage] EmptyDir volumes should support (root,0644,tmpfs) ",
	"[sig-storage] Secrets should be consumable from pods in volume [", // tags follow, in an order that changed in 1.37
	"[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should be able to deny pod and configmap creation ",
	"[sig-api-machinery] Watchers should observe add, update, and delete watch notifications on configmaps ",
	"[sig-api-machinery] Aggregator Should be able to support the 1.17 Sample API Server using the current Aggregator ",
	"[sig-cli] Kubectl logs logs should be able to retrieve and filter logs ",
	"[sig-cli] Kubectl client Update Demo should create and stop a replication controller ",
	"[sig-cli] Kubectl client Proxy server should support proxy with --port 0 ",
	"[sig-auth] ServiceAccounts should mount an API token into pods ",
	"[sig-auth] ServiceAccounts ServiceAccountIssuerDiscovery should support OIDC discovery of service account issuer ",
	"[sig-auth] Certificates API [Privileged:ClusterAdmin] should support CSR API operations ",
}

// startConformanceBuild starts kubeup conformance build (e2e.test and the
// test images; cached, about 10 minutes cold) while the cluster comes up,
// and returns a function that waits for it and fails the test if it failed.
func startConformanceBuild(t *testing.T, kubeup, dir string) (wait func()) {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(kubeup, "conformance", "build", "--kubernetes-version", k8sVersion())
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("kubeup conformance build: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	return func() {
		t.Helper()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("kubeup conformance build: %v\n%s", err, tail(out.String(), 40))
			}
		case <-time.After(45 * time.Minute):
			cmd.Process.Kill()
			<-done
			t.Fatalf("kubeup conformance build took over 45 minutes:\n%s", tail(out.String(), 40))
		}
		t.Logf("conformance kit ready %.1fs after the build started", time.Since(start).Seconds())
	}
}

// checkConformanceSubset runs the subset with kubeup conformance run (the
// test images loaded onto the nodes over SSH) and fails on any failure,
// and when a spec of the subset did not run (a renamed spec).
func checkConformanceSubset(t *testing.T, kubeup, dir, specPath string) {
	t.Helper()
	quoted := make([]string, len(conformanceSubset))
	for i, s := range conformanceSubset {
		quoted[i] = regexp.QuoteMeta(s)
	}
	results := filepath.Join(dir, "conformance")
	r := run(t, dir, 20*time.Minute, kubeup, "conformance", "run", "-f", specPath, "--parallel", "4",
		"--timeout", "15m", "--results", results, "--focus", strings.Join(quoted, "|"))
	t.Logf("conformance subset took %.1fs:\n%s", r.took.Seconds(), r.out)
	var res struct {
		Passed, Failed int
		Failures       []struct{ Spec, Error string }
	}
	b, err := os.ReadFile(filepath.Join(results, "latest.json"))
	if err != nil {
		t.Fatalf("conformance run wrote no summary (exit %d): %v\n%s", r.code, err, tail(r.err, 60))
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatalf("conformance summary: %v", err)
	}
	for _, f := range res.Failures {
		t.Errorf("conformance spec failed: %s\n    %s", f.Spec, f.Error)
	}
	if res.Passed != len(conformanceSubset) || r.code != 0 {
		t.Errorf("conformance subset: %d passed, %d failed, exit %d; want all %d to pass\n%s",
			res.Passed, res.Failed, r.code, len(conformanceSubset), tail(r.err, 40))
	}
}
