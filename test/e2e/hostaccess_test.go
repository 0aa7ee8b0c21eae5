//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kubeup.dev/kubeup/internal/versions"
)

const (
	// hostAccessNamespace holds checkHostAccessPods's pods; deleting it
	// removes them.
	hostAccessNamespace = "kubeup-e2e-hostaccess"
	// hostPathDir is the node directory the hostpath pod mounts at /host.
	hostPathDir = "/var/lib/kubeup-e2e-hostpath"
	// hostNetworkPort is where the hostnetwork pod serves on its node.
	hostNetworkPort = 18080
	// hostPortPort is the hostport pod's hostPort for its port 8080.
	hostPortPort = 18081
	// smokeBin is the smoke image's only binary.
	smokeBin = "/smoke"
)

// hostAccess is the cluster checkHostAccessPods works on: the pods under
// test run on node server (address serverIP), the client pod on node
// client.
type hostAccess struct {
	t                           *testing.T
	dir, kubectlBin, kubeconfig string
	server, serverIP, client    string
	nonce                       string
}

// checkHostAccessPods proves that sandbox nodes run pods that use the
// host as a real host runs them: a privileged pod reads the node's
// /dev/kmsg (a host device that an unprivileged pod does not have), a
// hostNetwork pod serves on the node's address and a hostPort pod at the
// node's address and hostPort (both fetched by a pod on another node), and
// a hostPath volume carries files both ways between pod and node. The
// pods and the node directory are removed afterwards.
func checkHostAccessPods(t *testing.T, kubectl, kubeconfig, dir, sandbox string) {
	t.Helper()
	start := time.Now()
	h := hostAccess{t: t, dir: dir, kubectlBin: kubectl, kubeconfig: kubeconfig,
		server: sandbox + "-node2", client: sandbox + "-node3", nonce: fmt.Sprint(time.Now().UnixNano())}
	h.serverIP = strings.TrimSpace(h.kubectl(time.Minute, "get", "node", h.server,
		"-o", `jsonpath={.status.addresses[?(@.type=="InternalIP")].address}`).out)
	if h.serverIP == "" {
		t.Fatalf("node %s reports no InternalIP", h.server)
	}
	defer h.cleanup()
	if !h.startPods() {
		return
	}
	h.checkPrivileged()
	h.checkHostNetwork()
	h.checkHostPort()
	h.checkHostPath()
	t.Logf("privileged, hostNetwork, hostPort and hostPath pods checked in %.1fs", time.Since(start).Seconds())
}

// kubectl runs kubectl against the cluster; it must succeed.
func (h hostAccess) kubectl(timeout time.Duration, args ...string) result {
	h.t.Helper()
	return must(h.t, h.dir, timeout, h.kubectlBin, append([]string{"--kubeconfig", h.kubeconfig}, args...)...)
}

// smoke runs the smoke binary with args in pod, by kubectl exec.
func (h hostAccess) smoke(pod string, args ...string) result {
	h.t.Helper()
	a := append([]string{"--kubeconfig", h.kubeconfig, "-n", hostAccessNamespace, "exec", pod, "--", smokeBin}, args...)
	return run(h.t, h.dir, 90*time.Second, h.kubectlBin, a...)
}

