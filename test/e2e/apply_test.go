//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestApplyOnSandbox is issue 5's end-to-end test: a sandbox of 1 control
// plane and 2 workers, kubeup apply (which validates with smoke tests), an
// outside kubectl that sees 3 Ready nodes, privileged, hostNetwork,
// hostPort and hostPath pods that work as on a real host, a subset of the
// conformance suite, status, a
// re-apply that changes nothing, and failures that name the host, phase
// and fix.
func TestApplyOnSandbox(t *testing.T) {
	kubeup, dir, name, specPath := newSandbox(t, "e2e", 4, 1)
	conformanceKit := startConformanceBuild(t, kubeup, dir)
	// The fourth node joins later, as a new worker in the spec.
	withNode4 := readFile(t, specPath)
	writeFile(t, specPath, withoutHost(t, withNode4, name+"-node4"))

	r := must(t, dir, 15*time.Minute, kubeup, "apply", "-f", specPath)
	t.Logf("cold apply of 1 control plane + 2 workers took %.1fs", r.took.Seconds())
	for _, want := range []string{"every host is a Ready node", "smoke: pods on every node", "is ready"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("apply output lacks %q:\n%s", want, r.out)
		}
	}

	kubectl := filepath.Join(cacheRoot(t), "artifacts", k8sVersion(), "amd64", "bin", "kubectl")
	kubeconfig := filepath.Join(dir, ".kubeup", name, "admin.conf")
	nodes := must(t, dir, time.Minute, kubectl, "--kubeconfig", kubeconfig, "get", "nodes",
		"-o", `jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}`)
	ready := strings.Count(nodes.out, "=True")
	if ready != 3 {
		t.Fatalf("outside kubectl sees %d Ready nodes, want 3:\n%s", ready, nodes.out)
	}
	checkCISOnHost(t, name+"-node1")
	checkHostAccessPods(t, kubectl, kubeconfig, dir, name)
	checkBootstrapCredentials(t, kubeconfig, name, 3)
	conformanceKit()
	checkConformanceSubset(t, kubeup, dir, specPath)

	st := must(t, dir, 5*time.Minute, kubeup, "status", "-f", specPath, "--smoke")
	if !strings.Contains(st.out, "etcd healthy") || !strings.Contains(st.out, "certificate apiserver expires") ||
		!strings.Contains(st.out, "✓ last apply: the apply of") {
		t.Errorf("status output incomplete:\n%s", st.out)
	}

	started := unitInvocations(t, name, 3)
	again := must(t, dir, 10*time.Minute, kubeup, "apply", "-f", specPath)
	t.Logf("re-apply took %.1fs", again.took.Seconds())
	if !strings.Contains(again.out, "nothing changed") || !strings.Contains(again.out, "smoke tests skipped: nothing changed") {
		t.Errorf("re-apply changed something:\n%s\n%s", again.out, tail(again.err, 40))
	}
	if restarted := compareInvocations(started, unitInvocations(t, name, 3)); len(restarted) > 0 {
		t.Errorf("re-apply restarted %v", restarted)
	}

	checkChangedKubeletSetting(t, kubeup, kubectl, kubeconfig, dir, specPath, name)
	checkPausedNode(t, kubeup, dir, specPath, name+"-node3")
	checkNewWorker(t, kubeup, kubectl, kubeconfig, dir, specPath, name, withNode4)
	checkWrongKey(t, kubeup, dir, specPath)
	checkUnreachableHost(t, kubeup, dir, specPath)
}

// kubeupUnits are the units apply starts on some host.
var kubeupUnits = []string{"containerd", "etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy", "flanneld"}

// unitInvocations returns "node/unit" -> the unit's systemd invocation ID,
// which changes whenever the unit (re)starts.
func unitInvocations(t *testing.T, sandbox string, nodes int) map[string]string {
	t.Helper()
	out := map[string]string{}
	for i := 1; i <= nodes; i++ {
		node := fmt.Sprintf("%s-node%d", sandbox, i)
		args := append([]string{"exec", node, "systemctl", "show", "-p", "Id,InvocationID"}, kubeupUnits...)
		r := must(t, "", time.Minute, "docker", args...)
		for _, block := range strings.Split(strings.TrimSpace(r.out), "\n\n") {
			var id, inv string
			for _, l := range strings.Split(block, "\n") {
				if v, ok := strings.CutPrefix(l, "Id="); ok {
					id = strings.TrimSuffix(v, ".service")
				}
				if v, ok := strings.CutPrefix(l, "InvocationID="); ok {
					inv = v
				}
			}
			if inv != "" {
				out[node+"/"+id] = inv
			}
		}
	}
	if len(out) < 3*4 {
		t.Fatalf("only %d units run on the sandbox's nodes: %v", len(out), out)
	}
	return out
}

