package apply

import (
	"context"
	"fmt"
	"path"
	"strings"

	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
)

// configureContainerd restarts containerd when its configuration changed
// (or starts it), then imports every image that is missing from its k8s.io
// namespace or whose archive changed this run.
func configureContainerd(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	if err := ensureUnits(ctx, r, s, "containerd"); err != nil {
		return err
	}
	present, err := containerdImages(ctx, s.Host())
	if err != nil && !s.DryRun() {
		return err
	}
	for _, a := range r.ImagesFor(r.SpecHost(s.HostName())) {
		if allPresent(present, a.Refs()) && !r.AnyChanged(s.HostName(), imagePath(a.Name)) {
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

// allPresent says whether containerd has every image of refs.
func allPresent(present map[string]bool, refs []string) bool {
	for _, ref := range refs {
		if !present[ref] {
			return false
		}
	}
	return len(refs) > 0
}

// importImage imports image archive a: every image it holds, its shared
// layers once.
func importImage(ctx context.Context, s *phase.Step, a manifest.Artifact) error {
	refs := strings.Join(a.Refs(), ", ")
	what := "import image " + refs
	if len(a.Refs()) > 1 {
		what = "import images " + refs
	}
	return s.Wet(what, func(h host.Host) error {
		_, _, err := h.Exec(ctx, "ctr -n k8s.io images import "+host.Quote(imagePath(a.Name)))
		if err != nil {
			return fmt.Errorf("import %s: %w", refs, err)
		}
		return nil
	})
}

// backupContainerdConfig runs before apply writes the planned files:
// it keeps the host's own containerd configuration (one kubeup did not
// write) as remoteops.ContainerdConfigBackup, once, so that reset can put
// it back.
func backupContainerdConfig(ctx context.Context, _ *remoteops.Run, s *phase.Step) error {
	got, err := remoteops.ProbeHost(ctx, s.Host(), remoteops.ContainerdConfigProbe())
	if err != nil {
		return err
	}
	if !remoteops.ProbeHas(got, "config", "own") || remoteops.ProbeHas(got, "config", "backup") {
		return nil
	}
	b := host.Quote(remoteops.ContainerdConfigBackup)
	cmd := fmt.Sprintf("mkdir -p %s && cp -p %s %s.tmp && mv -f %s.tmp %s",
		host.Quote(path.Dir(remoteops.ContainerdConfigBackup)), host.Quote(layout.ContainerdConfig), b, b, b)
	return remoteops.WetExec(ctx, s, fmt.Sprintf("keep the host's own %s as %s (kubeup reset puts it back)", layout.ContainerdConfig, remoteops.ContainerdConfigBackup), cmd)
}