// startPods creates the namespace and the pods and waits up to 60s
// until every pod is Ready; it reports false (and why) when one is not.
func (h hostAccess) startPods() bool {
	h.t.Helper()
	set, err := versions.For(k8sVersion())
	if err != nil {
		h.t.Fatal(err)
	}
	manifest := filepath.Join(h.dir, "hostaccess.yaml")
	writeFile(h.t, manifest, podsManifest(h.t, hostAccessPods(set.SmokeTestImage(), h.server, h.client)))
	h.kubectl(time.Minute, "create", "namespace", hostAccessNamespace)
	// pods are refused until the namespace's default ServiceAccount exists
	h.kubectl(90*time.Second, "-n", hostAccessNamespace, "wait", "--for=create", "--timeout=60s", "serviceaccount/default")
	h.kubectl(time.Minute, "apply", "-f", manifest)
	r := run(h.t, h.dir, 90*time.Second, h.kubectlBin, "--kubeconfig", h.kubeconfig, "-n", hostAccessNamespace,
		"wait", "--for=condition=Ready", "--timeout=60s", "pod", "--all")
	if r.code == 0 {
		return true
	}
	pods := run(h.t, h.dir, time.Minute, h.kubectlBin, "--kubeconfig", h.kubeconfig, "-n", hostAccessNamespace, "get", "pods", "-o", "wide")
	events := run(h.t, h.dir, time.Minute, h.kubectlBin, "--kubeconfig", h.kubeconfig, "-n", hostAccessNamespace,
		"get", "events", "--field-selector", "type=Warning", "-o", "custom-columns=OBJECT:.involvedObject.name,REASON:.reason,MESSAGE:.message")
	h.t.Errorf("host access pods not Ready within 60s: %s\n%s\nwarnings:\n%s", strings.TrimSpace(r.err), pods.out, tail(events.out, 20))
	return false
}

// cleanup deletes the namespace (waiting up to 60s for its pods to go)
// and the node's hostPath directory.
func (h hostAccess) cleanup() {
	h.t.Helper()
	r := run(h.t, h.dir, 90*time.Second, h.kubectlBin, "--kubeconfig", h.kubeconfig, "delete", "namespace", hostAccessNamespace,
		"--ignore-not-found", "--timeout=60s")
	if r.code != 0 {
		h.t.Errorf("delete namespace %s: exit %d: %s", hostAccessNamespace, r.code, tail(r.err, 10))
	}
	if r := run(h.t, h.dir, time.Minute, "docker", "exec", h.server, "rm", "-rf", hostPathDir); r.code != 0 {
		h.t.Errorf("remove %s on %s: exit %d: %s", hostPathDir, h.server, r.code, r.err)
	}
}

// checkPrivileged: the privileged pod reads records from the node's
// /dev/kmsg; an unprivileged pod on the same node has no such device.
func (h hostAccess) checkPrivileged() {
	h.t.Helper()
	r := h.smoke("privileged", "read", "-max", "4096", "/dev/kmsg")
	// a record is "priority,sequence,timestamp,flags;message"
	if r.code != 0 || !strings.Contains(r.out, ";") {
		h.t.Errorf("privileged pod cannot read the node's /dev/kmsg: exit %d\n%s%s", r.code, tail(r.out, 5), r.err)
	}
	if r := h.smoke("hostpath", "read", "/dev/kmsg"); r.code == 0 {
		h.t.Errorf("an unprivileged pod reads /dev/kmsg, so privileged proves nothing:\n%s", tail(r.out, 5))
	}
}

// checkHostNetwork: the client pod on another node reaches the
// hostNetwork pod at the node's address; the pod answers with the node's
// hostname and address.
func (h hostAccess) checkHostNetwork() {
	h.t.Helper()
	url := fmt.Sprintf("http://%s:%d/", h.serverIP, hostNetworkPort)
	r := h.smoke("client", "get", "-attempts", "15", "-timeout", "3s", url)
	if r.code != 0 || !strings.Contains(r.out, "host="+h.server+" ") || !strings.Contains(r.out, "ip="+h.serverIP+" ") {
		h.t.Errorf("hostNetwork pod on %s: get %s from %s: exit %d, want an answer from host=%s ip=%s:\n%s%s",
			h.server, url, h.client, r.code, h.server, h.serverIP, r.out, r.err)
	}
}

// checkHostPort: the client pod on another node reaches the hostPort pod
// at the node's address and the hostPort.
func (h hostAccess) checkHostPort() {
	h.t.Helper()
	url := fmt.Sprintf("http://%s:%d/", h.serverIP, hostPortPort)
	r := h.smoke("client", "get", "-attempts", "15", "-timeout", "3s", url)
	if r.code != 0 || !strings.Contains(r.out, "pod=hostport ") {
		h.t.Errorf("hostPort pod on %s: get %s from %s: exit %d, want an answer from pod=hostport:\n%s%s",
			h.server, url, h.client, r.code, r.out, r.err)
	}
}