// compareInvocations lists the units whose invocation changed, sorted.
func compareInvocations(before, after map[string]string) []string {
	var changed []string
	for k, v := range before {
		if after[k] != v {
			changed = append(changed, k)
		}
	}
	sort.Strings(changed)
	return changed
}

// checkChangedKubeletSetting changes maxPods in the spec: the dry run
// lists exactly the kubelet config files with their line diff and the
// kubelet restarts; apply restarts kubelet alone on every node, and the
// nodes report the new capacity.
func checkChangedKubeletSetting(t *testing.T, kubeup, kubectl, kubeconfig, dir, specPath, sandbox string) {
	t.Helper()
	b, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "maxPods: 110") {
		t.Fatalf("the sandbox spec has no maxPods: 110:\n%s", b)
	}
	if err := os.WriteFile(specPath, []byte(strings.Replace(string(b), "maxPods: 110", "maxPods: 100", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	dry := must(t, dir, 5*time.Minute, kubeup, "apply", "-f", specPath, "--dry-run")
	// The spec (without secrets) is also kept in the kubeup-config
	// ConfigMap: its manifest and the object change too.
	var changes, config []string
	for _, c := range dryRunChanges(dry.err) {
		if strings.Contains(c, "kubeup-config") {
			config = append(config, c)
		} else {
			changes = append(changes, c)
		}
	}
	if len(config) != 2 || !strings.Contains(strings.Join(config, "\n"), "differs: v1.ConfigMap.kube-system.kubeup-config") {
		t.Errorf("dry run of a maxPods change lists for the kubeup-config ConfigMap %q, want its manifest and the object", config)
	}
	var want []string
	for i := 1; i <= 3; i++ {
		want = append(want, "update /var/lib/kubelet/config.yaml: +1 -1 lines: - maxPods: 110; + maxPods: 100", "restart kubelet (its files changed)")
	}
	sort.Strings(want)
	if strings.Join(changes, "\n") != strings.Join(want, "\n") {
		t.Errorf("dry run of a maxPods change lists:\n%s\nwant:\n%s", strings.Join(changes, "\n"), strings.Join(want, "\n"))
	}
	started := unitInvocations(t, sandbox, 3)
	r := must(t, dir, 10*time.Minute, kubeup, "apply", "-f", specPath, "--skip-smoke")
	t.Logf("apply of a kubelet setting took %.1fs", r.took.Seconds())
	restarted := compareInvocations(started, unitInvocations(t, sandbox, 3))
	wantRestarted := []string{sandbox + "-node1/kubelet", sandbox + "-node2/kubelet", sandbox + "-node3/kubelet"}
	if strings.Join(restarted, " ") != strings.Join(wantRestarted, " ") {
		t.Errorf("a maxPods change restarted %v, want %v", restarted, wantRestarted)
	}
	// A restarted kubelet reports its new capacity with its next node
	// status, seconds after apply returns.
	var capacity string
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(2 * time.Second) {
		capacity = strings.TrimSpace(must(t, dir, time.Minute, kubectl, "--kubeconfig", kubeconfig, "get", "nodes", "-o", "jsonpath={.items[*].status.capacity.pods}").out)
		if capacity == "100 100 100" || time.Now().After(deadline) {
			break
		}
	}
	if capacity != "100 100 100" {
		t.Errorf("nodes report pod capacity %q a minute after the change, want 100 on each", capacity)
	}
}

// dryRunChanges returns the "- change" lines a text-mode dry run lists.
func dryRunChanges(stderr string) []string {
	var out []string
	for _, l := range strings.Split(stderr, "\n") {
		if c, ok := strings.CutPrefix(strings.TrimSpace(l), "- "); ok {
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}

// checkPausedNode freezes a node: apply fails within the SSH timeout
// naming the node and the phase, and converges once the node runs again.
func checkPausedNode(t *testing.T, kubeup, dir, specPath, node string) {
	t.Helper()
	pauseNode(t, dir, node)
	paused := true
	defer func() {
		if paused {
			run(t, dir, time.Minute, "docker", "unpause", node)
		}
	}()
	r := run(t, dir, 5*time.Minute, kubeup, "apply", "-f", specPath, "--ssh-timeout", "10s", "--skip-smoke")
	t.Logf("apply with %s paused failed after %.1fs", node, r.took.Seconds())
	msg := r.err + r.out
	if r.code == 0 || !strings.Contains(msg, node) || !strings.Contains(msg, "phase connect") || r.took > 60*time.Second {
		t.Errorf("paused node: exit %d after %s, want a failure naming %s and its phase within 60s:\n%s", r.code, r.took, node, tail(msg, 20))
	}
	must(t, dir, time.Minute, "docker", "unpause", node)
	paused = false
	checkNodePausedMidRun(t, kubeup, dir, specPath, node)
	checkInterrupted(t, kubeup, dir, specPath)
	again := must(t, dir, 10*time.Minute, kubeup, "apply", "-f", specPath, "--skip-smoke")
	if !strings.Contains(again.err, "resuming: the apply of") || !strings.Contains(again.err, "was interrupted") {
		t.Errorf("apply after the failure does not say where the last one stopped:\n%s", tail(again.err, 40))
	}
	if !strings.Contains(again.out, "nothing changed") && !strings.Contains(again.out, "is ready") {
		t.Errorf("apply after unpausing %s did not converge:\n%s", node, again.out)
	}
}

// checkWrongKey: a key the nodes do not accept fails in the connect phase
// naming the host and what to check.
func checkWrongKey(t *testing.T, kubeup, dir, specPath string) {
	t.Helper()
	key := filepath.Join(dir, "wrong_key")
	must(t, dir, time.Minute, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key)
	b, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "wrongkey.yaml")
	if err := os.WriteFile(bad, []byte(replaceKeyPaths(string(b), key)), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, dir, 2*time.Minute, kubeup, "apply", "-f", bad)
	msg := r.err + r.out
	if r.code == 0 || !strings.Contains(msg, "connect") || !strings.Contains(msg, "authentication") || !strings.Contains(msg, "keyPath") {
		t.Errorf("wrong key: exit %d, want a connect error naming authentication and keyPath:\n%s", r.code, tail(msg, 20))
	}
}

func replaceKeyPaths(doc, key string) string {
	var out []string
	for _, l := range strings.Split(doc, "\n") {
		if strings.Contains(l, "keyPath:") {
			l = l[:strings.Index(l, "keyPath:")] + "keyPath: " + key
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// checkUnreachableHost: a host that does not answer fails within the SSH
// timeout, naming the host.
func checkUnreachableHost(t *testing.T, kubeup, dir, specPath string) {
	t.Helper()
	b, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i := strings.LastIndex(doc, "address: ")
	j := i + strings.Index(doc[i:], "\n")
	bad := filepath.Join(dir, "unreachable.yaml")
	if err := os.WriteFile(bad, []byte(doc[:i]+"address: 192.0.2.10"+doc[j:]), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, dir, 2*time.Minute, kubeup, "apply", "-f", bad, "--ssh-timeout", "5s")
	msg := r.err + r.out
	if r.code == 0 || !strings.Contains(msg, "192.0.2.10") || r.took > 60*time.Second {
		t.Errorf("unreachable host: exit %d after %s, want a failure naming 192.0.2.10 within the timeout:\n%s", r.code, r.took, tail(msg, 20))
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// withoutHost removes host name's entry from a sandbox spec's host list.
func withoutHost(t *testing.T, doc, name string) string {
	t.Helper()
	start := strings.Index(doc, "    - name: "+name+"\n")
	if start < 0 {
		t.Fatalf("spec has no host %s:\n%s", name, doc)
	}
	rest := doc[start+1:]
	end := strings.Index(rest, "\n    - name: ")
	if n := strings.Index(rest, "\n  network:"); end < 0 || (n >= 0 && n < end) {
		end = n
	}
	return doc[:start] + rest[end+1:]
}

// checkNewWorker adds a worker to the spec: the dry run plans changes on
// the new host and, on the others, only to the spec's kubeup-config
// ConfigMap; apply restarts nothing on the old nodes and the new node
// is Ready.
func checkNewWorker(t *testing.T, kubeup, kubectl, kubeconfig, dir, specPath, sandbox, withNode4 string) {
	t.Helper()
	// keep the setting changed earlier: only the host list differs
	writeFile(t, specPath, strings.Replace(withNode4, "maxPods: 110", "maxPods: 100", 1))
	dry := must(t, dir, 5*time.Minute, kubeup, "apply", "-f", specPath, "--dry-run")
	newNode := sandbox + "-node4"
	planned := false
	for _, h := range dryRunHosts(dry.err) {
		if h.name == newNode {
			planned = len(h.changes) > 0
			continue
		}
		for _, c := range h.changes {
			if !strings.Contains(c, "kubeup-config") {
				t.Errorf("adding %s plans a change on %s: %s", newNode, h.name, c)
			}
		}
	}
	if !planned {
		t.Errorf("the dry run plans nothing on the new worker %s:\n%s", newNode, tail(dry.err, 40))
	}
	started := unitInvocations(t, sandbox, 3)
	r := must(t, dir, 15*time.Minute, kubeup, "apply", "-f", specPath, "--skip-smoke")
	t.Logf("apply of a new worker took %.1fs", r.took.Seconds())
	if restarted := compareInvocations(started, unitInvocations(t, sandbox, 3)); len(restarted) > 0 {
		t.Errorf("adding a worker restarted %v", restarted)
	}
	nodes := must(t, dir, time.Minute, kubectl, "--kubeconfig", kubeconfig, "get", "node", newNode,
		"-o", `jsonpath={.status.conditions[?(@.type=="Ready")].status}`)
	if nodes.out != "True" {
		t.Errorf("new worker %s is not Ready: %q", newNode, nodes.out)
	}
	checkNoBootstrapLeft(t, kubeconfig, sandbox, 4)
}

type hostChanges struct {
	name    string
	changes []string
}

// dryRunHosts groups a text-mode dry run's "- change" lines under the
// "host:" lines that precede them.
func dryRunHosts(stderr string) []hostChanges {
	var out []hostChanges
	for _, l := range strings.Split(stderr, "\n") {
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, "- ") && len(out) > 0:
			out[len(out)-1].changes = append(out[len(out)-1].changes, t[2:])
		case strings.HasPrefix(l, "    ") && !strings.HasPrefix(l, "      ") && strings.HasSuffix(t, ":"):
			out = append(out, hostChanges{name: strings.TrimSuffix(t, ":")})
		}
	}
	return out
}

// disturbed is how an apply ended that applyUntil disturbed.
type disturbed struct {
	err   error
	out   string        // stderr
	after time.Duration // from the disturbance to the end
}

// applyUntil starts apply and calls at(cmd) once a stderr line starts
// with prefix.
func applyUntil(t *testing.T, kubeup, dir, specPath, prefix string, at func(*exec.Cmd)) disturbed {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, kubeup, "apply", "-f", specPath, "--ssh-timeout", "10s", "--skip-smoke")
	cmd.Dir = dir
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	var when time.Time
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if when.IsZero() && strings.HasPrefix(sc.Text(), prefix) {
			at(cmd)
			when = time.Now()
		}
	}
	err = cmd.Wait()
	if when.IsZero() {
		t.Fatalf("apply never printed %q:\n%s", prefix, tail(out.String(), 30))
	}
	return disturbed{err: err, out: out.String(), after: time.Since(when)}
}

// checkInterrupted sends apply SIGINT (Ctrl-C) in the middle: it stops
// within seconds and the journal records the interruption.
func checkInterrupted(t *testing.T, kubeup, dir, specPath string) {
	t.Helper()
	d := applyUntil(t, kubeup, dir, specPath, "phase preflight: started", func(cmd *exec.Cmd) {
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("apply stopped %.1fs after SIGINT", d.after.Seconds())
	if d.err == nil || d.after > 15*time.Second || !strings.Contains(d.out, "interrupted") {
		t.Errorf("apply after SIGINT: %v after %s, want a stop within 15s that says it was interrupted:\n%s", d.err, d.after, tail(d.out, 20))
	}
}

// checkNodePausedMidRun freezes node once apply is connected and works
// on the hosts: apply fails within the SSH timeout, naming the node.
func checkNodePausedMidRun(t *testing.T, kubeup, dir, specPath, node string) {
	t.Helper()
	paused := false
	d := applyUntil(t, kubeup, dir, specPath, "phase facts: started", func(*exec.Cmd) {
		pauseNode(t, dir, node)
		paused = true
	})
	if paused {
		must(t, dir, time.Minute, "docker", "unpause", node)
	}
	t.Logf("apply with %s paused mid-run failed %.1fs after the pause", node, d.after.Seconds())
	if d.err == nil || !strings.Contains(d.out, node) || d.after > 60*time.Second {
		t.Errorf("node paused mid-run: %v %s after the pause, want a failure naming %s within 60s:\n%s", d.err, d.after, node, tail(d.out, 30))
	}
}

// pauseNode freezes a node container. The cgroup v1 freezer of this
// machine sometimes gives up under load ("unable to freeze", the node
// keeps running); the pause is then tried again, a few times.
func pauseNode(t *testing.T, dir, node string) {
	t.Helper()
	for try := 1; ; try++ {
		r := run(t, dir, time.Minute, "docker", "pause", node)
		if r.code == 0 {
			return
		}
		if try == 5 || !strings.Contains(r.err, "unable to freeze") {
			t.Fatalf("docker pause %s: exit %d (try %d): %s", node, r.code, try, r.err)
		}
		t.Logf("docker pause %s: the freezer gave up (try %d), trying again", node, try)
		time.Sleep(time.Second)
	}
}
