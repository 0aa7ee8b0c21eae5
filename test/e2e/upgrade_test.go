//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"kubeup.dev/kubeup/internal/versions"
)

// upgradeSource is the default patch of the minor before k8sVersion's:
// the e2e tier upgrades from it.
func upgradeSource(t *testing.T) string {
	t.Helper()
	r, err := versions.Previous(k8sVersion())
	if err != nil {
		t.Fatal(err)
	}
	return r.Patch
}

// setVersion writes spec.kubernetesVersion into the sandbox's spec.
func setVersion(t *testing.T, specPath, version string) {
	t.Helper()
	doc := readFile(t, specPath)
	i := strings.Index(doc, "  kubernetesVersion: ")
	if i < 0 {
		t.Fatalf("the spec has no kubernetesVersion:\n%s", doc)
	}
	end := i + strings.Index(doc[i:], "\n")
	writeFile(t, specPath, doc[:i]+"  kubernetesVersion: "+version+doc[end:])
}

// TestUpgradeMinor deploys 1 control plane + 2 workers on the minor
// before the default and upgrades them to the default while a client on
// the control-plane host sends requests without pause to a Service backed
// by two replicas on different workers, guarded by a
// PodDisruptionBudget. The first apply is interrupted once the workers'
// turn comes and the second resumes it: no request fails, every node runs
// the new kubelet, the cluster validates, and upgrade plan has nothing
// left to do.
func TestUpgradeMinor(t *testing.T) {
	from, to := upgradeSource(t), k8sVersion()
	kubeup, dir, name, specPath := newSandbox(t, "up", 3, 1)
	must(t, dir, 60*time.Minute, kubeup, "artifacts", "build", "--kubernetes-version", from)
	setVersion(t, specPath, from)
	r := must(t, dir, 15*time.Minute, kubeup, "apply", "-f", specPath)
	t.Logf("cold apply of %s took %.1fs", from, r.took.Seconds())

	k := newKube(t, dir, name)
	k.run("apply", "-f", writeManifest(t, dir, "web.yaml", webManifest(smokeImage(t))))
	k.run("rollout", "status", "deployment/web", "--timeout=120s")
	ip := strings.TrimSpace(k.run("get", "service", "web", "-o", "jsonpath={.spec.clusterIP}").out)
	cp := name + "-node1"
	stop := startClient(t, dir, cp, "http://"+ip+"/")

	setVersion(t, specPath, to)
	plan := must(t, dir, 5*time.Minute, kubeup, "upgrade", "plan", "-f", specPath)
	for _, want := range []string{"upgrade from " + from + " to " + to, "control plane", "workers drained", name + "-node2, " + name + "-node3"} {
		if !strings.Contains(plan.out, want) {
			t.Errorf("upgrade plan lacks %q:\n%s", want, plan.out)
		}
	}
	start := time.Now()
	results := os.Getenv("KUBEUP_UPGRADE_RESULTS")
	if results == "" {
		upgradeInterrupted(t, kubeup, dir, specPath)
	} else {
		must(t, dir, 20*time.Minute, kubeup, "apply", "-f", specPath)
	}
	took := time.Since(start)
	t.Logf("upgrade %s -> %s took %.1fs", from, to, took.Seconds())

	sent, failed := stop()
	t.Logf("client: %d requests during the upgrade, %d failed", sent, len(failed))
	if results != "" {
		writeJSON(t, results, upgradeResult{Seconds: took.Seconds(), Requests: sent, Failed: len(failed)})
	}
	if sent < 100 || len(failed) > 0 {
		t.Errorf("client sent %d requests, %d failed (want many, none failed):\n%s", sent, len(failed), strings.Join(failed, "\n"))
	}
	versionsOut := k.run("get", "nodes", "-o", `jsonpath={range .items[*]}{.metadata.name}={.status.nodeInfo.kubeletVersion} {.spec.unschedulable}{"\n"}{end}`).out
	if strings.Count(versionsOut, "="+to+" \n") != 3 {
		t.Errorf("nodes after the upgrade (want every one on %s and schedulable):\n%s", to, versionsOut)
	}
	must(t, dir, 5*time.Minute, kubeup, "status", "-f", specPath, "--smoke")
	if p := must(t, dir, 5*time.Minute, kubeup, "upgrade", "plan", "-f", specPath); !strings.Contains(p.out, "nothing to upgrade") {
		t.Errorf("upgrade plan after the upgrade:\n%s", p.out)
	}
}

