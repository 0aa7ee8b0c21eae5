//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"kubeup.dev/kubeup/internal/versions"
)

// resetRepeats is how many apply, pods, reset rounds
// TestResetRepeatedWithPods runs: $KUBEUP_RESET_REPEATS, default 2
// (make bench runs 10).
func resetRepeats(t *testing.T) int {
	s := os.Getenv("KUBEUP_RESET_REPEATS")
	if s == "" {
		return 2
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		t.Fatalf("KUBEUP_RESET_REPEATS=%q: want a whole number of rounds, 1 or more", s)
	}
	return n
}

// resetRounds is what TestResetRepeatedWithPods writes to
// $KUBEUP_RESET_RESULTS for make bench.
type resetRounds struct {
	Rounds   int       `json:"rounds"`
	OK       int       `json:"ok"`
	ResetSec []float64 `json:"reset_s"`
}

// TestResetRepeatedWithPods is issue 12's repeat test on a sandbox of 1
// control plane and 2 workers: each round applies, runs a Deployment
// whose pods spread over the nodes (so pod mounts, CRI sandboxes' shm and
// network namespaces exist), and resets, which must succeed the first
// time. At the end every node's listing equals the one taken before the
// first apply.
func TestResetRepeatedWithPods(t *testing.T) {
	const nodes = 3
	kubeup, dir, name, specPath := newSandbox(t, "rr", nodes, 1)
	set, err := versions.For(k8sVersion())
	if err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(dir, "pods.yaml")
	writeFile(t, manifest, spreadDeployment(set.PauseImage(), 6))
	kubectl := filepath.Join(cacheRoot(t), "artifacts", k8sVersion(), "amd64", "bin", "kubectl")
	kubeconfig := filepath.Join(dir, ".kubeup", name, "admin.conf")

	before := listNodes(t, kubeup, dir, name, nodes)
	res := resetRounds{Rounds: resetRepeats(t)}
	defer writeResetRounds(t, &res)
	for i := 1; i <= res.Rounds; i++ {
		must(t, dir, 15*time.Minute, kubeup, "apply", "-f", specPath)
		must(t, dir, time.Minute, kubectl, "--kubeconfig", kubeconfig, "apply", "-f", manifest)
		must(t, dir, 3*time.Minute, kubectl, "--kubeconfig", kubeconfig, "rollout", "status", "deployment/spread", "--timeout=150s")
		r := run(t, dir, 10*time.Minute, kubeup, "reset", "-f", specPath, "--yes")
		if r.code != 0 {
			t.Fatalf("round %d: reset failed (exit %d) after %d good rounds:\n%s", i, r.code, res.OK, tail(r.err, 60))
		}
		res.OK++
		res.ResetSec = append(res.ResetSec, r.took.Seconds())
		t.Logf("round %d: reset of a cluster running pods took %.1fs", i, r.took.Seconds())
	}
	again := must(t, dir, 5*time.Minute, kubeup, "reset", "-f", specPath, "--yes")
	if r := again.out; !strings.Contains(r, "nothing to reset") {
		t.Errorf("a reset after the last round changed something:\n%s\n%s", r, tail(again.err, 30))
	}
	checkListings(t, fmt.Sprintf("after %d rounds of apply and reset", res.Rounds), before, listNodes(t, kubeup, dir, name, nodes))
}

// spreadDeployment is a Deployment of replicas pause pods spread evenly
// over the nodes (control plane included).
func spreadDeployment(image string, replicas int) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: spread, namespace: default}
spec:
  replicas: %d
  selector: {matchLabels: {app: spread}}
  template:
    metadata: {labels: {app: spread}}
    spec:
      tolerations: [{operator: Exists}]
      topologySpreadConstraints:
        - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: spread}}}
      containers:
        - {name: pause, image: %s, imagePullPolicy: Never}
`, replicas, image)
}

// writeResetRounds writes res to $KUBEUP_RESET_RESULTS, if set.
func writeResetRounds(t *testing.T, res *resetRounds) {
	if p := os.Getenv("KUBEUP_RESET_RESULTS"); p != "" {
		writeJSON(t, p, res)
	}
}
