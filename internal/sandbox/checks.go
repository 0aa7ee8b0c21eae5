package sandbox

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"kubeup.dev/kubeup/internal/atomicfile"
	"kubeup.dev/kubeup/internal/sandbox/engine"
)

// Rough resource needs of a sandbox node with a Kubernetes node on it.
const (
	memPerNode  = 1 << 30
	diskPerNode = 2 << 30
	// diskForImage covers the node image and its cached tarball.
	diskForImage = 2 << 30
)

// checkNameFree refuses a name whose sandbox exists, and names whose
// containers, network or volumes are taken by something else.
func (m *Manager) checkNameFree(ctx context.Context, o CreateOptions, networks []engine.Network) error {
	containers, err := m.Engine.Containers(ctx, "")
	if err != nil {
		return err
	}
	volumes, err := m.Engine.Volumes(ctx, "")
	if err != nil {
		return err
	}
	if existsSandbox(o.Name, networks, containers, volumes) {
		return fmt.Errorf("sandbox %q already exists: delete it with kubeup sandbox delete --name %s, or choose another --name", o.Name, o.Name)
	}
	taken := map[string]string{NetworkName(o.Name): "network"}
	for i := 1; i <= o.Nodes; i++ {
		taken[NodeName(o.Name, i)] = "container"
		taken[VolumeName(NodeName(o.Name, i))] = "volume"
	}
	var names []struct{ kind, name string }
	for _, n := range networks {
		names = append(names, struct{ kind, name string }{"network", n.Name})
	}
	for _, c := range containers {
		names = append(names, struct{ kind, name string }{"container", c.Name})
	}
	for _, v := range volumes {
		names = append(names, struct{ kind, name string }{"volume", v.Name})
	}
	for _, n := range names {
		if taken[n.name] == n.kind {
			return fmt.Errorf("a Docker %s named %s exists and is not part of a kubeup sandbox: remove it (docker %s rm %s) or choose another --name",
				n.kind, n.name, n.kind, n.name)
		}
	}
	return nil
}

// existsSandbox reports whether any object carries sandbox name's label.
func existsSandbox(name string, networks []engine.Network, containers []engine.Container, volumes []engine.Volume) bool {
	for _, n := range networks {
		if n.Labels[LabelSandbox] == name {
			return true
		}
	}
	for _, c := range containers {
		if c.Labels[LabelSandbox] == name {
			return true
		}
	}
	for _, v := range volumes {
		if v.Labels[LabelSandbox] == name {
			return true
		}
	}
	return false
}

// checkResources compares the memory and the engine's free disk with a
// rough need per node.
func (m *Manager) checkResources(ctx context.Context, nodes int) error {
	info, err := m.Engine.Info(ctx)
	if err != nil {
		return err
	}
	mem, err := m.Host.MemAvailable()
	if err != nil {
		return err
	}
	if need := uint64(nodes) * memPerNode; mem < need {
		return fmt.Errorf("not enough memory for %d nodes: %s available, about %s needed (%s per node): free memory or create fewer nodes with --nodes",
			nodes, gib(mem), gib(need), gib(memPerNode))
	}
	if info.RootDir == "" {
		return nil
	}
	disk, err := m.Host.DiskFree(info.RootDir)
	if err != nil {
		return nil // a remote engine's disk cannot be checked from here
	}
	if need := uint64(nodes)*diskPerNode + diskForImage; disk < need {
		return fmt.Errorf("not enough disk space for %d nodes in %s: %s free, about %s needed (%s per node and %s for the node image): free space (docker system prune) or create fewer nodes with --nodes",
			nodes, info.RootDir, gib(disk), gib(need), gib(diskPerNode), gib(diskForImage))
	}
	return nil
}

func gib(b uint64) string { return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30)) }

func writeFile0600(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, b, 0o600)
}
