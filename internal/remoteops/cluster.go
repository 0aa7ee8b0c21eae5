package remoteops

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"kubeup.dev/kubeup/internal/kubeconfig"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/spec"
	"kubeup.dev/kubeup/internal/verify"
	"kubeup.dev/kubeup/internal/versions"
)

// AdminKubeconfigPath is where apply keeps the admin kubeconfig locally.
func AdminKubeconfigPath(stateDir string) string { return filepath.Join(stateDir, "admin.conf") }

// Client returns a clientset for the cluster as its admin, from this
// machine through the API server endpoint.
func (r *Run) Client() (kubernetes.Interface, error) {
	if r.Clientset != nil {
		return r.Clientset, nil
	}
	b, err := kubeconfig.Admin(r.Cluster, r.Plan.PKI)
	if err != nil {
		return nil, err
	}
	cfg, err := clientcmd.RESTConfigFromKubeConfig(b)
	if err != nil {
		return nil, fmt.Errorf("admin kubeconfig: %w", err)
	}
	return kubernetes.NewForConfig(cfg)
}

// PatchNode merge-patches the Node name.
func PatchNode(ctx context.Context, cs kubernetes.Interface, name string, patch map[string]any) error {
	b, err := json.Marshal(patch)
	if err != nil {
		return err
	}
	_, err = cs.CoreV1().Nodes().Patch(ctx, name, types.MergePatchType, b, metav1.PatchOptions{})
	return err
}

// Validate runs the checks of package verify and fails when any fails.
func Validate(ctx context.Context, r *Run, s *phase.Step) error {
	if s.DryRun() {
		return nil
	}
	cs, err := r.Client()
	if err != nil {
		return err
	}
	smoke := !r.SkipSmoke
	if smoke && r.Converged && s.RunChanges() == 0 {
		smoke = false
		s.Report("smoke tests skipped: nothing changed since the last apply passed them (kubeup status --smoke runs them)")
	}
	rep := verify.Cluster(ctx, cs, r.Cluster, verify.Options{
		Timeout: r.Waits.Nodes, Smoke: smoke, SmokeImage: smokeImage(r.Cluster),
		Report: func(c verify.Check) { s.Report(c.String()) }})
	return rep.Err()
}

// smokeImage is the test image kubeup builds and imports on every node.
func smokeImage(c *spec.Cluster) string {
	set, err := versions.For(c.Spec.KubernetesVersion)
	if err != nil {
		return ""
	}
	return set.SmokeTestImage()
}