// webManifest is two smoke servers on different workers behind Service
// web (port 80), with a PodDisruptionBudget that keeps one available; a
// server keeps answering for a few seconds after SIGTERM while its
// endpoint goes.
func webManifest(image string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      nodeSelector: {node-role.kubernetes.io/worker: ""}
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            - {topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: web}}}
      terminationGracePeriodSeconds: 30
      containers:
        - name: web
          image: %s
          imagePullPolicy: Never
          args: [serve, -drain, 8s]
          readinessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 1, failureThreshold: 1}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: default}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: web}}
`, image)
}

// writeManifest writes a manifest into dir and returns its path.
func writeManifest(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := dir + "/" + name
	writeFile(t, p, content)
	return p
}

// clientLog is where startClient's loop writes, on the node.
const clientLog = "/tmp/kubeup-upgrade-client.log"

// startClient waits until url answers on node, then runs a loop there
// that GETs it every 100 ms (2 s timeout each) and logs each answer's
// status; stop ends it and returns how many requests went out and the
// lines of those that failed.
func startClient(t *testing.T, dir, node, url string) (stop func() (int, []string)) {
	t.Helper()
	loop := fmt.Sprintf(`echo $$ > %[1]s.pid; while :; do echo "$(date +%%T.%%N) $(curl -s -o /dev/null -w '%%{http_code}' --max-time 2 %[2]s)" >> %[1]s; sleep 0.1; done`,
		clientLog, url)
	wait := fmt.Sprintf(`for i in $(seq 60); do curl -sf -o /dev/null --max-time 2 %s && exit 0; sleep 1; done; exit 1`, url)
	must(t, dir, 2*time.Minute, "docker", "exec", node, "sh", "-c", wait) // kube-proxy's rules trail the rollout
	must(t, dir, time.Minute, "docker", "exec", "-d", node, "sh", "-c", loop)
	return func() (int, []string) {
		t.Helper()
		must(t, dir, time.Minute, "docker", "exec", node, "sh", "-c", "kill $(cat "+clientLog+".pid)")
		var failed []string
		lines := strings.Split(strings.TrimSpace(run(t, dir, time.Minute, "docker", "exec", node, "cat", clientLog).out), "\n")
		for _, l := range lines {
			if !strings.HasSuffix(l, " 200") {
				failed = append(failed, l)
			}
		}
		return len(lines), failed
	}
}

// upgradeInterrupted interrupts the upgrading apply (SIGINT) once the
// workers' turn comes, then resumes it with a second apply.
func upgradeInterrupted(t *testing.T, kubeup, dir, specPath string) {
	t.Helper()
	d := applyUntil(t, kubeup, dir, specPath, "phase upgrade/workers: started", func(cmd *exec.Cmd) {
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
	})
	if d.err == nil || !strings.Contains(d.out, "interrupted") {
		t.Errorf("apply interrupted in upgrade/workers: %v\n%s", d.err, tail(d.out, 20))
	}
	resumed := must(t, dir, 20*time.Minute, kubeup, "apply", "-f", specPath)
	if !strings.Contains(resumed.err, "upgrade/workers") {
		t.Errorf("the resumed apply did not upgrade the workers:\n%s", tail(resumed.err, 40))
	}
}

// upgradeResult is what TestUpgradeMinor writes to
// $KUBEUP_UPGRADE_RESULTS for make bench (then the upgrade runs
// uninterrupted).
type upgradeResult struct {
	Seconds  float64 `json:"upgrade_s"`
	Requests int     `json:"requests"`
	Failed   int     `json:"failed"`
}

// writeJSON writes v to the file p.
func writeJSON(t *testing.T, p string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err == nil {
		err = os.WriteFile(p, b, 0o644)
	}
	if err != nil {
		t.Errorf("write %s: %v", p, err)
	}
}
