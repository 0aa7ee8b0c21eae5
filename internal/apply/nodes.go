package apply

import (
	"context"

	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
)

// startNetwork starts kube-proxy and flanneld on every node.
func startNetwork(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	return ensureUnits(ctx, r, s, unitsOf(r, s.HostName(), catalog.Network)...)
}
