package phases

import (
	"context"
	"fmt"
	"strings"

	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/phase"
)

// configureContainerd restarts containerd when its configuration changed
// (or starts it), then imports every image that is missing from its k8s.io
// namespace or whose archive changed this run.
func configureContainerd(ctx context.Context, r *Run, s *phase.Step) error {
	if err := ensureUnits(ctx, r, s, "containerd"); err != nil {
		return err
	}
	present, err := containerdImages(ctx, s.Host())
	if err != nil && !s.DryRun() {
		return err
	}
	for _, a := range r.Artifacts.Artifacts {
		if a.Kind != manifest.KindImage {
			continue
		}
		if present[a.Image] && !r.anyChanged(s.HostName(), imagePath(a.Name)) {
			continue
		}
		if err := importImage(ctx, s, a); err != nil {
			return err
		}
	}
	return nil
}

func containerdImages(ctx context.Context, h host.Host) (map[string]bool, error) {
	out, _, err := h.Exec(ctx, "ctr -n k8s.io images ls -q")
	if err != nil {
		return nil, fmt.Errorf("list containerd images: %w (is containerd running? journalctl -u containerd)", err)
	}
	present := map[string]bool{}
	for _, l := range strings.Fields(string(out)) {
		present[l] = true
	}
	return present, nil
}

func importImage(ctx context.Context, s *phase.Step, a manifest.Artifact) error {
	return s.Wet("import image "+a.Image, func(h host.Host) error {
		_, _, err := h.Exec(ctx, "ctr -n k8s.io images import "+host.Quote(imagePath(a.Name)))
		if err != nil {
			return fmt.Errorf("import %s: %w", a.Image, err)
		}
		return nil
	})
}
