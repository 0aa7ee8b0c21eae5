package verify

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"kubeup.dev/kubeup/internal/spec"
)

func cluster() *spec.Cluster {
	c := &spec.Cluster{Spec: spec.Spec{Hosts: []spec.Host{
		{Name: "cp", Address: "10.0.0.1", Roles: []spec.Role{spec.RoleControlPlane}},
		{Name: "w1", Address: "10.0.0.2", Roles: []spec.Role{spec.RoleWorker}},
	}}}
	spec.SetDefaults(c)
	return c
}

func node(name string, ready corev1.ConditionStatus) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: ready}}}}
}

func TestNodesReadyNamesMissingAndNotReadyHosts(t *testing.T) {
	cs := fake.NewSimpleClientset(node("cp", corev1.ConditionTrue), node("w1", corev1.ConditionFalse))
	_, err := nodesReady(context.Background(), cs, cluster(), 1500*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "w1 not Ready") || !strings.Contains(err.Error(), "journalctl -u kubelet") {
		t.Fatalf("want w1 not Ready with a hint, got %v", err)
	}
	cs = fake.NewSimpleClientset(node("cp", corev1.ConditionTrue))
	_, err = nodesReady(context.Background(), cs, cluster(), 1500*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "w1 not registered") {
		t.Fatalf("want w1 not registered, got %v", err)
	}
	cs = fake.NewSimpleClientset(node("cp", corev1.ConditionTrue), node("w1", corev1.ConditionTrue))
	if d, err := nodesReady(context.Background(), cs, cluster(), time.Second); err != nil || d != "2 nodes Ready" {
		t.Fatalf("all ready: %q %v", d, err)
	}
}

func TestCoreDNSAvailable(t *testing.T) {
	two := int32(2)
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "coredns", Namespace: "kube-system"},
		Spec: appsv1.DeploymentSpec{Replicas: &two}, Status: appsv1.DeploymentStatus{AvailableReplicas: 1}}
	cs := fake.NewSimpleClientset(d)
	if _, err := coreDNSAvailable(context.Background(), cs, 1500*time.Millisecond); err == nil || !strings.Contains(err.Error(), "1/2") {
		t.Fatalf("want 1/2 replicas error, got %v", err)
	}
	d.Status.AvailableReplicas = 2
	cs = fake.NewSimpleClientset(d)
	if s, err := coreDNSAvailable(context.Background(), cs, time.Second); err != nil || s != "2/2 replicas available" {
		t.Fatalf("got %q %v", s, err)
	}
}

func TestReportLinesAndErr(t *testing.T) {
	r := Report{{Name: "a", Detail: "fine", Duration: 1200 * time.Millisecond}, {Name: "b", Err: errors.New("broken")}}
	if got := r[0].String(); got != "✓ a: fine (1.2s)" {
		t.Errorf("ok line %q", got)
	}
	if got := r[1].String(); !strings.HasPrefix(got, "✗ b: broken") {
		t.Errorf("failed line %q", got)
	}
	if err := r.Err(); err == nil || err.Error() != "1 of 2 checks failed: b" {
		t.Errorf("Err = %v", err)
	}
	if (Report{{Name: "a"}}).Err() != nil {
		t.Error("passing report has an error")
	}
}

func TestSmokePodsRunEverywhereWithLocalImage(t *testing.T) {
	p := clientPod("w1", "kubeup.dev/smoke:v1", []string{"http://10.244.1.2:8080/"}, "kubernetes.default.svc.cluster.local")
	if p.Spec.NodeName != "w1" || p.Spec.RestartPolicy != corev1.RestartPolicyNever || len(p.Spec.Tolerations) != 1 {
		t.Fatalf("client pod spec %+v", p.Spec)
	}
	for _, c := range p.Spec.Containers {
		if c.ImagePullPolicy != corev1.PullNever {
			t.Errorf("container %s pulls its image", c.Name)
		}
	}
	s := serverPod("cp", "img")
	if s.Spec.Containers[0].ReadinessProbe == nil || s.Labels["node"] != "cp" {
		t.Error("server pod lacks readiness probe or node label")
	}
	if joinHostPort("fd00::1", 8080) != "[fd00::1]:8080" || joinHostPort("10.0.0.1", 80) != "10.0.0.1:80" {
		t.Error("joinHostPort")
	}
}

func TestPodStateExplainsWaiting(t *testing.T) {
	p := corev1.Pod{Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ErrImageNeverPull", Message: "image not present"}}}}}}
	if got := podState(p); got != "ErrImageNeverPull image not present" {
		t.Errorf("podState = %q", got)
	}
}
