package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"kubeup.dev/kubeup/internal/sandbox/engine"
	"kubeup.dev/kubeup/internal/spec"
	"kubeup.dev/kubeup/internal/state"
)

// CreateOptions say which sandbox to create.
type CreateOptions struct {
	Name          string
	Nodes         int
	ControlPlanes int
	// SpecPath is where the cluster spec is written; empty means NAME.yaml
	// in the current directory.
	SpecPath string
	// Subnet is the network's IPv4 CIDR; empty picks a free /24 of
	// DefaultPool.
	Subnet string
	// Timeout bounds the wait for every node to be ready (default 2m).
	Timeout time.Duration
	// Retain keeps what was created when creation fails.
	Retain bool
}

// Sandbox is a created sandbox.
type Sandbox struct {
	Name           string
	Network        string
	Subnet         netip.Prefix
	Image          string
	Nodes          []*Node
	SpecPath       string
	StateDir       string
	KeyPath        string
	KnownHostsPath string
	Nameservers    []string
	// CgroupV1 is whether the machine, and so every node container, runs
	// the cgroup v1 hierarchy.
	CgroupV1 bool
}

// complete validates o and fills its defaults.
func (o *CreateOptions) complete() error {
	if err := ValidateName(o.Name); err != nil {
		return err
	}
	if o.Nodes < 1 {
		return fmt.Errorf("--nodes %d: a sandbox needs at least one node", o.Nodes)
	}
	if o.ControlPlanes == 0 {
		o.ControlPlanes = 1
	}
	if o.ControlPlanes < 1 || o.ControlPlanes > o.Nodes {
		return fmt.Errorf("--control-planes %d must be between 1 and --nodes (%d)", o.ControlPlanes, o.Nodes)
	}
	if o.Timeout == 0 {
		o.Timeout = 2 * time.Minute
	}
	if o.SpecPath == "" {
		o.SpecPath = o.Name + ".yaml"
	}
	abs, err := filepath.Abs(o.SpecPath)
	if err != nil {
		return fmt.Errorf("spec path %s: %w", o.SpecPath, err)
	}
	o.SpecPath = abs
	return nil
}

// Create makes a sandbox: network, node containers, SSH key and known
// hosts, and the cluster spec; it returns when every node answers SSH with
// systemd running and containerd active. On failure it removes what it
// made, unless o.Retain.
func (m *Manager) Create(ctx context.Context, o CreateOptions) (sb *Sandbox, err error) {
	start := time.Now()
	if err := o.complete(); err != nil {
		return nil, err
	}
	fmt.Fprintf(m.out(), "Creating sandbox %q: %d nodes, %d control plane\n", o.Name, o.Nodes, o.ControlPlanes)
	sb = &Sandbox{Name: o.Name, Network: NetworkName(o.Name), SpecPath: o.SpecPath,
		StateDir: state.Dir(o.SpecPath, o.Name)}
	if err := m.step("checks", func() (string, error) { return m.preflight(ctx, o, sb) }); err != nil {
		return nil, err
	}
	if err := m.step("node image", func() (string, error) { return m.ensureImage(ctx, sb) }); err != nil {
		return nil, err
	}
	var key *clientKey
	if err := m.step("SSH keys", func() (s string, err error) { key, s, err = m.keys(sb, o); return }); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			m.cleanup(ctx, o)
		}
	}()
	if err := m.step("network "+sb.Network, func() (string, error) { return m.createNetwork(ctx, sb) }); err != nil {
		return nil, err
	}
	if err := m.startAndWait(ctx, sb, key, o.Timeout); err != nil {
		return nil, err
	}
	if err := m.step("spec", func() (string, error) { return relToCwd(sb.SpecPath), writeSpec(sb) }); err != nil {
		return nil, err
	}
	m.printReady(sb, time.Since(start))
	return sb, nil
}

