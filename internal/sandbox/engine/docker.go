package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
)

// Docker is the real engine, reached through the Docker Go API client with
// the API version negotiated (Debian's engine speaks 1.41).
type Docker struct {
	c *client.Client
}

// IsNotFound reports whether err says an object does not exist.
func IsNotFound(err error) bool { return cerrdefs.IsNotFound(err) }

// Close releases the client's connections.
func (d *Docker) Close() error { return d.c.Close() }

// Info returns the engine's version, CPUs, memory and root directory.
func (d *Docker) Info(ctx context.Context) (Info, error) {
	i, err := d.c.Info(ctx)
	if err != nil {
		return Info{}, fmt.Errorf("docker info: %w", err)
	}
	return Info{ServerVersion: i.ServerVersion, APIVersion: d.c.ClientVersion(),
		NCPU: i.NCPU, MemTotal: i.MemTotal, RootDir: i.DockerRootDir}, nil
}

// Networks lists every network with its IPv4 and IPv6 subnets.
func (d *Docker) Networks(ctx context.Context) ([]Network, error) {
	ns, err := d.c.NetworkList(ctx, network.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list docker networks: %w", err)
	}
	out := make([]Network, 0, len(ns))
	for _, n := range ns {
		nw := Network{ID: n.ID, Name: n.Name, Driver: n.Driver, Labels: n.Labels}
		for _, c := range n.IPAM.Config {
			if c.Subnet != "" {
				nw.Subnets = append(nw.Subnets, c.Subnet)
			}
		}
		out = append(out, nw)
	}
	return out, nil
}

// CreateNetwork creates a bridge network with a fixed subnet and gateway.
func (d *Docker) CreateNetwork(ctx context.Context, cfg NetworkConfig) (string, error) {
	r, err := d.c.NetworkCreate(ctx, cfg.Name, network.CreateOptions{
		Driver: "bridge",
		Labels: cfg.Labels,
		IPAM: &network.IPAM{Driver: "default", Config: []network.IPAMConfig{
			{Subnet: cfg.Subnet, Gateway: cfg.Gateway},
		}},
	})
	if err != nil {
		return "", fmt.Errorf("create network %s (%s): %w", cfg.Name, cfg.Subnet, err)
	}
	return r.ID, nil
}

// RemoveNetwork removes a network; a missing one is not an error.
func (d *Docker) RemoveNetwork(ctx context.Context, id string) error {
	if err := d.c.NetworkRemove(ctx, id); err != nil && !IsNotFound(err) {
		return fmt.Errorf("remove network %s: %w", id, err)
	}
	return nil
}

// Containers lists all containers (running or not) that carry label
// ("key" or "key=value"); an empty label lists every container.
func (d *Docker) Containers(ctx context.Context, label string) ([]Container, error) {
	opts := container.ListOptions{All: true}
	if label != "" {
		opts.Filters = filters.NewArgs(filters.Arg("label", label))
	}
	cs, err := d.c.ContainerList(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("list docker containers: %w", err)
	}
	out := make([]Container, 0, len(cs))
	for _, c := range cs {
		out = append(out, summaryToContainer(c))
	}
	return out, nil
}

func summaryToContainer(c container.Summary) Container {
	out := Container{ID: c.ID, Image: c.Image, State: string(c.State), Labels: c.Labels,
		IPs: map[string]string{}, Created: time.Unix(c.Created, 0)}
	if len(c.Names) > 0 {
		out.Name = strings.TrimPrefix(c.Names[0], "/")
	}
	if c.NetworkSettings != nil {
		for name, ep := range c.NetworkSettings.Networks {
			if ep != nil {
				out.IPs[name] = ep.IPAddress
			}
		}
	}
	return out
}

// CreateContainer creates (but does not start) a container.
func (d *Docker) CreateContainer(ctx context.Context, cfg ContainerConfig) (string, error) {
	ccfg, hcfg, ncfg := translate(cfg)
	r, err := d.c.ContainerCreate(ctx, ccfg, hcfg, ncfg, nil, cfg.Name)
	if err != nil {
		return "", fmt.Errorf("create container %s: %w", cfg.Name, err)
	}
	return r.ID, nil
}

