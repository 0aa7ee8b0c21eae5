// Package engine is kubeup's thin layer over the Docker Engine API: the
// few calls the sandbox and its node image need, with plain types so that
// the packages above it can be tested against small fakes.
package engine

import "time"

// Info describes the Docker engine.
type Info struct {
	ServerVersion string
	APIVersion    string
	NCPU          int
	MemTotal      int64
	// RootDir is where the engine keeps images, containers and volumes.
	RootDir string
}

// Network is a Docker network.
type Network struct {
	ID      string
	Name    string
	Driver  string
	Subnets []string
	Labels  map[string]string
}

// NetworkConfig creates a bridge network with one IPv4 subnet.
type NetworkConfig struct {
	Name    string
	Subnet  string
	Gateway string
	Labels  map[string]string
}

// Container is a container as listed by the engine.
type Container struct {
	ID string
	// Name is the name without Docker's leading slash.
	Name   string
	Image  string
	State  string
	Labels map[string]string
	// IPs maps a network name to the container's IPv4 address on it.
	IPs     map[string]string
	Created time.Time
}

// Volume is a named Docker volume.
type Volume struct {
	Name   string
	Labels map[string]string
}

// Tmpfs is a tmpfs mount inside a container.
type Tmpfs struct {
	Target  string
	Options string
}

// Bind mounts a host path into a container.
type Bind struct {
	Source   string
	Target   string
	ReadOnly bool
}

// VolumeMount mounts a named volume into a container.
type VolumeMount struct {
	Name   string
	Target string
}

// ContainerConfig is everything kubeup sets on a node container. The
// Docker specific translation lives in this package only.
type ContainerConfig struct {
	Name       string
	Hostname   string
	Image      string
	Labels     map[string]string
	Env        []string
	StopSignal string
	Tty        bool
	// Network and IP attach the container to a network with a fixed IPv4.
	Network string
	IP      string
	CapAdd  []string
	CapDrop []string
	// SecurityOpt are Docker's --security-opt values; "systempaths=unconfined"
	// is translated into empty masked and read-only path lists as the CLI does.
	SecurityOpt []string
	// CgroupnsMode is "private" or "host".
	CgroupnsMode string
	Binds        []Bind
	Tmpfs        []Tmpfs
	Volumes      []VolumeMount
	// Devices are host device paths made available at the same path.
	Devices []string
	// DeviceCgroupRules are added to the container's devices cgroup, as
	// docker run --device-cgroup-rule does ("c 1:11 rwm", "a *:* rwm").
	DeviceCgroupRules []string
}

// CommitConfig runs a command in a new container of Base without network
// and commits the result as Ref with Dockerfile-style Changes.
type CommitConfig struct {
	Base    string
	Cmd     []string
	Ref     string
	Changes []string
	Labels  map[string]string
}