// cleanup removes a half-made sandbox, or says how to when o.Retain.
func (m *Manager) cleanup(ctx context.Context, o CreateOptions) {
	if o.Retain {
		fmt.Fprintf(m.out(), "kept sandbox %q for inspection (--retain): delete it with kubeup sandbox delete --name %s\n", o.Name, o.Name)
		return
	}
	quiet := *m
	quiet.Out = nil
	if _, err := quiet.Delete(context.WithoutCancel(ctx), o.Name); err != nil {
		fmt.Fprintf(m.out(), "cleaning up sandbox %q failed: %v\n", o.Name, err)
		return
	}
	fmt.Fprintf(m.out(), "removed the half-made sandbox %q (keep it next time with --retain)\n", o.Name)
}

// preflight checks the name, the spec path and the resources, and picks
// the subnet and node addresses.
func (m *Manager) preflight(ctx context.Context, o CreateOptions, sb *Sandbox) (string, error) {
	networks, err := m.Engine.Networks(ctx)
	if err != nil {
		return "", err
	}
	if err := m.checkNameFree(ctx, o, networks); err != nil {
		return "", err
	}
	if err := checkSpecPath(o.SpecPath, o.Name); err != nil {
		return "", err
	}
	if err := m.checkResources(ctx, o.Nodes); err != nil {
		return "", err
	}
	routes, err := m.Host.Routes()
	if err != nil {
		return "", err
	}
	sb.Subnet, err = chooseSubnet(o.Subnet, o.Nodes, usedRanges(networks, routes))
	if err != nil {
		return "", err
	}
	sb.Nodes = planNodes(o, sb.Subnet)
	sb.CgroupV1 = !m.Host.Exists(cgroupV2Marker)
	if sb.Nameservers, err = m.Host.Nameservers(); err != nil || len(sb.Nameservers) == 0 {
		fmt.Fprintf(m.out(), "   warning: no non-loopback nameserver in /etc/resolv.conf (%v): set spec.sandbox.nameservers, or CoreDNS will detect a loop\n", err)
	}
	return "subnet " + sb.Subnet.String(), nil
}

// cgroupV2Marker exists only on a machine with the unified (v2) cgroup
// hierarchy.
const cgroupV2Marker = "/sys/fs/cgroup/cgroup.controllers"

// planNodes names the nodes, gives them addresses and roles: the first
// ControlPlanes nodes run the control plane and etcd, the rest are
// workers; when every node is a control plane, every node is also a
// worker.
func planNodes(o CreateOptions, subnet netip.Prefix) []*Node {
	nodes := make([]*Node, o.Nodes)
	for i := range nodes {
		n := &Node{Name: NodeName(o.Name, i+1), Index: i + 1, Address: nodeAddr(subnet, i+1)}
		if i < o.ControlPlanes {
			n.Roles = []spec.Role{spec.RoleControlPlane, spec.RoleEtcd}
		}
		if i >= o.ControlPlanes || o.ControlPlanes == o.Nodes {
			n.Roles = append(n.Roles, spec.RoleWorker)
		}
		nodes[i] = n
	}
	return nodes
}

// checkSpecPath refuses to overwrite a file that is not this sandbox's
// own spec.
func checkSpecPath(path, name string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	if c, err := spec.Parse(b); err == nil && c.Metadata.Name == name && c.Spec.Sandbox != nil {
		return nil
	}
	return fmt.Errorf("%s exists and is not the spec of sandbox %q: choose another path with -f, or move the file away", path, name)
}

func (m *Manager) ensureImage(ctx context.Context, sb *Sandbox) (string, error) {
	ref, built, err := m.Images.Ensure(ctx)
	sb.Image = ref
	switch {
	case err != nil:
		return "", err
	case built:
		return ref + " (built)", nil
	}
	return ref + " (cached)", nil
}

