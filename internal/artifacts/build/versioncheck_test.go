package build

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/versions"
)

// TestProbesOfTheRuntime runs stand-ins that print what the runtime's
// binaries print for their version (in upstream's format) only when given
// the probe's arguments: each passes with its version and fails with
// another.
func TestProbesOfTheRuntime(t *testing.T) {
	set, err := versions.For("v1.37.2")
	if err != nil {
		t.Fatal(err)
	}
	c, r, cni, k := set.Containerd, set.Runc, set.CNIPlugins, set.CriTools
	bare := func(v string) string { return strings.TrimPrefix(v, "v") }
	for _, tc := range []struct {
		name, version, args, out string
	}{
		{"containerd", c, "--version", "containerd github.com/containerd/containerd/v2 v" + c + " 0123abcd\n"},
		{"ctr", c, "--version", "ctr github.com/containerd/containerd/v2 v" + c + "\n"},
		{"containerd-shim-runc-v2", c, "-v", "containerd-shim-runc-v2:\n  Version:  v" + c + "\n  Revision: \n  Go version: go1.26.8\n\n"},
		{"runc", r, "--version", "runc version " + bare(r) + "\nspec: 1.3.0\ngo: go1.26.8\nlibseccomp: 2.5.4\n"},
		{"crictl", k, "--version", "crictl version " + bare(k) + "\n"},
		{"cni/bridge", cni, "", "CNI bridge plugin " + cni + "\nCNI protocol versions supported: 0.1.0, 1.0.0, 1.1.0\n"},
		{"cni/portmap", cni, "", "CNI portmap plugin " + cni + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			script := fmt.Sprintf("#!/bin/sh\n[ \"$*\" = %q ] && printf '%%s' %q\n", tc.args, tc.out)
			p := filepath.Join(t.TempDir(), filepath.Base(tc.name))
			if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			a := manifest.Artifact{Name: tc.name, Kind: manifest.KindBinary, Version: tc.version}
			if err := CheckVersion(context.Background(), p, a); err != nil {
				t.Errorf("probe %+v: %v", ProbeFor(a), err)
			}
			a.Version += "1"
			if err := CheckVersion(context.Background(), p, a); err == nil {
				t.Errorf("version %s passes the probe of %s", a.Version, tc.version)
			}
		})
	}
}
