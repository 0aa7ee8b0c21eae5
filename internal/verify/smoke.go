package verify

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"kubeup.dev/kubeup/internal/spec"
)

const (
	smokeLabel = "kubeup.dev/smoke"
	smokePort  = 8080
)

// smoke runs a server pod and a client pod on every node. Each client
// fetches every server pod by its pod IP (pod-to-pod across nodes), the
// Service of the next node's server by its DNS name (ClusterIP Service
// whose pod runs on another node), and resolves kubernetes.default.svc.
func smoke(ctx context.Context, cs kubernetes.Interface, c *spec.Cluster, o Options) (string, error) {
	ns, err := smokeNamespace(ctx, cs)
	if err != nil {
		return "", err
	}
	defer func() {
		// Deleting a namespace is asynchronous; do not wait for it.
		_ = cs.CoreV1().Namespaces().Delete(context.WithoutCancel(ctx), ns, metav1.DeleteOptions{})
	}()
	ips, err := startServers(ctx, cs, c, ns, o)
	if err != nil {
		return "", err
	}
	if err := runClients(ctx, cs, c, ns, ips, o); err != nil {
		return "", err
	}
	n := len(c.Spec.Hosts)
	return fmt.Sprintf("%d nodes, %d pod-to-pod requests, %d Service requests, %d DNS lookups", n, n*n, n, n), nil
}

// smokeNamespace removes namespaces left by an interrupted earlier run and
// creates a fresh one.
func smokeNamespace(ctx context.Context, cs kubernetes.Interface) (string, error) {
	old, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{LabelSelector: smokeLabel})
	if err != nil {
		return "", fmt.Errorf("list namespaces: %w", err)
	}
	for _, n := range old.Items {
		_ = cs.CoreV1().Namespaces().Delete(ctx, n.Name, metav1.DeleteOptions{})
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "kubeup-smoke-", Labels: map[string]string{smokeLabel: "true"}}}
	ns, err = cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("create smoke namespace: %w", err)
	}
	return ns.Name, waitDefaultServiceAccount(ctx, cs, ns.Name)
}

// waitDefaultServiceAccount waits for the namespace's default ServiceAccount,
// without which pods are refused.
func waitDefaultServiceAccount(ctx context.Context, cs kubernetes.Interface, ns string) error {
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := cs.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	})
	if err != nil {
		return fmt.Errorf("namespace %s has no default service account (is kube-controller-manager running?)", ns)
	}
	return nil
}

// startServers creates a server pod and a Service per node and waits until
// every server is Ready; it returns their pod IPs.
func startServers(ctx context.Context, cs kubernetes.Interface, c *spec.Cluster, ns string, o Options) ([]string, error) {
	for _, h := range c.Spec.Hosts {
		if _, err := cs.CoreV1().Pods(ns).Create(ctx, serverPod(h.Name, o.SmokeImage), metav1.CreateOptions{}); err != nil {
			return nil, fmt.Errorf("create server pod on %s: %w", h.Name, err)
		}
		if _, err := cs.CoreV1().Services(ns).Create(ctx, serverService(h.Name), metav1.CreateOptions{}); err != nil {
			return nil, fmt.Errorf("create service for %s: %w", h.Name, err)
		}
	}
	var ips []string
	var waiting []string
	err := wait.PollUntilContextTimeout(ctx, pollInterval, o.Timeout, true, func(ctx context.Context) (bool, error) {
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "role=server"})
		if err != nil {
			return false, nil
		}
		ips, waiting = readyIPs(pods.Items)
		return len(ips) == len(c.Spec.Hosts), nil
	})
	if err != nil {
		return nil, fmt.Errorf("server pods not ready after %s: %s", o.Timeout, strings.Join(waiting, "; "))
	}
	return ips, nil
}

func readyIPs(pods []corev1.Pod) (ips, waiting []string) {
	for _, p := range pods {
		if podReady(p) && p.Status.PodIP != "" {
			ips = append(ips, p.Status.PodIP)
			continue
		}
		waiting = append(waiting, fmt.Sprintf("%s on %s: %s", p.Name, p.Spec.NodeName, podState(p)))
	}
	return ips, waiting
}