// keys loads or makes the client key, makes each node's host key and
// writes known_hosts.
func (m *Manager) keys(sb *Sandbox, o CreateOptions) (*clientKey, string, error) {
	key, err := loadOrCreateKey(sb.StateDir, "kubeup-sandbox-"+o.Name)
	if err != nil {
		return nil, "", err
	}
	sb.KeyPath = key.path
	for _, n := range sb.Nodes {
		if n.hostKey, err = newHostKey("root@" + n.Name); err != nil {
			return nil, "", fmt.Errorf("host key for %s: %w", n.Name, err)
		}
	}
	sb.KnownHostsPath = filepath.Join(sb.StateDir, knownHostsFile)
	if err := writeFile0600(sb.KnownHostsPath, knownHostsLines(sb.Nodes)); err != nil {
		return nil, "", fmt.Errorf("write known hosts: %w", err)
	}
	return key, relToCwd(sb.StateDir), nil
}

func (m *Manager) createNetwork(ctx context.Context, sb *Sandbox) (string, error) {
	_, err := m.Engine.CreateNetwork(ctx, engine.NetworkConfig{
		Name: sb.Network, Subnet: sb.Subnet.String(), Gateway: gateway(sb.Subnet).String(),
		Labels: map[string]string{LabelSandbox: sb.Name, LabelSubnet: sb.Subnet.String(), LabelSpec: sb.SpecPath},
	})
	return sb.Subnet.String(), err
}

// startAndWait creates every node's volume and container, copies its SSH
// files in, starts it and waits until it is ready, each node on its own
// so that a node's boot does not wait for the others to start. It prints
// a line when all nodes have started and one when all are ready.
func (m *Manager) startAndWait(ctx context.Context, sb *Sandbox, key *clientKey, timeout time.Duration) error {
	start := time.Now()
	var mu sync.Mutex
	var started int
	var allStarted time.Duration
	var startErr error
	waitCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := forEach(sb.Nodes, func(n *Node) error {
		err := m.startNode(ctx, sb, n, key)
		mu.Lock()
		if started++; started == len(sb.Nodes) {
			allStarted = time.Since(start)
		}
		if err != nil && startErr == nil {
			startErr = err
			cancel() // no use waiting for the others
		}
		mu.Unlock()
		if err != nil {
			return err
		}
		t := Target{Name: n.Name, Addr: n.Address.String() + ":22", User: "root", KeyPath: key.path, KnownHostsPath: sb.KnownHostsPath}
		return m.Prober.WaitReady(waitCtx, t)
	})
	m.report(startErr == nil, fmt.Sprintf("%d node containers started", len(sb.Nodes)), allStarted)
	if startErr != nil {
		return err
	}
	m.report(err == nil, "nodes ready (SSH, systemd running, containerd active)", time.Since(start))
	if err != nil {
		return fmt.Errorf("%w\n(the nodes were given %s; keep them for a look with --retain and use kubeup sandbox ssh %s NODE)", err, timeout, sb.Name)
	}
	return nil
}

// startNode creates a node's volume and container, copies its SSH files,
// the unit that keeps unrouted service traffic in (see unrouted.go) and
// the one that makes its mounts shared (sharedmounts.go) in, and starts it.
func (m *Manager) startNode(ctx context.Context, sb *Sandbox, n *Node, key *clientKey) error {
	labels := nodeLabels(sb, n)
	if err := m.Engine.CreateVolume(ctx, VolumeName(n.Name), map[string]string{LabelSandbox: sb.Name, LabelNode: n.Name}); err != nil {
		return err
	}
	id, err := m.Engine.CreateContainer(ctx, nodeConfig(sb, n, labels, m.Host.Exists("/dev/kmsg"), m.Host.Exists("/lib/modules")))
	if err != nil {
		return err
	}
	n.ContainerID = id
	unrouted, err := unroutedEntries(clusterSpec(sb).Spec.Network.ServiceCIDR)
	if err != nil {
		return err
	}
	files, err := nodeFiles(key.authorized, n.hostKey, append(unrouted, sharedMountsEntries()...))
	if err != nil {
		return err
	}
	if err := m.Engine.CopyTo(ctx, id, "/", bytes.NewReader(files)); err != nil {
		return err
	}
	return m.Engine.Start(ctx, id)
}

