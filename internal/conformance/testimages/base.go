package testimages

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// DebianBase is the root file system the Debian-based images share: one
// layer, stored once on every node.
type DebianBase struct {
	Suite    string
	Mirror   string
	Packages []string
	Setup    string // run with chroot once debootstrap is done
}

// DefaultBase is the userland the upstream images carry: agnhost's (curl,
// dig, nc, ip, iperf, bash), jessie-dnsutils' and glibc-dns-testing's (dig,
// nslookup), httpd's and nginx's servers.
func DefaultBase() DebianBase {
	return DebianBase{
		Suite:  "bookworm",
		Mirror: "http://deb.debian.org/debian",
		Packages: []string{"apache2", "bash", "bind9-dnsutils", "bind9-host", "ca-certificates",
			"curl", "iperf", "iproute2", "iputils-ping", "netcat-openbsd", "nginx", "procps", "wget"},
		Setup: strings.Join([]string{
			"set -e",
			// agnhost's Dockerfile adds these for the supplemental groups specs.
			"groupadd -g 50000 group-defined-in-image",
			"useradd -u 1000 -m -s /bin/sh -G group-defined-in-image user-defined-in-image",
			"apt-get clean",
			"rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/*.log /var/log/apt /var/cache/debconf/*-old",
		}, "\n"),
	}
}

// Hash identifies the base's content.
func (d DebianBase) Hash() string {
	h := sha256.New()
	fmt.Fprintf(h, "testimages-base/1\n%s\n%s\n%s\n", d.Suite, strings.Join(d.Packages, ","), d.Setup)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// BaseFiles are the outputs of a base build in its directory.
const (
	baseLayer   = "layer.tar"   // the root file system as a tar
	baseBusybox = "busybox"     // a static busybox, for the busybox image
	baseApplets = "applets.txt" // busybox --list-full
)

// Runner runs a build tool, its output going to log.
type Runner func(ctx context.Context, log io.Writer, name string, args ...string) error

// ExecRunner runs tools with os/exec.
func ExecRunner(ctx context.Context, log io.Writer, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// EnsureBase builds the base layers into cacheDir/base-HASH unless they
// are there, and returns that directory: the Debian root file system and
// busybox. Building needs root, debootstrap, make and gcc.
func EnsureBase(ctx context.Context, d DebianBase, bb BusyboxSource, cacheDir string, run Runner, log io.Writer) (string, error) {
	dir := filepath.Join(cacheDir, "base-"+d.Hash()+"-busybox-"+bb.Version)
	if _, err := os.Stat(filepath.Join(dir, baseApplets)); err == nil {
		return dir, nil
	}
	if err := canBuild(run); err != nil {
		return "", err
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return "", fmt.Errorf("test image cache: %w", err)
	}
	tmp, err := os.MkdirTemp(cacheDir, ".base-")
	if err != nil {
		return "", fmt.Errorf("test image cache: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := d.build(ctx, tmp, run, log); err != nil {
		return "", fmt.Errorf("build the Debian base of the test images: %w", err)
	}
	if err := bb.build(ctx, cacheDir, tmp, run, log); err != nil {
		return "", fmt.Errorf("build busybox for the test images: %w", err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", fmt.Errorf("test image cache: %w", err)
	}
	os.RemoveAll(dir)
	if err := os.Rename(tmp, dir); err != nil {
		return "", fmt.Errorf("test image cache: %w", err)
	}
	return dir, nil
}

// build debootstraps into out/rootfs, runs the setup and packs the layer.
func (d DebianBase) build(ctx context.Context, out string, run Runner, log io.Writer) error {
	rootfs := filepath.Join(out, "rootfs")
	defer os.RemoveAll(rootfs)
	args := []string{"--variant=minbase", "--include=" + strings.Join(d.Packages, ","), d.Suite, rootfs, d.Mirror}
	if err := run(ctx, log, "debootstrap", args...); err != nil {
		return fmt.Errorf("debootstrap %s from %s: %w (is the Debian mirror reachable?)", d.Suite, d.Mirror, err)
	}
	if err := run(ctx, log, "chroot", rootfs, "/bin/sh", "-c", d.Setup); err != nil {
		return fmt.Errorf("set up the root file system: %w", err)
	}
	if err := run(ctx, log, "tar", "--numeric-owner", "-C", rootfs, "-cf", filepath.Join(out, baseLayer), "."); err != nil {
		return fmt.Errorf("pack the root file system: %w", err)
	}
	return nil
}

// canBuild checks that debootstrap and chroot can run here (unless a fake
// runner stands in for them).
func canBuild(run Runner) error {
	if run == nil {
		return errors.New("no runner for the build tools")
	}
	if os.Geteuid() != 0 {
		return errors.New("building the test images runs debootstrap and chroot, which need root: run kubeup as root")
	}
	if _, err := exec.LookPath("debootstrap"); err != nil {
		return errors.New("debootstrap is not installed: apt-get install debootstrap (or run make prereqs)")
	}
	return nil
}
