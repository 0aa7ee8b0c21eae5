package verify

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"kubeup.dev/kubeup/internal/spec"
)

const pollInterval = time.Second

// health asks the API server's health endpoint path (verbose) and fails
// with the failing checks it names.
func health(ctx context.Context, cs kubernetes.Interface, path string) (string, error) {
	b, err := cs.Discovery().RESTClient().Get().AbsPath(path).Param("verbose", "1").DoRaw(ctx)
	if err != nil {
		return "", fmt.Errorf("GET %s: %w: %s", path, err, failingLines(b))
	}
	return fmt.Sprintf("%d checks ok", strings.Count(string(b), " ok")), nil
}

func failingLines(b []byte) string {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, "failed") {
			out = append(out, strings.TrimSpace(l))
		}
	}
	return strings.Join(out, "; ")
}

// nodesReady waits until every spec host is a Ready node.
func nodesReady(ctx context.Context, cs kubernetes.Interface, c *spec.Cluster, timeout time.Duration) (string, error) {
	var missing []string
	err := wait.PollUntilContextTimeout(ctx, pollInterval, timeout, true, func(ctx context.Context) (bool, error) {
		nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			missing = []string{"list nodes: " + err.Error()}
			return false, nil
		}
		missing = notReady(c, nodes.Items)
		return len(missing) == 0, nil
	})
	if err != nil {
		return "", fmt.Errorf("after %s: %s (check kubelet on those hosts: journalctl -u kubelet)", timeout, strings.Join(missing, ", "))
	}
	return fmt.Sprintf("%d nodes Ready", len(c.Spec.Hosts)), nil
}

func notReady(c *spec.Cluster, nodes []corev1.Node) []string {
	byName := map[string]corev1.Node{}
	for _, n := range nodes {
		byName[n.Name] = n
	}
	var out []string
	for _, h := range c.Spec.Hosts {
		n, ok := byName[h.Name]
		switch {
		case !ok:
			out = append(out, h.Name+" not registered")
		case !nodeReady(n):
			out = append(out, h.Name+" not Ready")
		}
	}
	sort.Strings(out)
	return out
}

func nodeReady(n corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// coreDNSAvailable waits until the coredns Deployment has all its replicas
// available.
func coreDNSAvailable(ctx context.Context, cs kubernetes.Interface, timeout time.Duration) (string, error) {
	var last string
	err := wait.PollUntilContextTimeout(ctx, pollInterval, timeout, true, func(ctx context.Context) (bool, error) {
		d, err := cs.AppsV1().Deployments("kube-system").Get(ctx, "coredns", metav1.GetOptions{})
		if err != nil {
			last = err.Error()
			return false, nil
		}
		last = deploymentState(d)
		return d.Spec.Replicas != nil && d.Status.AvailableReplicas >= *d.Spec.Replicas, nil
	})
	if err != nil {
		return "", fmt.Errorf("coredns not available after %s: %s (kubectl -n kube-system describe pods -l k8s-app=kube-dns)", timeout, last)
	}
	return last, nil
}

func deploymentState(d *appsv1.Deployment) string {
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	return fmt.Sprintf("%d/%d replicas available", d.Status.AvailableReplicas, want)
}
