package sandbox

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// Host is what the sandbox reads from the machine that runs the Docker
// engine.
type Host interface {
	// Routes returns the machine's IPv4 routes.
	Routes() ([]Route, error)
	// MemAvailable returns the memory available to new processes, in bytes.
	MemAvailable() (uint64, error)
	// DiskFree returns the bytes free for an unprivileged user at path.
	DiskFree(path string) (uint64, error)
	// Nameservers returns the machine's non-loopback upstream nameservers.
	Nameservers() ([]string, error)
	// Exists reports whether a path (a device, a directory) exists.
	Exists(path string) bool
}

// LocalHost is the machine kubeup runs on, which also runs the engine.
type LocalHost struct {
	// Root prefixes every path read (for tests); empty is "/".
	Root string
}

func (h LocalHost) path(p string) string { return filepath.Join("/", h.Root, p) }

// Routes reads /proc/net/route.
func (h LocalHost) Routes() ([]Route, error) {
	f, err := os.Open(h.path("/proc/net/route"))
	if err != nil {
		return nil, fmt.Errorf("read routes: %w", err)
	}
	defer f.Close()
	return parseRoutes(f)
}

// MemAvailable reads MemAvailable from /proc/meminfo.
func (h LocalHost) MemAvailable() (uint64, error) {
	f, err := os.Open(h.path("/proc/meminfo"))
	if err != nil {
		return 0, fmt.Errorf("read memory: %w", err)
	}
	defer f.Close()
	return parseMemAvailable(f)
}

func parseMemAvailable(r io.Reader) (uint64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "MemAvailable:" {
			kb, err := strconv.ParseUint(f[1], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parse MemAvailable %q: %w", f[1], err)
			}
			return kb * 1024, nil
		}
	}
	return 0, errors.New("no MemAvailable in /proc/meminfo")
}

// DiskFree uses statfs on path.
func (h LocalHost) DiskFree(path string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(h.path(path), &st); err != nil {
		return 0, fmt.Errorf("free disk space at %s: %w", path, err)
	}
	return st.Bavail * uint64(st.Bsize), nil
}

// Nameservers reads /etc/resolv.conf, falling back to systemd-resolved's
// upstream list when the first names only loopback resolvers.
func (h LocalHost) Nameservers() ([]string, error) {
	var firstErr error
	for _, p := range []string{"/etc/resolv.conf", "/run/systemd/resolve/resolv.conf"} {
		b, err := os.ReadFile(h.path(p))
		if err != nil {
			firstErr = cmpOr(firstErr, err)
			continue
		}
		if ns := parseNameservers(string(b)); len(ns) > 0 {
			return ns, nil
		}
	}
	if firstErr != nil {
		return nil, fmt.Errorf("read nameservers: %w", firstErr)
	}
	return nil, nil
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// parseNameservers returns the non-loopback nameservers of a resolv.conf.
func parseNameservers(conf string) []string {
	var out []string
	for line := range strings.Lines(conf) {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "nameserver" {
			continue
		}
		a, err := netip.ParseAddr(f[1])
		if err != nil || a.IsLoopback() || slices.Contains(out, a.String()) {
			continue
		}
		out = append(out, a.String())
	}
	return out
}

// Exists reports whether path exists.
func (h LocalHost) Exists(path string) bool {
	_, err := os.Stat(h.path(path))
	return err == nil
}
