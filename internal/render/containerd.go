package render

import (
	"bytes"
	"fmt"

	"github.com/pelletier/go-toml/v2"

	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
)

// containerdConfig is the part of containerd's version 2 configuration
// (containerd 1.6 and 1.7) that kubeup sets; containerd defaults the rest.
type containerdConfig struct {
	Version int               `toml:"version"`
	Plugins containerdPlugins `toml:"plugins"`
}

type containerdPlugins struct {
	CRI criConfig `toml:"io.containerd.grpc.v1.cri"`
}

type criConfig struct {
	SandboxImage string `toml:"sandbox_image"`
	// RestrictOOMScoreAdj caps containers' oom_score_adj at containerd's
	// own, for hosts where no process may lower it (sandbox nodes).
	RestrictOOMScoreAdj bool          `toml:"restrict_oom_score_adj,omitempty"`
	Containerd          criContainerd `toml:"containerd"`
	CNI                 criCNI        `toml:"cni"`
}

type criContainerd struct {
	DefaultRuntimeName string                `toml:"default_runtime_name"`
	Runtimes           map[string]criRuntime `toml:"runtimes"`
}

type criRuntime struct {
	RuntimeType string      `toml:"runtime_type"`
	Options     runcOptions `toml:"options"`
}

type runcOptions struct {
	SystemdCgroup bool `toml:"SystemdCgroup"`
}

type criCNI struct {
	BinDir  string `toml:"bin_dir"`
	ConfDir string `toml:"conf_dir"`
}

// containerdFiles renders /etc/containerd/config.toml: the CRI plugin with
// the pause image kubeup imports, runc with the cgroup driver kubelet uses,
// and the CNI directories flannel's configuration lives in.
func containerdFiles(in *input) ([]hostfile.File, error) {
	cfg := containerdConfig{
		Version: 2,
		Plugins: containerdPlugins{CRI: criConfig{
			SandboxImage: in.v.PauseImage(),
			Containerd: criContainerd{
				DefaultRuntimeName: "runc",
				Runtimes: map[string]criRuntime{"runc": {
					RuntimeType: "io.containerd.runc.v2",
					Options:     runcOptions{SystemdCgroup: in.s.Kubelet.CgroupDriver == "systemd"},
				}},
			},
			CNI: criCNI{BinDir: layout.CNIBinDir, ConfDir: layout.CNIConfDir},
		}},
	}
	if sb := in.sandbox(); sb != nil && sb.RestrictOOMScoreAdj {
		cfg.Plugins.CRI.RestrictOOMScoreAdj = true
	}
	buf := bytes.NewBufferString(generatedHeader)
	if err := toml.NewEncoder(buf).Encode(cfg); err != nil {
		return nil, fmt.Errorf("encode containerd config: %w", err)
	}
	return []hostfile.File{file(layout.ContainerdConfig, modePublic, buf.Bytes())}, nil
}
