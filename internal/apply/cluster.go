package apply

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"kubeup.dev/kubeup/internal/atomicfile"
	"kubeup.dev/kubeup/internal/csrapprove"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/kubeconfig"
	"kubeup.dev/kubeup/internal/noderole"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
	"kubeup.dev/kubeup/internal/spec"
)

// writeKubeconfig keeps the admin kubeconfig in the state directory (0600).
func writeKubeconfig(_ context.Context, r *remoteops.Run, s *phase.Step) error {
	b, err := kubeconfig.Admin(r.Cluster, r.Plan.PKI)
	if err != nil {
		return err
	}
	p := remoteops.AdminKubeconfigPath(r.StateDir)
	if cur, err := os.ReadFile(p); err == nil && string(cur) == string(b) {
		return nil
	}
	return s.Wet("write "+p, func(host.Host) error { return atomicfile.WriteFile(p, b, 0o600) })
}

// approveNodes approves each node's kubelet serving certificate request
// (only for the node's own names and addresses) and waits until every host
// has one approved.
func approveNodes(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	if s.DryRun() {
		return nil
	}
	cs, err := r.Client()
	if err != nil {
		return err
	}
	return s.Do("approve kubelet serving certificates", func() error {
		return remoteops.Poll(ctx, r.Waits.Nodes, func(ctx context.Context) (bool, string) {
			res, err := csrapprove.ApproveServing(ctx, cs, r.Cluster.Spec.Hosts)
			if err != nil {
				return false, err.Error()
			}
			for name, why := range res.Refused {
				s.Log().Warn("refused serving certificate request", "csr", name, "reason", why)
			}
			missing, err := hostsWithoutServingCert(ctx, cs, r.Cluster.Spec.Hosts)
			if err != nil {
				return false, err.Error()
			}
			if len(missing) > 0 {
				return false, "no approved serving certificate for " + strings.Join(missing, ", ") + " (is kubelet running there? journalctl -u kubelet)"
			}
			return true, ""
		})
	})
}

func hostsWithoutServingCert(ctx context.Context, cs kubernetes.Interface, hosts []spec.Host) ([]string, error) {
	list, err := cs.CertificatesV1().CertificateSigningRequests().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, csr := range list.Items {
		if csr.Spec.SignerName == "kubernetes.io/kubelet-serving" && len(csr.Status.Certificate) > 0 {
			have[strings.TrimPrefix(csr.Spec.Username, "system:node:")] = true
		}
	}
	var missing []string
	for _, h := range hosts {
		if !have[h.Name] {
			missing = append(missing, h.Name)
		}
	}
	return missing, nil
}

// markNodes labels every node with its roles and taints the nodes that
// are not workers (package noderole), patching only what is missing.
func markNodes(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	if s.DryRun() {
		return nil
	}
	cs, err := r.Client()
	if err != nil {
		return err
	}
	for _, h := range r.Cluster.Spec.Hosts {
		if err := markNode(ctx, cs, s, h); err != nil {
			return err
		}
	}
	return nil
}

func markNode(ctx context.Context, cs kubernetes.Interface, s *phase.Step, h spec.Host) error {
	n, err := cs.CoreV1().Nodes().Get(ctx, h.Name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("node %s: %w", h.Name, err)
	}
	labels := map[string]string{}
	for _, l := range noderole.Labels(h) {
		if _, ok := n.Labels[l]; !ok {
			labels[l] = ""
		}
	}
	if len(labels) > 0 {
		err := s.Wet(fmt.Sprintf("label node %s %v", h.Name, keys(labels)), func(host.Host) error {
			return remoteops.PatchNode(ctx, cs, h.Name, map[string]any{"metadata": map[string]any{"labels": labels}})
		})
		if err != nil {
			return err
		}
	}
	missing := missingTaints(n.Spec.Taints, noderole.Taints(h))
	if len(missing) == 0 {
		return nil
	}
	return s.Wet(fmt.Sprintf("taint node %s %s", h.Name, taintList(missing)), func(host.Host) error {
		taints := append(slices.Clone(n.Spec.Taints), missing...)
		return remoteops.PatchNode(ctx, cs, h.Name, map[string]any{"spec": map[string]any{"taints": taints}})
	})
}

// missingTaints are those of want that have is without.
func missingTaints(have, want []corev1.Taint) []corev1.Taint {
	var out []corev1.Taint
	for _, w := range want {
		if !slices.ContainsFunc(have, func(t corev1.Taint) bool { return t.MatchTaint(&w) }) {
			out = append(out, w)
		}
	}
	return out
}

func taintList(ts []corev1.Taint) string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Key + ":" + string(t.Effect)
	}
	return strings.Join(out, ", ")
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