// checkHostPath: a file put on the node is read by the pod through its
// hostPath volume, and a file the pod writes appears on the node.
func (h hostAccess) checkHostPath() {
	h.t.Helper()
	fromNode, fromPod := "from-node-"+h.nonce, "from-pod-"+h.nonce
	must(h.t, h.dir, time.Minute, "docker", "exec", h.server, "sh", "-c",
		fmt.Sprintf("printf %%s %s > %s/from-node", fromNode, hostPathDir))
	if r := h.smoke("hostpath", "read", "/host/from-node"); r.code != 0 || r.out != fromNode {
		h.t.Errorf("hostPath pod reads %q (exit %d, %s) from /host/from-node, want %q written on %s",
			r.out, r.code, strings.TrimSpace(r.err), fromNode, h.server)
	}
	if r := h.smoke("hostpath", "write", "/host/from-pod", fromPod); r.code != 0 {
		h.t.Errorf("hostPath pod cannot write /host/from-pod: exit %d: %s", r.code, r.err)
		return
	}
	r := run(h.t, h.dir, time.Minute, "docker", "exec", h.server, "cat", hostPathDir+"/from-pod")
	if r.code != 0 || r.out != fromPod {
		h.t.Errorf("%s has %q (exit %d, %s) in %s/from-pod, want %q written by the pod",
			h.server, r.out, r.code, strings.TrimSpace(r.err), hostPathDir, fromPod)
	}
}

// hostAccessPods are the pods under test, on node server, and a client
// pod on node client; each runs smoke serve.
func hostAccessPods(image, server, client string) []*corev1.Pod {
	privileged := smokePod("privileged", server, image)
	privileged.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: new(true)}

	hostNet := smokePod("hostnetwork", server, image, "-addr", fmt.Sprintf(":%d", hostNetworkPort))
	hostNet.Spec.HostNetwork = true

	hostPort := smokePod("hostport", server, image)
	hostPort.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 8080, HostPort: hostPortPort}}

	hostPath := smokePod("hostpath", server, image)
	dirOrCreate := corev1.HostPathDirectoryOrCreate
	hostPath.Spec.Volumes = []corev1.Volume{{Name: "host", VolumeSource: corev1.VolumeSource{
		HostPath: &corev1.HostPathVolumeSource{Path: hostPathDir, Type: &dirOrCreate}}}}
	hostPath.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "host", MountPath: "/host"}}

	return []*corev1.Pod{privileged, hostNet, hostPort, hostPath, smokePod("client", client, image)}
}

// smokePod is a pod on node that runs smoke serve with extra args and
// knows its name, address and node (the downward API).
func smokePod(name, node, image string, args ...string) *corev1.Pod {
	field := func(env, path string) corev1.EnvVar {
		return corev1.EnvVar{Name: env, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: path}}}
	}
	return &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: hostAccessNamespace},
		Spec: corev1.PodSpec{
			NodeName: node, Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
			TerminationGracePeriodSeconds: new(int64(1)),
			Containers: []corev1.Container{{
				Name: "smoke", Image: image, ImagePullPolicy: corev1.PullNever,
				Args: append([]string{"serve"}, args...),
				Env:  []corev1.EnvVar{field("POD_NAME", "metadata.name"), field("POD_IP", "status.podIP"), field("NODE_NAME", "spec.nodeName")},
			}},
		},
	}
}

// podsManifest is the pods as one YAML stream of JSON documents.
func podsManifest(t *testing.T, pods []*corev1.Pod) string {
	t.Helper()
	docs := make([]string, len(pods))
	for i, p := range pods {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("encode pod %s: %v", p.Name, err)
		}
		docs[i] = string(b)
	}
	return strings.Join(docs, "\n---\n") + "\n"
}
