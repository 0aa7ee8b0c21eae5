package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"sync"

	"kubeup.dev/kubeup/internal/sandbox/engine"
)

// fakeEngine is an in-memory Docker engine: objects created through it
// are listed, filtered by label and removed like the real one.
type fakeEngine struct {
	mu         sync.Mutex
	info       engine.Info
	networks   []engine.Network
	containers []engine.Container
	volumes    []engine.Volume
	configs    map[string]engine.ContainerConfig
	copied     map[string][]byte
	// failStart makes Start fail for the named container.
	failStart string
	nextID    int
}

func newFakeEngine() *fakeEngine {
	return &fakeEngine{
		info:     engine.Info{RootDir: "/var/lib/docker", MemTotal: 8 << 30, NCPU: 2},
		networks: []engine.Network{{ID: "n-bridge", Name: "bridge", Subnets: []string{"172.17.0.0/16"}}},
		configs:  map[string]engine.ContainerConfig{},
		copied:   map[string][]byte{},
	}
}

func (f *fakeEngine) id(prefix string) string {
	f.nextID++
	return fmt.Sprintf("%s%d", prefix, f.nextID)
}

func matches(labels map[string]string, sel string) bool {
	if sel == "" {
		return true
	}
	k, v, hasValue := strings.Cut(sel, "=")
	got, ok := labels[k]
	return ok && (!hasValue || got == v)
}

func (f *fakeEngine) Info(context.Context) (engine.Info, error) { return f.info, nil }

func (f *fakeEngine) Networks(context.Context) ([]engine.Network, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]engine.Network(nil), f.networks...), nil
}

func (f *fakeEngine) CreateNetwork(_ context.Context, cfg engine.NetworkConfig) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range f.networks {
		if n.Name == cfg.Name {
			return "", fmt.Errorf("network with name %s already exists", cfg.Name)
		}
	}
	id := f.id("n")
	f.networks = append(f.networks, engine.Network{ID: id, Name: cfg.Name, Subnets: []string{cfg.Subnet}, Labels: cfg.Labels})
	return id, nil
}

func (f *fakeEngine) RemoveNetwork(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, n := range f.networks {
		if n.ID == id {
			f.networks = append(f.networks[:i], f.networks[i+1:]...)
			return nil
		}
	}
	return nil
}

func (f *fakeEngine) Containers(_ context.Context, sel string) ([]engine.Container, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []engine.Container
	for _, c := range f.containers {
		if matches(c.Labels, sel) {
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fakeEngine) CreateContainer(_ context.Context, cfg engine.ContainerConfig) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.containers {
		if c.Name == cfg.Name {
			return "", fmt.Errorf("container name %s is already in use", cfg.Name)
		}
	}
	id := f.id("c")
	f.containers = append(f.containers, engine.Container{ID: id, Name: cfg.Name, Image: cfg.Image,
		State: "created", Labels: cfg.Labels, IPs: map[string]string{cfg.Network: cfg.IP}})
	f.configs[cfg.Name] = cfg
	return id, nil
}

func (f *fakeEngine) CopyTo(_ context.Context, id, dir string, r io.Reader) error {
	b, err := io.ReadAll(r)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.copied[id+":"+dir] = b
	return err
}

func (f *fakeEngine) Start(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, c := range f.containers {
		if c.ID == id {
			if c.Name == f.failStart {
				return errors.New("start failed: OCI runtime create failed")
			}
			f.containers[i].State = "running"
			return nil
		}
	}
	return fmt.Errorf("no container %s", id)
}

func (f *fakeEngine) RemoveContainer(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, c := range f.containers {
		if c.ID == id {
			f.containers = append(f.containers[:i], f.containers[i+1:]...)
			return nil
		}
	}
	return nil
}

func (f *fakeEngine) CreateVolume(_ context.Context, name string, labels map[string]string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.volumes = append(f.volumes, engine.Volume{Name: name, Labels: labels})
	return nil
}

func (f *fakeEngine) Volumes(_ context.Context, sel string) ([]engine.Volume, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []engine.Volume
	for _, v := range f.volumes {
		if matches(v.Labels, sel) {
			out = append(out, v)
		}
	}
	return out, nil
}

func (f *fakeEngine) RemoveVolume(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, v := range f.volumes {
		if v.Name == name {
			f.volumes = append(f.volumes[:i], f.volumes[i+1:]...)
			return nil
		}
	}
	return nil
}

// fakeHost is a machine with plenty of memory and disk unless told
// otherwise.
type fakeHost struct {
	routes      []Route
	mem, disk   uint64
	nameservers []string
	paths       map[string]bool
}

func newFakeHost() *fakeHost {
	return &fakeHost{
		routes: []Route{
			{Prefix: netip.MustParsePrefix("0.0.0.0/0"), Dev: "eth0"},
			{Prefix: netip.MustParsePrefix("10.0.2.0/24"), Dev: "eth0"},
		},
		mem: 16 << 30, disk: 100 << 30, nameservers: []string{"10.255.255.53"},
		paths: map[string]bool{"/dev/kmsg": true, "/lib/modules": true},
	}
}

func (h *fakeHost) Routes() ([]Route, error)        { return h.routes, nil }
func (h *fakeHost) MemAvailable() (uint64, error)   { return h.mem, nil }
func (h *fakeHost) DiskFree(string) (uint64, error) { return h.disk, nil }
func (h *fakeHost) Nameservers() ([]string, error)  { return h.nameservers, nil }
func (h *fakeHost) Exists(p string) bool            { return h.paths[p] }

// fakeImages hands out a fixed image.
type fakeImages struct{ err error }

func (i fakeImages) Ensure(context.Context) (string, bool, error) {
	return "kubeup/node:test", false, i.err
}

// fakeProber records the targets it was asked about and fails for the
// names in fail.
type fakeProber struct {
	mu      sync.Mutex
	targets []Target
	fail    map[string]error
}

func (p *fakeProber) WaitReady(_ context.Context, t Target) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.targets = append(p.targets, t)
	return p.fail[t.Name]
}
