package phases

import (
	"context"

	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/phase"
)

// startNetwork starts kube-proxy and flanneld on every node.
func startNetwork(ctx context.Context, r *Run, s *phase.Step) error {
	return ensureUnits(ctx, r, s, r.unitsOf(s.HostName(), catalog.Network)...)
}