func podReady(p corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// podState says why a pod is not running, from its container states.
func podState(p corev1.Pod) string {
	for _, s := range p.Status.ContainerStatuses {
		if w := s.State.Waiting; w != nil {
			return fmt.Sprintf("%s %s", w.Reason, w.Message)
		}
		if t := s.State.Terminated; t != nil {
			return fmt.Sprintf("exited %d %s", t.ExitCode, t.Reason)
		}
	}
	for _, c := range p.Status.Conditions {
		if c.Status != corev1.ConditionTrue && c.Message != "" {
			return c.Message
		}
	}
	return string(p.Status.Phase)
}

// runClients starts a client pod per node and waits until every one has
// succeeded; a failure carries the client's output.
func runClients(ctx context.Context, cs kubernetes.Interface, c *spec.Cluster, ns string, ips []string, o Options) error {
	hosts := c.Spec.Hosts
	for i, h := range hosts {
		other := hosts[(i+1)%len(hosts)].Name
		svc := fmt.Sprintf("http://server-%s.%s.svc.%s:%d/", other, ns, c.Spec.Network.DNSDomain, smokePort)
		urls := []string{svc}
		for _, ip := range ips {
			urls = append(urls, fmt.Sprintf("http://%s/", joinHostPort(ip, smokePort)))
		}
		kube := "kubernetes.default.svc." + c.Spec.Network.DNSDomain
		if _, err := cs.CoreV1().Pods(ns).Create(ctx, clientPod(h.Name, o.SmokeImage, urls, kube), metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create client pod on %s: %w", h.Name, err)
		}
	}
	return waitClients(ctx, cs, ns, len(hosts), o.Timeout)
}

func waitClients(ctx context.Context, cs kubernetes.Interface, ns string, n int, timeout time.Duration) error {
	var failed, pending []string
	err := wait.PollUntilContextTimeout(ctx, pollInterval, timeout, true, func(ctx context.Context) (bool, error) {
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "role=client"})
		if err != nil {
			return false, nil
		}
		failed, pending = nil, nil
		for _, p := range pods.Items {
			switch p.Status.Phase {
			case corev1.PodSucceeded:
			case corev1.PodFailed:
				failed = append(failed, fmt.Sprintf("client on %s: %s", p.Spec.NodeName, clientLogs(ctx, cs, p)))
			default:
				pending = append(pending, fmt.Sprintf("%s: %s", p.Spec.NodeName, podState(p)))
			}
		}
		return len(failed) > 0 || (len(pods.Items) == n && len(pending) == 0), nil
	})
	if len(failed) > 0 {
		return fmt.Errorf("%s", strings.Join(failed, "; "))
	}
	if err != nil {
		return fmt.Errorf("client pods not done after %s: %s", timeout, strings.Join(pending, "; "))
	}
	return nil
}

// clientLogs returns the last lines a failed client printed.
func clientLogs(ctx context.Context, cs kubernetes.Interface, p corev1.Pod) string {
	var out []string
	tail := int64(5)
	for _, ctr := range p.Spec.Containers {
		b, err := cs.CoreV1().Pods(p.Namespace).GetLogs(p.Name, &corev1.PodLogOptions{Container: ctr.Name, TailLines: &tail}).DoRaw(ctx)
		if err != nil {
			out = append(out, ctr.Name+": (no logs: "+err.Error()+")")
			continue
		}
		out = append(out, ctr.Name+": "+strings.TrimSpace(string(b)))
	}
	return strings.Join(out, " | ")
}

func joinHostPort(ip string, port int) string {
	if strings.Contains(ip, ":") {
		return fmt.Sprintf("[%s]:%d", ip, port)
	}
	return fmt.Sprintf("%s:%d", ip, port)
}

// tolerateAll lets smoke pods run on tainted control-plane nodes too.
func tolerateAll() []corev1.Toleration {
	return []corev1.Toleration{{Operator: corev1.TolerationOpExists}}
}

func downwardEnv() []corev1.EnvVar {
	field := func(name, path string) corev1.EnvVar {
		return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: path}}}
	}
	return []corev1.EnvVar{field("POD_NAME", "metadata.name"), field("POD_NAMESPACE", "metadata.namespace"),
		field("POD_IP", "status.podIP"), field("NODE_NAME", "spec.nodeName")}
}

func serverPod(node, image string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "server-" + node, Labels: map[string]string{"role": "server", "node": node}},
		Spec: corev1.PodSpec{
			NodeName: node, Tolerations: tolerateAll(),
			Containers: []corev1.Container{{
				Name: "server", Image: image, ImagePullPolicy: corev1.PullNever, Args: []string{"serve"},
				Env:   downwardEnv(),
				Ports: []corev1.ContainerPort{{ContainerPort: smokePort}},
				ReadinessProbe: &corev1.Probe{PeriodSeconds: 1, ProbeHandler: corev1.ProbeHandler{
					HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(smokePort)}}},
			}},
		},
	}
}

func serverService(node string) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "server-" + node},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"role": "server", "node": node},
			Ports:    []corev1.ServicePort{{Port: smokePort, TargetPort: intstr.FromInt32(smokePort)}},
		},
	}
}

// clientAttempts is how many times, one second apart, a client pod tries
// each Service URL and name. After the only API server restarts, client-go
// informers (CoreDNS's, kube-proxy's) retry with a backoff of up to 30 s,
// doubled by jitter: a new Service may stay unknown to them for about a
// minute (48 s measured after a control-plane mode conversion), so 90
// attempts outlast it while a broken network still fails within minutes.
const clientAttempts = "90"

func clientPod(node, image string, urls []string, name string) *corev1.Pod {
	get := append([]string{"get", "-attempts", clientAttempts, "-timeout", "3s"}, urls...)
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "client-" + node, Labels: map[string]string{"role": "client", "node": node}},
		Spec: corev1.PodSpec{
			NodeName: node, Tolerations: tolerateAll(), RestartPolicy: corev1.RestartPolicyNever,
			Containers: []corev1.Container{
				{Name: "get", Image: image, ImagePullPolicy: corev1.PullNever, Args: get, Env: downwardEnv()},
				{Name: "resolve", Image: image, ImagePullPolicy: corev1.PullNever, Args: []string{"resolve", "-attempts", clientAttempts, "-timeout", "3s", name}},
			},
		},
	}
}