// translate turns a ContainerConfig into the Docker API's three structs.
func translate(cfg ContainerConfig) (*container.Config, *container.HostConfig, *network.NetworkingConfig) {
	ccfg := &container.Config{
		Hostname: cfg.Hostname, Image: cfg.Image, Labels: cfg.Labels, Env: cfg.Env,
		StopSignal: cfg.StopSignal, Tty: cfg.Tty,
	}
	hcfg := &container.HostConfig{
		CapAdd: cfg.CapAdd, CapDrop: cfg.CapDrop,
		CgroupnsMode: container.CgroupnsMode(cfg.CgroupnsMode),
		Tmpfs:        map[string]string{},
		Resources:    container.Resources{DeviceCgroupRules: cfg.DeviceCgroupRules},
	}
	for _, o := range cfg.SecurityOpt {
		if o == "systempaths=unconfined" {
			hcfg.MaskedPaths, hcfg.ReadonlyPaths = []string{}, []string{}
			continue
		}
		hcfg.SecurityOpt = append(hcfg.SecurityOpt, o)
	}
	for _, b := range cfg.Binds {
		hcfg.Mounts = append(hcfg.Mounts, mount.Mount{Type: mount.TypeBind, Source: b.Source,
			Target: b.Target, ReadOnly: b.ReadOnly})
	}
	for _, v := range cfg.Volumes {
		hcfg.Mounts = append(hcfg.Mounts, mount.Mount{Type: mount.TypeVolume, Source: v.Name, Target: v.Target})
	}
	for _, t := range cfg.Tmpfs {
		hcfg.Tmpfs[t.Target] = t.Options
	}
	for _, dev := range cfg.Devices {
		hcfg.Devices = append(hcfg.Devices, container.DeviceMapping{PathOnHost: dev,
			PathInContainer: dev, CgroupPermissions: "rwm"})
	}
	var ncfg *network.NetworkingConfig
	if cfg.Network != "" {
		hcfg.NetworkMode = container.NetworkMode(cfg.Network)
		ncfg = &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
			cfg.Network: {IPAMConfig: &network.EndpointIPAMConfig{IPv4Address: cfg.IP}},
		}}
	}
	return ccfg, hcfg, ncfg
}

// CopyTo extracts the tar stream into dir inside the container (which may
// be created but not yet started).
func (d *Docker) CopyTo(ctx context.Context, id, dir string, tarStream io.Reader) error {
	if err := d.c.CopyToContainer(ctx, id, dir, tarStream, container.CopyToContainerOptions{}); err != nil {
		return fmt.Errorf("copy files into container %s: %w", short(id), err)
	}
	return nil
}

// Start starts a created container.
func (d *Docker) Start(ctx context.Context, id string) error {
	if err := d.c.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
		return fmt.Errorf("start container %s: %w", short(id), err)
	}
	return nil
}

// RemoveContainer kills and removes a container with its anonymous
// volumes; a missing one is not an error.
func (d *Docker) RemoveContainer(ctx context.Context, id string) error {
	err := d.c.ContainerRemove(ctx, id, container.RemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("remove container %s: %w", short(id), err)
	}
	return nil
}

// CreateVolume creates a named local volume.
func (d *Docker) CreateVolume(ctx context.Context, name string, labels map[string]string) error {
	if _, err := d.c.VolumeCreate(ctx, volume.CreateOptions{Name: name, Driver: "local", Labels: labels}); err != nil {
		return fmt.Errorf("create volume %s: %w", name, err)
	}
	return nil
}

// Volumes lists the volumes that carry label ("key" or "key=value").
func (d *Docker) Volumes(ctx context.Context, label string) ([]Volume, error) {
	opts := volume.ListOptions{}
	if label != "" {
		opts.Filters = filters.NewArgs(filters.Arg("label", label))
	}
	r, err := d.c.VolumeList(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("list docker volumes: %w", err)
	}
	out := make([]Volume, 0, len(r.Volumes))
	for _, v := range r.Volumes {
		out = append(out, Volume{Name: v.Name, Labels: v.Labels})
	}
	return out, nil
}

