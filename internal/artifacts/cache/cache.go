// Package cache locates kubeup's artifact cache and names the paths in it,
// so that the build, fetch and bundle paths agree on one layout:
//
//	ROOT/                                 ~/.cache/kubeup, --cache or $KUBEUP_CACHE
//	  artifacts/VERSION/ARCH/             what a cluster of Kubernetes VERSION uses
//	    manifest.json  bin/NAME  images/NAME.tar
//	  components/NAME/VERSION/ARCH/       one built component, reused across
//	    recipe.json  bin/...  images/...  Kubernetes versions (etcd, coredns ...)
//	  src/NAME/VERSION/                   generated wrapper modules that are built
//	  logs/NAME-VERSION-ARCH.log          the go command's output of the last build
//	  downloads/                          release archives (fetch)
//	  locks/                              flock files: one per component build and artifacts directory
package cache

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// EnvVar overrides the default cache root.
const EnvVar = "KUBEUP_CACHE"

// Root returns the cache root: flag when set, else $KUBEUP_CACHE, else
// kubeup under the user's cache directory ($XDG_CACHE_HOME or ~/.cache).
// getenv is os.Getenv outside tests. The path is made absolute.
func Root(flag string, getenv func(string) string) (string, error) {
	dir := flag
	if dir == "" {
		dir = getenv(EnvVar)
	}
	if dir == "" {
		base, err := userCacheDir(getenv)
		if err != nil {
			return "", fmt.Errorf("find the cache directory: %w: pass --cache DIR or set %s", err, EnvVar)
		}
		dir = filepath.Join(base, "kubeup")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("cache directory %s: %w", dir, err)
	}
	return abs, nil
}

// userCacheDir is os.UserCacheDir (Linux rules) reading getenv.
func userCacheDir(getenv func(string) string) (string, error) {
	if d := getenv("XDG_CACHE_HOME"); d != "" {
		return d, nil
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".cache"), nil
	}
	return "", errors.New("neither $XDG_CACHE_HOME nor $HOME is set")
}

// Layout names the paths under one cache root.
type Layout struct{ Root string }

// Artifacts is the directory a cluster of Kubernetes version uses on arch:
// manifest.json, bin/ and images/.
func (l Layout) Artifacts(version, arch string) string {
	return filepath.Join(l.Root, "artifacts", version, arch)
}

// Component is where one built component version for arch is kept.
func (l Layout) Component(name, version, arch string) string {
	return filepath.Join(l.Root, "components", name, version, arch)
}

// Source is the generated module directory a component is built from.
func (l Layout) Source(name, version string) string {
	return filepath.Join(l.Root, "src", name, version)
}

// Log is the build log of one component.
func (l Layout) Log(name, version, arch string) string {
	return filepath.Join(l.Root, "logs", name+"-"+version+"-"+arch+".log")
}

// LockArtifacts locks the artifacts directory of version and arch while
// its files and manifest.json change (build and fetch both write there).
func (l Layout) LockArtifacts(version, arch string) (unlock func(), err error) {
	return l.Lock("artifacts-" + version + "-" + arch)
}

// LockComponent locks one component's build.
func (l Layout) LockComponent(name, version, arch string) (unlock func(), err error) {
	return l.Lock("component-" + name + "-" + version + "-" + arch)
}

// Downloads holds release archives fetched from the network.
func (l Layout) Downloads() string { return filepath.Join(l.Root, "downloads") }

// Lock takes an exclusive lock on ROOT/locks/NAME.lock, waiting for
// another kubeup that holds it, and returns the function that releases it.
func (l Layout) Lock(name string) (unlock func(), err error) {
	dir := filepath.Join(l.Root, "locks")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create cache %s: %w", l.Root, err)
	}
	path := filepath.Join(dir, name+".lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
