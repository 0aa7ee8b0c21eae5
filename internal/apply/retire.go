package apply

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"kubeup.dev/kubeup/internal/bootstrap"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
)

// retiredObject is a cluster object older kubeup versions made that
// weakened the cluster: apply deletes it where it finds it.
type retiredObject struct {
	what   string // "Kind namespace/name", for messages
	get    func(context.Context, kubernetes.Interface) error
	delete func(context.Context, kubernetes.Interface) error
}

// retiredBootstrapObjects are the binding that let any bootstrap token
// holder obtain a client certificate for any node name and, when the
// state directory still names it, the never-expiring cluster-wide token.
func retiredBootstrapObjects(r *remoteops.Run) []retiredObject {
	binding := bootstrap.RetiredAutoApproveBinding
	out := []retiredObject{{
		what: "ClusterRoleBinding " + binding,
		get: func(ctx context.Context, cs kubernetes.Interface) error {
			_, err := cs.RbacV1().ClusterRoleBindings().Get(ctx, binding, metav1.GetOptions{})
			return err
		},
		delete: func(ctx context.Context, cs kubernetes.Interface) error {
			return cs.RbacV1().ClusterRoleBindings().Delete(ctx, binding, metav1.DeleteOptions{})
		},
	}}
	if r.Plan.Secrets == nil || r.Plan.Secrets.BootstrapTokenID == "" {
		return out
	}
	token := bootstrap.SecretName(r.Plan.Secrets.BootstrapTokenID)
	return append(out, retiredObject{
		what: "Secret kube-system/" + token + " (the cluster-wide bootstrap token)",
		get: func(ctx context.Context, cs kubernetes.Interface) error {
			_, err := cs.CoreV1().Secrets(metav1.NamespaceSystem).Get(ctx, token, metav1.GetOptions{})
			return err
		},
		delete: func(ctx context.Context, cs kubernetes.Interface) error {
			return cs.CoreV1().Secrets(metav1.NamespaceSystem).Delete(ctx, token, metav1.DeleteOptions{})
		},
	})
}

// retireBootstrapObjects deletes the retired bootstrap objects that exist.
// A dry run lists them when the cluster answers.
func retireBootstrapObjects(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	return deleteRetired(ctx, r, s, retiredBootstrapObjects(r), "kubeup no longer uses it")
}

// deleteRetired deletes each of objs that exists, saying why.
func deleteRetired(ctx context.Context, r *remoteops.Run, s *phase.Step, objs []retiredObject, why string) error {
	cs, err := r.Client()
	if err != nil {
		return err
	}
	for _, o := range objs {
		err := o.get(ctx, cs)
		switch {
		case apierrors.IsNotFound(err):
			continue
		case err != nil && s.DryRun():
			return nil // no cluster yet: nothing to retire
		case err != nil:
			return fmt.Errorf("look for %s: %w", o.what, err)
		}
		err = s.Wet("delete "+o.what+": "+why, func(host.Host) error {
			if err := o.delete(ctx, cs); err != nil && !apierrors.IsNotFound(err) {
				return err
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