// RemoveVolume removes a volume; a missing one is not an error.
func (d *Docker) RemoveVolume(ctx context.Context, name string) error {
	if err := d.c.VolumeRemove(ctx, name, true); err != nil && !IsNotFound(err) {
		return fmt.Errorf("remove volume %s: %w", name, err)
	}
	return nil
}

// ImageExists reports whether the engine has an image ref.
func (d *Docker) ImageExists(ctx context.Context, ref string) (bool, error) {
	_, err := d.c.ImageInspect(ctx, ref)
	switch {
	case err == nil:
		return true, nil
	case IsNotFound(err):
		return false, nil
	}
	return false, fmt.Errorf("inspect image %s: %w", ref, err)
}

// ImportImage creates image ref from a root file system tar stream, with
// Dockerfile-style changes such as `ENTRYPOINT ["/sbin/init"]`.
func (d *Docker) ImportImage(ctx context.Context, rootfs io.Reader, ref string, changes []string) error {
	rc, err := d.c.ImageImport(ctx, image.ImportSource{Source: rootfs, SourceName: "-"}, ref,
		image.ImportOptions{Changes: changes})
	if err != nil {
		return fmt.Errorf("import image %s: %w", ref, err)
	}
	defer rc.Close()
	if err := readJSONMessages(rc); err != nil {
		return fmt.Errorf("import image %s: %w", ref, err)
	}
	return nil
}

// RemoveImage untags and removes an image; a missing one is not an error.
func (d *Docker) RemoveImage(ctx context.Context, ref string) error {
	_, err := d.c.ImageRemove(ctx, ref, image.RemoveOptions{PruneChildren: true})
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("remove image %s: %w", ref, err)
	}
	return nil
}

// RunAndCommit runs cfg.Cmd in a fresh container of cfg.Base without a
// network, streams its output to log, and commits the container as
// cfg.Ref when the command succeeds. The container is always removed.
func (d *Docker) RunAndCommit(ctx context.Context, cfg CommitConfig, log io.Writer) (err error) {
	r, err := d.c.ContainerCreate(ctx, &container.Config{Image: cfg.Base, Cmd: cfg.Cmd,
		Entrypoint: []string{}, Labels: cfg.Labels},
		&container.HostConfig{NetworkMode: "none"}, nil, nil, "")
	if err != nil {
		return fmt.Errorf("create build container from %s: %w", cfg.Base, err)
	}
	defer func() {
		rmErr := d.RemoveContainer(context.WithoutCancel(ctx), r.ID)
		err = errors.Join(err, rmErr)
	}()
	if err := d.runToCompletion(ctx, r.ID, log); err != nil {
		return err
	}
	_, err = d.c.ContainerCommit(ctx, r.ID, container.CommitOptions{Reference: cfg.Ref, Changes: cfg.Changes})
	if err != nil {
		return fmt.Errorf("commit image %s: %w", cfg.Ref, err)
	}
	return nil
}

// runToCompletion starts a container, copies its output to log and fails
// when it exits non-zero.
func (d *Docker) runToCompletion(ctx context.Context, id string, log io.Writer) error {
	waitC, errC := d.c.ContainerWait(ctx, id, container.WaitConditionNextExit)
	if err := d.Start(ctx, id); err != nil {
		return err
	}
	var status int64
	select {
	case w := <-waitC:
		if w.Error != nil {
			return fmt.Errorf("build container: %s", w.Error.Message)
		}
		status = w.StatusCode
	case err := <-errC:
		return fmt.Errorf("wait for build container: %w", err)
	}
	if err := d.copyLogs(ctx, id, log); err != nil {
		return err
	}
	if status != 0 {
		return fmt.Errorf("image setup script exited with status %d (its output is above)", status)
	}
	return nil
}

func (d *Docker) copyLogs(ctx context.Context, id string, log io.Writer) error {
	rc, err := d.c.ContainerLogs(ctx, id, container.LogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		return fmt.Errorf("read build container output: %w", err)
	}
	defer rc.Close()
	return demuxLogs(rc, log)
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
