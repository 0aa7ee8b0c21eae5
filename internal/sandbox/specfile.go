package sandbox

import (
	"fmt"
	"path/filepath"

	"kubeup.dev/kubeup/internal/atomicfile"
	"kubeup.dev/kubeup/internal/spec"
)

// clusterSpec is the cluster spec for a sandbox: its nodes as hosts
// reached as root with the sandbox key and known_hosts (paths relative to
// the spec), and the sandbox-only adaptations switched on.
func clusterSpec(sb *Sandbox) *spec.Cluster {
	c := &spec.Cluster{APIVersion: spec.APIVersion, Kind: spec.Kind, Metadata: spec.Metadata{Name: sb.Name}}
	dir := filepath.Dir(sb.SpecPath)
	for _, n := range sb.Nodes {
		c.Spec.Hosts = append(c.Spec.Hosts, spec.Host{
			Name: n.Name, Address: n.Address.String(), Roles: n.Roles,
			SSH: spec.SSH{User: "root", Port: 22, KeyPath: relTo(dir, sb.KeyPath),
				KnownHostsPath: relTo(dir, sb.KnownHostsPath)},
		})
	}
	c.Spec.Sandbox = &spec.SandboxHosts{
		PerNodeCgroupRoot:       true,
		RestrictOOMScoreAdj:     true,
		ConntrackMaxPerCoreZero: true,
		CreateKmsg:              true,
		Nameservers:             sb.Nameservers,
	}
	// The kubelet's own cgroup root (created by apply's os phase) is a
	// cgroupfs path: the verified setup for kubelet in node containers.
	c.Spec.Kubelet.CgroupDriver = "cgroupfs"
	// kubelet's kernel settings (vm.overcommit_memory, kernel.panic, ...)
	// are not namespaced: setting them in a node container would change the
	// machine itself, so kubeup leaves them alone here.
	protect := false
	c.Spec.Kubelet.ProtectKernelDefaults = &protect
	// Node containers run on the machine's cgroup hierarchy, v1 on the
	// machines kubeup is tested on.
	c.Spec.Kubelet.AllowCgroupV1 = sb.CgroupV1
	spec.SetDefaults(c)
	return c
}

// relTo returns p relative to dir when it lies below dir, else p.
func relTo(dir, p string) string {
	r, err := filepath.Rel(dir, p)
	if err != nil || filepath.IsAbs(r) || len(r) >= 2 && r[:2] == ".." {
		return p
	}
	return r
}

// renderSpec marshals the sandbox spec with a header and checks that it
// parses and validates as kubeup apply will read it.
func renderSpec(sb *Sandbox) ([]byte, error) {
	b, err := spec.Marshal(clusterSpec(sb))
	if err != nil {
		return nil, fmt.Errorf("render spec: %w", err)
	}
	header := fmt.Sprintf("# Cluster spec of kubeup sandbox %q, written by kubeup sandbox create.\n"+
		"# Deploy with: kubeup apply -f %s\n# Remove the nodes with: kubeup sandbox delete --name %s\n",
		sb.Name, filepath.Base(sb.SpecPath), sb.Name)
	b = append([]byte(header), b...)
	c, err := spec.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("the sandbox spec does not parse (a kubeup bug): %w", err)
	}
	if err := spec.Validate(c, spec.OSOptions(sb.SpecPath)).Err(); err != nil {
		return nil, fmt.Errorf("the sandbox spec does not validate (a kubeup bug): %w", err)
	}
	return b, nil
}

func writeSpec(sb *Sandbox) error {
	b, err := renderSpec(sb)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(sb.SpecPath, b, 0o644); err != nil {
		return fmt.Errorf("write spec: %w", err)
	}
	return nil
}
