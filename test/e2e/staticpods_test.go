//go:build e2e

package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// setMode writes spec.controlPlane.mode into the sandbox's spec.
func setMode(t *testing.T, specPath, mode string) {
	t.Helper()
	doc := readFile(t, specPath)
	const endpoint = "  controlPlane:\n    endpoint: \"\"\n"
	if i := strings.Index(doc, "    mode: "); i >= 0 {
		end := i + strings.Index(doc[i:], "\n")
		writeFile(t, specPath, doc[:i]+"    mode: "+mode+doc[end:])
		return
	}
	if !strings.Contains(doc, endpoint) {
		t.Fatalf("the sandbox spec has no empty controlPlane endpoint:\n%s", doc)
	}
	writeFile(t, specPath, strings.Replace(doc, endpoint, endpoint+"    mode: "+mode+"\n", 1))
}

// kube is kubectl against a sandbox cluster's admin kubeconfig.
type kube struct {
	t                 *testing.T
	dir, kubectl, cfg string
}

func newKube(t *testing.T, dir, name string) kube {
	return kube{t: t, dir: dir, kubectl: filepath.Join(cacheRoot(t), "artifacts", k8sVersion(), "amd64", "bin", "kubectl"),
		cfg: filepath.Join(dir, ".kubeup", name, "admin.conf")}
}

func (k kube) run(args ...string) result {
	k.t.Helper()
	return must(k.t, k.dir, 2*time.Minute, k.kubectl, append([]string{"--kubeconfig", k.cfg}, args...)...)
}

// systemPods maps each kube-system pod to "uid phase restarts", once
// every one is ready (a mirror pod's status trails its pod by seconds).
func (k kube) systemPods() map[string]string {
	k.t.Helper()
	k.run("-n", "kube-system", "wait", "--for=condition=Ready", "pod", "--all", "--timeout=60s")
	r := k.run("-n", "kube-system", "get", "pods", "-o",
		`jsonpath={range .items[*]}{.metadata.name} {.metadata.uid} {.status.phase} {.status.containerStatuses[0].restartCount}{"\n"}{end}`)
	out := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(r.out), "\n") {
		if name, rest, ok := strings.Cut(l, " "); ok {
			out[name] = rest
		}
	}
	return out
}

// checkStaticPodLayout: every control plane runs etcd, the API server,
// the controller manager and the scheduler as mirror pods named
// COMPONENT-NODE, every node a kube-proxy and a flannel pod, all running
// and ready; the hosts keep no unit of those components.
func checkStaticPodLayout(t *testing.T, k kube, sandbox string, nodes, controlPlanes int) map[string]string {
	t.Helper()
	pods := k.systemPods()
	var missing []string
	for i := 1; i <= controlPlanes; i++ {
		for _, c := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"} {
			p := fmt.Sprintf("%s-%s-node%d", c, sandbox, i)
			if st := pods[p]; !strings.Contains(st, " Running ") {
				missing = append(missing, p+" ("+st+")")
			}
		}
	}
	for _, prefix := range []string{"kube-proxy-", "kube-flannel-"} {
		n := 0
		for p, st := range pods {
			if strings.HasPrefix(p, prefix) && strings.Contains(st, " Running ") {
				n++
			}
		}
		if n != nodes {
			missing = append(missing, fmt.Sprintf("%d running %s* pods, want %d", n, prefix, nodes))
		}
	}
	if len(missing) > 0 {
		t.Errorf("kube-system lacks, or has not ready: %s\n%v", strings.Join(missing, "; "), pods)
	}
	for i := 1; i <= nodes; i++ {
		node := fmt.Sprintf("%s-node%d", sandbox, i)
		r := run(t, "", time.Minute, "docker", "exec", node, "sh", "-c",
			"cd /etc/systemd/system && ls etcd.service kube-apiserver.service kube-controller-manager.service kube-scheduler.service kube-proxy.service flanneld.service 2>/dev/null; ls /usr/local/bin")
		if strings.Contains(r.out, ".service") || strings.Contains(r.out, "kube-apiserver") || strings.Contains(r.out, "flanneld") {
			t.Errorf("%s keeps units or binaries of components that run as pods:\n%s", node, r.out)
		}
	}
	return pods
}

// changeEvents lists the change events of apply -o json.
func changeEvents(events string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(events))
	for sc.Scan() {
		var e struct{ Kind, Host, Message string }
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.Kind == "change" {
			out = append(out, e.Host+": "+e.Message)
		}
	}
	sort.Strings(out)
	return out
}

// checkReapplyRestartsNothing: a second apply changes nothing and every
// kube-system pod keeps its UID and restart count.
func checkReapplyRestartsNothing(t *testing.T, kubeup, dir, specPath string, k kube, before map[string]string) {
	t.Helper()
	again := must(t, dir, 10*time.Minute, kubeup, "apply", "-f", specPath, "-o", "json")
	t.Logf("re-apply took %.1fs", again.took.Seconds())
	if ch := changeEvents(again.out); len(ch) > 0 {
		t.Errorf("re-apply changed:\n%s", strings.Join(ch, "\n"))
	}
	after := k.systemPods()
	for p, st := range before {
		if after[p] != st {
			t.Errorf("re-apply touched pod %s: %q, then %q", p, st, after[p])
		}
	}
}

