package phases

import (
	"context"
	"maps"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/render"
)

// retireNetworkUnits retires, on every host, the units of the network
// components that now run as DaemonSet pods, before the DaemonSets are
// created: the unit and the pod never run at once.
func retireNetworkUnits(ctx context.Context, r *Run, s *phase.Step) error {
	return retireLeftovers(ctx, r, s, r.unitsOf(s.HostName(), catalog.Network))
}

// networkAddon creates the network DaemonSets in static-pods mode; in
// systemd mode it deletes those a static-pods apply created, so that the
// units the network phase starts next run alone.
func networkAddon(ctx context.Context, r *Run, s *phase.Step) error {
	if slices.Contains(render.Addons(r.Cluster), render.AddonNetwork) {
		return applyAddons(ctx, r, s, []string{render.AddonNetwork})
	}
	return deleteRetired(ctx, r, s, retiredDaemonSets(), "its component runs as a systemd unit")
}

// retiredDaemonSets are the network DaemonSets of static-pods mode.
func retiredDaemonSets() []retiredObject {
	names := render.DaemonSetNames()
	var out []retiredObject
	for _, comp := range slices.Sorted(maps.Keys(names)) {
		name := names[comp]
		out = append(out, retiredObject{
			what: "DaemonSet kube-system/" + name,
			get: func(ctx context.Context, cs kubernetes.Interface) error {
				_, err := cs.AppsV1().DaemonSets(metav1.NamespaceSystem).Get(ctx, name, metav1.GetOptions{})
				return err
			},
			delete: func(ctx context.Context, cs kubernetes.Interface) error {
				return cs.AppsV1().DaemonSets(metav1.NamespaceSystem).Delete(ctx, name, metav1.DeleteOptions{})
			},
		})
	}
	return out
}