func nodeLabels(sb *Sandbox, n *Node) map[string]string {
	roles := make([]string, len(n.Roles))
	for i, r := range n.Roles {
		roles[i] = string(r)
	}
	return map[string]string{
		LabelSandbox: sb.Name, LabelNode: n.Name, LabelIndex: strconv.Itoa(n.Index),
		LabelRoles: strings.Join(roles, ","), LabelSubnet: sb.Subnet.String(), LabelSpec: sb.SpecPath,
		LabelKey: sb.KeyPath, LabelKnownHosts: sb.KnownHostsPath,
	}
}

// nodeConfig is a node container: systemd as PID 1 with the run options
// that work on these machines (see SANDBOX.md): every capability except
// SYS_RESOURCE (which the VM lacks, so --privileged fails), no seccomp or
// AppArmor confinement, unmasked /proc and /sys paths, tmpfs /run and
// /tmp, and /var/lib/containerd on a volume (overlay on overlay fails).
// The cgroup namespace is private and the machine's cgroup tree is not
// mounted: the image's entrypoint makes the node's own cgroups writable,
// so that nodes do not share (and race on) one tree.
// The devices cgroup allows every device ("a *:* rwm"), as --privileged
// would: kubelet's pod cgroups nest under the node's, and runc must be
// able to allow all devices in a privileged pod's cgroup.
func nodeConfig(sb *Sandbox, n *Node, labels map[string]string, kmsg, modules bool) engine.ContainerConfig {
	cfg := engine.ContainerConfig{
		Name: n.Name, Hostname: n.Name, Image: sb.Image, Labels: labels,
		Env: []string{"container=docker"}, StopSignal: "SIGRTMIN+3", Tty: true,
		Network: sb.Network, IP: n.Address.String(),
		CapAdd: []string{"ALL"}, CapDrop: []string{"SYS_RESOURCE"},
		SecurityOpt:       []string{"seccomp=unconfined", "apparmor=unconfined", "systempaths=unconfined"},
		CgroupnsMode:      "private",
		DeviceCgroupRules: []string{"a *:* rwm"},
		Tmpfs: []engine.Tmpfs{
			{Target: "/run", Options: "rw,nosuid,nodev,exec,mode=755"},
			{Target: "/tmp", Options: "rw,nosuid,nodev,exec,mode=1777"},
		},
		Volumes: []engine.VolumeMount{{Name: VolumeName(n.Name), Target: "/var/lib/containerd"}},
	}
	if modules {
		cfg.Binds = append(cfg.Binds, engine.Bind{Source: "/lib/modules", Target: "/lib/modules", ReadOnly: true})
	}
	if kmsg {
		cfg.Devices = []string{"/dev/kmsg"}
	}
	return cfg
}

func (m *Manager) printReady(sb *Sandbox, took time.Duration) {
	w := m.out()
	fmt.Fprintf(w, "Sandbox %q is ready in %.1fs: %d nodes on %s\n", sb.Name, took.Seconds(), len(sb.Nodes), sb.Subnet)
	for _, n := range sb.Nodes {
		fmt.Fprintf(w, "  %-20s %-15s %s\n", n.Name, n.Address, rolesString(n.Roles))
	}
	spec := relToCwd(sb.SpecPath)
	fmt.Fprintf(w, "Deploy:  kubeup apply -f %s\nLog in:  kubeup sandbox ssh %s %s\nDelete:  kubeup sandbox delete --name %s\n",
		spec, sb.Name, sb.Nodes[0].Name, sb.Name)
}

func rolesString(rs []spec.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

// relToCwd shortens p to a path relative to the working directory when
// it lies below it.
func relToCwd(p string) string {
	wd, err := os.Getwd()
	if err != nil {
		return p
	}
	if r, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return p
}
