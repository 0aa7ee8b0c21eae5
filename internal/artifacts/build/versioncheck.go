package build

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"kubeup.dev/kubeup/internal/artifacts/inventory"
	"kubeup.dev/kubeup/internal/artifacts/manifest"
)

// VersionProbe is how to make a binary print its version, and what it
// must print.
type VersionProbe struct {
	Args []string // arguments
	Env  []string // environment (nil: none)
	Want string   // a substring of stdout+stderr
}

// ProbeFor returns the version probe of a binary artifact, from its name
// and version: the same for built and released binaries.
func ProbeFor(a manifest.Artifact) VersionProbe {
	bare := strings.TrimPrefix(a.Version, "v")
	switch a.Name {
	case "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy":
		return VersionProbe{Args: []string{"--version"}, Want: "Kubernetes " + a.Version}
	case "kubectl":
		return VersionProbe{Args: []string{"version", "--client"}, Want: "Client Version: " + a.Version}
	case "etcd":
		return VersionProbe{Args: []string{"--version"}, Want: "etcd Version: " + bare}
	case "etcdctl":
		return VersionProbe{Args: []string{"version"}, Want: "etcdctl version: " + bare}
	case "flanneld":
		return VersionProbe{Args: []string{"--version"}, Want: a.Version}
	case "coredns":
		return VersionProbe{Args: []string{"-version"}, Want: "CoreDNS-" + bare}
	case "pause":
		return VersionProbe{Args: []string{"-v"}, Want: "pause " + a.Version}
	case "smoke":
		return VersionProbe{Args: []string{"version"}, Want: "smoke " + a.Version}
	case "containerd", "ctr":
		// containerd's version is without v in kubeup, with v in its own.
		return VersionProbe{Args: []string{"--version"}, Want: a.Name + " " + containerdModule + " v" + bare}
	case "containerd-shim-runc-v2":
		return VersionProbe{Args: []string{"-v"}, Want: "Version:  v" + bare}
	case "runc":
		return VersionProbe{Args: []string{"--version"}, Want: "runc version " + bare}
	case "crictl":
		return VersionProbe{Args: []string{"--version"}, Want: "crictl version " + bare}
	}
	if p, ok := inventory.CNIPlugin(a.Name); ok {
		// A CNI plugin run without CNI_COMMAND prints "CNI NAME plugin VERSION".
		return VersionProbe{Want: "CNI " + p + " plugin " + a.Version}
	}
	return VersionProbe{Args: []string{"--version"}, Want: bare}
}

// CheckVersion runs the binary at path (named as a's name, which the
// multi-call Kubernetes binary needs) with a's probe and fails unless it
// prints the version a records.
func CheckVersion(ctx context.Context, path string, a manifest.Artifact) error {
	p := ProbeFor(a)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, p.Args...)
	cmd.Env = p.Env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	runErr := cmd.Run()
	if !strings.Contains(out.String(), p.Want) {
		return fmt.Errorf("%s %s: want %q in its output, got %q (%v): rebuild or re-fetch it",
			path, strings.Join(p.Args, " "), p.Want, strings.TrimSpace(out.String()), runErr)
	}
	return nil
}
