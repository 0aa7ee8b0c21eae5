package apply

import (
	"context"
	"fmt"
	"maps"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
	"kubeup.dev/kubeup/internal/render"
)

// retireNetworkUnits retires, on every host, the units of the network
// components that now run as DaemonSet pods, before the DaemonSets are
// created: the unit and the pod never run at once.
func retireNetworkUnits(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	return retireLeftovers(ctx, r, s, unitsOf(r, s.HostName(), catalog.Network))
}

// networkAddon creates the network DaemonSets in static-pods mode; in
// systemd mode it deletes those a static-pods apply created, so that the
// units the network phase starts next run alone.
func networkAddon(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	if slices.Contains(render.Addons(r.Cluster), render.AddonNetwork) {
		return applyAddons(ctx, r, s, []string{render.AddonNetwork})
	}
	return deleteRetired(ctx, r, s, retiredDaemonSets(r), "its component runs as a systemd unit")
}

// retiredDaemonSets are the network DaemonSets of static-pods mode.
// Each goes with its pods, which are gone when delete returns: the garbage
// collector would take them only once the controller manager (restarted
// by the conversion) has synced, and until then two kube-proxies and two
// flanneds would run on each node.
func retiredDaemonSets(r *remoteops.Run) []retiredObject {
	names := render.DaemonSetNames()
	var out []retiredObject
	for _, comp := range slices.Sorted(maps.Keys(names)) {
		name := names[comp]
		out = append(out, retiredObject{
			what: "DaemonSet kube-system/" + name + " and its pods",
			get: func(ctx context.Context, cs kubernetes.Interface) error {
				_, err := cs.AppsV1().DaemonSets(metav1.NamespaceSystem).Get(ctx, name, metav1.GetOptions{})
				return err
			},
			delete: func(ctx context.Context, cs kubernetes.Interface) error {
				return deleteDaemonSet(ctx, r, cs, name)
			},
		})
	}
	return out
}

// deleteDaemonSet deletes DaemonSet name, orphaning its pods, then the
// pods, and waits until they are gone.
func deleteDaemonSet(ctx context.Context, r *remoteops.Run, cs kubernetes.Interface, name string) error {
	dss := cs.AppsV1().DaemonSets(metav1.NamespaceSystem)
	ds, err := dss.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	orphan := metav1.DeletePropagationOrphan
	if err := dss.Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &orphan}); err != nil {
		return err
	}
	selector := metav1.FormatLabelSelector(ds.Spec.Selector)
	pods := cs.CoreV1().Pods(metav1.NamespaceSystem)
	l, err := pods.List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return fmt.Errorf("list the pods of DaemonSet %s: %w", name, err)
	}
	for _, p := range l.Items {
		if err := pods.Delete(ctx, p.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete pod %s of DaemonSet %s: %w", p.Name, name, err)
		}
	}
	return remoteops.Poll(ctx, r.Waits.Nodes, func(ctx context.Context) (bool, string) {
		l, err := pods.List(ctx, metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			return false, err.Error()
		}
		return len(l.Items) == 0, fmt.Sprintf("%d pods of DaemonSet %s still terminating", len(l.Items), name)
	})
}
