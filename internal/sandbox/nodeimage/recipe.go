// Package nodeimage builds the sandbox's node image: a Debian bookworm root
// file system made with debootstrap (cached as a tarball outside the
// checkout), imported into Docker and finished by a setup script, tagged by
// a hash of its recipe so that an unchanged recipe is never rebuilt.
package nodeimage

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
)

//go:embed setup.sh
var setupScript string

//go:embed node-init.sh
var nodeInitScript string

// nodeInitPath is the image's entrypoint, which prepares the cgroup mounts
// and runs systemd.
const nodeInitPath = "/usr/local/sbin/kubeup-node-init"

// Repository is the image repository of node images; the tag is the
// recipe hash.
const Repository = "kubeup/node"

// baseRepository holds the plain debootstrap import the node image is
// finished from.
const baseRepository = "kubeup/node-base"

// DefaultMirror is the Debian archive debootstrap downloads from.
const DefaultMirror = "http://deb.debian.org/debian"

// Recipe is everything that determines the content of a node image.
type Recipe struct {
	// Suite and Variant are debootstrap's suite and --variant.
	Suite   string
	Variant string
	// Packages are debootstrap's --include list.
	Packages []string
	// Files are written into the image (mode 0755) before Setup runs.
	Files map[string]string
	// Setup is a shell script run as root inside the imported root file
	// system (without network) to finish the image.
	Setup string
	// Changes are Dockerfile instructions applied when committing (the
	// engine accepts CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, USER,
	// VOLUME and WORKDIR; the stop signal is set per container).
	Changes []string
}

// DefaultRecipe is the node image kubeup uses: what SANDBOX.md lists plus
// what kubeup apply needs on a host (sftp, mount, tar, curl, sudo...).
func DefaultRecipe() Recipe {
	return Recipe{
		Suite:   "bookworm",
		Variant: "minbase",
		Packages: []string{
			"systemd", "systemd-sysv", "dbus", "udev",
			"openssh-server", "openssh-sftp-server", "sudo",
			"containerd", "runc", "containernetworking-plugins",
			"iproute2", "iptables", "ipset", "conntrack", "ebtables", "ethtool", "socat",
			"kmod", "procps", "util-linux", "mount", "tar", "gzip", "xz-utils",
			"ca-certificates", "curl", "iputils-ping", "netbase", "less",
		},
		Files: map[string]string{nodeInitPath: nodeInitScript},
		Setup: setupScript,
		Changes: []string{
			`ENTRYPOINT ["` + nodeInitPath + `"]`,
			`CMD []`,
			`ENV container=docker`,
		},
	}
}

// BaseHash identifies the debootstrap root file system: suite, variant and
// package set (order does not matter).
func (r Recipe) BaseHash() string {
	pkgs := slices.Clone(r.Packages)
	slices.Sort(pkgs)
	return hashOf("debootstrap", r.Suite, r.Variant, strings.Join(pkgs, ","))
}

// Hash identifies the finished image: the base plus setup script and
// image configuration.
func (r Recipe) Hash() string {
	return hashOf("node", r.BaseHash(), r.Script(), strings.Join(r.Changes, "\n"))
}

// Script is the command run in the build container: it writes Files,
// then runs Setup.
func (r Recipe) Script() string {
	var b strings.Builder
	for _, p := range slices.Sorted(maps.Keys(r.Files)) {
		fmt.Fprintf(&b, "mkdir -p '%s'\ncat >'%s' <<'KUBEUP_FILE_END'\n%s\nKUBEUP_FILE_END\nchmod 0755 '%s'\n",
			path.Dir(p), p, strings.TrimSuffix(r.Files[p], "\n"), p)
	}
	return b.String() + r.Setup
}

// Ref is the image reference of the finished node image.
func (r Recipe) Ref() string { return Repository + ":" + r.Hash()[:16] }

// BaseRef is the image reference of the imported debootstrap tarball.
func (r Recipe) BaseRef() string { return baseRepository + ":" + r.BaseHash()[:16] }

// TarballName is the cached debootstrap tarball's file name.
func (r Recipe) TarballName() string { return r.BaseHash()[:16] + ".tar" }

// debootstrapArgs returns debootstrap's arguments for building into dir.
func (r Recipe) debootstrapArgs(dir, mirror string) []string {
	return []string{
		"--variant=" + r.Variant,
		"--include=" + strings.Join(r.Packages, ","),
		r.Suite, dir, mirror,
	}
}

func hashOf(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s\n", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))
}