// TestStaticPods deploys a control plane and two workers in static-pods
// mode: etcd and the control plane run as static pods, kube-proxy and
// flannel as DaemonSets, apply validates the cluster (smoke pods on every
// node), a re-apply restarts nothing, switching back to systemd mode
// converts it, and reset leaves every node as it found it.
func TestStaticPods(t *testing.T) {
	const nodes, cps = 3, 1
	kubeup, dir, name, specPath := newSandbox(t, "sp", nodes, cps)
	before := listNodes(t, kubeup, dir, name, nodes)
	setMode(t, specPath, "static-pods")

	r := must(t, dir, 15*time.Minute, kubeup, "apply", "-f", specPath)
	t.Logf("cold apply of 1 control plane + 2 workers in static-pods mode took %.1fs", r.took.Seconds())
	if !strings.Contains(r.out, "smoke: pods on every node") {
		t.Errorf("apply did not validate the cluster:\n%s", r.out)
	}
	k := newKube(t, dir, name)
	pods := checkStaticPodLayout(t, k, name, nodes, cps)
	must(t, dir, 5*time.Minute, kubeup, "status", "-f", specPath)
	checkCISOnHost(t, name+"-node1")
	checkReapplyRestartsNothing(t, kubeup, dir, specPath, k, pods)
	checkBackToSystemd(t, kubeup, dir, name, specPath, k, nodes)

	must(t, dir, 10*time.Minute, kubeup, "reset", "-f", specPath, "--yes")
	after := listNodes(t, kubeup, dir, name, nodes)
	for i := range nodes {
		if d := diffListings(before[i], after[i]); d != "" {
			t.Errorf("node%d differs after apply and reset (- before only, + after only):\n%s", i+1, d)
		}
	}
}

// checkConversion stores a ConfigMap and runs a pod on a systemd
// cluster, then switches spec.controlPlane.mode to static-pods and
// applies: one control-plane host at a time gives up its units for static
// pods, the ConfigMap (in etcd) and the running pod survive, and a
// re-apply restarts nothing.
func checkConversion(t *testing.T, kubeup, dir, name, specPath string, nodes, cps int) {
	t.Helper()
	k := newKube(t, dir, name)
	k.run("create", "configmap", "kept", "--from-literal=written=before-conversion")
	k.run("run", "survivor", "--image="+smokeImage(t), "--image-pull-policy=Never", "--restart=Never")
	k.run("wait", "--for=condition=Ready", "pod/survivor", "--timeout=60s")
	uid := k.run("get", "pod", "survivor", "-o", "jsonpath={.metadata.uid}").out

	setMode(t, specPath, "static-pods")
	js := must(t, dir, 15*time.Minute, kubeup, "apply", "-f", specPath, "-o", "json")
	t.Logf("conversion to static pods took %.1fs", js.took.Seconds())
	checkOneAtATime(t, js.out, "retire kube-apiserver")
	checkOneAtATime(t, js.out, "retire etcd")

	if v := k.run("get", "configmap", "kept", "-o", "jsonpath={.data.written}").out; v != "before-conversion" {
		t.Errorf("the ConfigMap written before the conversion reads %q", v)
	}
	pod := k.run("get", "pod", "survivor", "-o", `jsonpath={.metadata.uid} {.status.phase} {.status.containerStatuses[0].restartCount}`).out
	if pod != uid+" Running 0" {
		t.Errorf("the pod running before the conversion is now %q, want %q", pod, uid+" Running 0")
	}
	pods := checkStaticPodLayout(t, k, name, nodes, cps)
	checkReapplyRestartsNothing(t, kubeup, dir, specPath, k, pods)
}

// checkBackToSystemd switches a static-pods cluster back to systemd
// mode: the static pods and the network DaemonSets give way to units, and
// a ConfigMap written before stays.
func checkBackToSystemd(t *testing.T, kubeup, dir, name, specPath string, k kube, nodes int) {
	t.Helper()
	k.run("create", "configmap", "kept", "--from-literal=written=in-static-pods-mode")
	setMode(t, specPath, "systemd")
	r := must(t, dir, 15*time.Minute, kubeup, "apply", "-f", specPath)
	t.Logf("conversion back to systemd took %.1fs", r.took.Seconds())
	if v := k.run("get", "configmap", "kept", "-o", "jsonpath={.data.written}").out; v != "in-static-pods-mode" {
		t.Errorf("the ConfigMap written before the conversion reads %q", v)
	}
	left := k.run("-n", "kube-system", "get", "pods,daemonsets", "-o", "name").out
	for _, gone := range []string{"pod/etcd-", "pod/kube-apiserver-", "pod/kube-proxy-", "pod/kube-flannel-", "daemonset.apps/"} {
		if strings.Contains(left, gone) {
			t.Errorf("kube-system still holds %s* after the conversion to systemd:\n%s", gone, left)
		}
	}
	for i := 1; i <= nodes; i++ {
		node := fmt.Sprintf("%s-node%d", name, i)
		units := []string{"kubelet", "kube-proxy", "flanneld"}
		if i == 1 {
			units = append(units, "etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")
		}
		out := run(t, "", time.Minute, "docker", append([]string{"exec", node, "systemctl", "is-active"}, units...)...).out
		if strings.Count(out, "active\n") != len(units) || strings.Contains(out, "inactive") {
			t.Errorf("%s: units %v are not all active:\n%s", node, units, out)
		}
		if ls := run(t, "", time.Minute, "docker", "exec", node, "sh", "-c", "ls /etc/kubernetes/manifests 2>/dev/null").out; strings.TrimSpace(ls) != "" {
			t.Errorf("%s keeps static pod manifests: %s", node, ls)
		}
	}
}
