package apply

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
	"kubeup.dev/kubeup/internal/supervisor"
)

// unitDeps returns the paths whose change means unit must restart: its
// unit file (or, for units the OS ships, their configuration), the
// planned files that name it among their readers, and its program.
func unitDeps(r *remoteops.Run, hostName, unit string) []string {
	hf := r.HostFiles(hostName)
	deps := append(definition(r, unit), externalUnitConfig(unit)...)
	for _, f := range hf.Files {
		if slices.Contains(f.Readers, unit) {
			deps = append(deps, f.Path)
		}
	}
	if slices.Contains(r.BinariesFor(hf.Host), unit) {
		deps = append(deps, remoteops.InstallPath(unit))
	}
	if ref := podImage(r, unit); ref != "" {
		deps = append(deps, imageDep(ref))
	}
	slices.Sort(deps)
	return slices.Compact(deps)
}

// definition is the file that says how the component runs on a host:
// its unit file, or its staged static pod manifest; none for a DaemonSet's
// pod, which the cluster defines (a change to the DaemonSet rolls its
// pods).
func definition(r *remoteops.Run, name string) []string {
	switch runnerOf(r, name) {
	case catalog.StaticPod:
		return []string{layout.StagedManifest(name)}
	case catalog.DaemonSet:
		return nil
	}
	return []string{layout.Unit(name)}
}

// podImage is the image of a component that runs as a pod, "" for one
// that runs as a unit (or has no image).
func podImage(r *remoteops.Run, name string) string {
	i := slices.IndexFunc(r.Components, func(k catalog.Component) bool { return k.Name == name })
	if i < 0 || r.Components[i].RunsAs(r.Cluster) == catalog.Unit {
		return ""
	}
	return r.PodImageOf(r.Components[i])
}

// imageDep is how an image appears among a component's dependencies.
func imageDep(ref string) string { return "image:" + ref }

// imageRefs are the image references an image artifact holds (an
// archive may hold several).
func imageRefs(a manifest.Artifact) []string {
	if a.Kind != manifest.KindImage {
		return nil
	}
	return a.Refs()
}

// externalUnitConfig names the configuration of units whose unit file
// comes with the OS package rather than from kubeup.
func externalUnitConfig(unit string) []string {
	if unit == "containerd" {
		return []string{layout.ContainerdConfig}
	}
	return nil
}

// unitStamp is the sha256 over the planned content of every dependency
// of unit on host (file checksums from the plan, binary checksums from the
// artifacts).
func unitStamp(r *remoteops.Run, hostName, unit string) string {
	sums := map[string]string{}
	for _, f := range r.HostFiles(hostName).Files {
		sums[f.Path] = f.SHA256()
	}
	if r.Artifacts != nil {
		for _, a := range r.Artifacts.Artifacts {
			sums[remoteops.InstallPath(a.Name)] = a.SHA256
			for _, ref := range imageRefs(a) {
				sums[imageDep(ref)] = a.SHA256
			}
		}
	}
	h := sha256.New()
	for _, p := range unitDeps(r, hostName, unit) {
		if s, ok := sums[p]; ok {
			fmt.Fprintf(h, "%s %s\n", p, s)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// ensureUnits makes every unit enabled and active with its current
// files: a unit whose stamp differs restarts, a stopped one starts, a
// running one whose files are unchanged is left alone.
func ensureUnits(ctx context.Context, r *remoteops.Run, s *phase.Step, units ...string) error {
	return ensureUnitsWith(ctx, r, s, false, units...)
}

// startUnitsNoBlock is ensureUnits without waiting for units to report
// ready: etcd members of a new cluster only get ready together.
func startUnitsNoBlock(ctx context.Context, r *remoteops.Run, s *phase.Step, units ...string) error {
	return ensureUnitsWith(ctx, r, s, true, units...)
}

func ensureUnitsWith(ctx context.Context, r *remoteops.Run, s *phase.Step, noBlock bool, units ...string) error {
	if err := retireLeftovers(ctx, r, s, units); err != nil {
		return err
	}
	states, err := r.Supervisor.States(ctx, s.Host(), units)
	if err != nil {
		return err
	}
	for _, u := range units {
		a := r.Supervisor.Ensure(u, states[u], unitStamp(r, s.HostName(), u), supervisor.EnsureOptions{NoBlock: noBlock})
		if a == nil {
			continue
		}
		if err := s.Wet(a.What, func(h host.Host) error { return a.Do(ctx, h) }); err != nil {
			return err
		}
	}
	return nil
}
