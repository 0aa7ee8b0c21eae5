package nodeimage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"kubeup.dev/kubeup/internal/sandbox/engine"
)

// Engine is what building needs from Docker.
type Engine interface {
	ImageExists(ctx context.Context, ref string) (bool, error)
	ImportImage(ctx context.Context, rootfs io.Reader, ref string, changes []string) error
	RunAndCommit(ctx context.Context, cfg engine.CommitConfig, log io.Writer) error
}

// Runner runs a build tool (debootstrap, tar), sending its output to log.
type Runner func(ctx context.Context, log io.Writer, name string, args ...string) error

// Builder makes sure the node image exists.
type Builder struct {
	Engine Engine
	Recipe Recipe
	// CacheDir keeps the debootstrap tarballs (~/.cache/kubeup/nodeimage).
	CacheDir string
	// Mirror is the Debian archive; empty means DefaultMirror.
	Mirror string
	// Progress gets one line per build step. The tools' output goes to
	// Log, or when it is nil to the file LogPath (opened only to build).
	Progress io.Writer
	Log      io.Writer
	LogPath  string
	// Run runs build tools; nil runs them with os/exec.
	Run Runner
}

// Ensure returns the node image's reference, building it when the engine
// does not have it. built reports whether a build happened.
func (b *Builder) Ensure(ctx context.Context) (ref string, built bool, err error) {
	ref = b.Recipe.Ref()
	if ok, err := b.Engine.ImageExists(ctx, ref); err != nil || ok {
		return ref, false, err
	}
	if err := os.MkdirAll(b.CacheDir, 0o755); err != nil {
		return "", false, fmt.Errorf("node image cache: %w", err)
	}
	unlock, err := lockDir(b.CacheDir)
	if err != nil {
		return "", false, err
	}
	defer unlock()
	// Another kubeup may have built it while this one waited for the lock.
	if ok, err := b.Engine.ImageExists(ctx, ref); err != nil || ok {
		return ref, false, err
	}
	if b.Log == nil && b.LogPath != "" {
		f, ferr := os.Create(b.LogPath)
		if ferr != nil {
			return "", false, fmt.Errorf("node image build log: %w", ferr)
		}
		b.Log = f
		defer func() { f.Close(); b.Log = nil }()
		fmt.Fprintf(b.progress(), "   • building node image %s (log: %s)\n", ref, b.LogPath)
		defer func() {
			if err != nil {
				err = fmt.Errorf("%w (the build log is %s)", err, b.LogPath)
			}
		}()
	}
	if err := b.build(ctx); err != nil {
		return "", false, fmt.Errorf("build node image %s: %w", ref, err)
	}
	return ref, true, nil
}

func (b *Builder) build(ctx context.Context) error {
	tarball := filepath.Join(b.CacheDir, b.Recipe.TarballName())
	if _, err := os.Stat(tarball); err != nil {
		if err := b.step("debootstrap "+b.Recipe.Suite+" root file system", func() error {
			return b.makeTarball(ctx, tarball)
		}); err != nil {
			return err
		}
	}
	base := b.Recipe.BaseRef()
	ok, err := b.Engine.ImageExists(ctx, base)
	if err != nil {
		return err
	}
	if !ok {
		if err := b.step("import "+base+" from "+tarball, func() error { return b.importBase(ctx, tarball) }); err != nil {
			return err
		}
	}
	return b.step("run the setup script and commit "+b.Recipe.Ref(), func() error {
		return b.Engine.RunAndCommit(ctx, engine.CommitConfig{
			Base: base, Cmd: []string{"/bin/sh", "-c", b.Recipe.Script()}, Ref: b.Recipe.Ref(),
			Changes: b.Recipe.Changes, Labels: map[string]string{"dev.kubeup.node-image": b.Recipe.Hash()},
		}, b.log())
	})
}

func (b *Builder) importBase(ctx context.Context, tarball string) error {
	f, err := os.Open(tarball)
	if err != nil {
		return fmt.Errorf("open cached root file system: %w", err)
	}
	defer f.Close()
	if err := b.Engine.ImportImage(ctx, f, b.Recipe.BaseRef(), nil); err != nil {
		return fmt.Errorf("%w (if %s is damaged, delete it and retry)", err, tarball)
	}
	return nil
}

// makeTarball runs debootstrap into a scratch directory beside tarball and
// packs the result, so that a half-built tree is never mistaken for a
// cached one.
func (b *Builder) makeTarball(ctx context.Context, tarball string) error {
	if b.Run == nil {
		if err := canDebootstrap(); err != nil {
			return err
		}
	}
	dir, err := os.MkdirTemp(b.CacheDir, "rootfs-")
	if err != nil {
		return fmt.Errorf("scratch directory: %w", err)
	}
	defer removeTree(dir)
	mirror := b.Mirror
	if mirror == "" {
		mirror = DefaultMirror
	}
	if err := b.run(ctx, "debootstrap", b.Recipe.debootstrapArgs(dir, mirror)...); err != nil {
		return fmt.Errorf("debootstrap from %s: %w (is the Debian mirror reachable? see the output above)", mirror, err)
	}
	tmp := tarball + ".partial"
	if err := b.run(ctx, "tar", "--numeric-owner", "--xattrs", "--xattrs-include=*",
		"-C", dir, "-cf", tmp, "."); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("pack root file system: %w", err)
	}
	return os.Rename(tmp, tarball)
}

// canDebootstrap checks that debootstrap can run here.
func canDebootstrap() error {
	if os.Geteuid() != 0 {
		return errors.New("building the node image runs debootstrap, which needs root: run kubeup as root")
	}
	if _, err := exec.LookPath("debootstrap"); err != nil {
		return fmt.Errorf("debootstrap is not installed: run %s (it installs debootstrap)", engine.EnsureScript)
	}
	return nil
}

func (b *Builder) run(ctx context.Context, name string, args ...string) error {
	if b.Run != nil {
		return b.Run(ctx, b.log(), name, args...)
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = b.log(), b.log()
	return cmd.Run()
}

func (b *Builder) step(what string, fn func() error) error {
	start := time.Now()
	fmt.Fprintf(b.progress(), "   • node image: %s ...%s\n", what, hint(what))
	err := fn()
	mark := "✓"
	if err != nil {
		mark = "✗"
	}
	fmt.Fprintf(b.progress(), "   %s node image: %s (%.1fs)\n", mark, what, time.Since(start).Seconds())
	return err
}

// hint says how long the slow step takes.
func hint(what string) string {
	if strings.HasPrefix(what, "debootstrap") {
		return " (4 to 6 minutes on 2 cores)"
	}
	return ""
}

func (b *Builder) log() io.Writer {
	if b.Log == nil {
		return io.Discard
	}
	return b.Log
}

func (b *Builder) progress() io.Writer {
	if b.Progress == nil {
		return io.Discard
	}
	return b.Progress
}

// lockDir takes an exclusive lock on dir/lock so that two kubeup processes
// do not build the same image at once.
func lockDir(dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("node image cache lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("node image cache lock: %w", err)
	}
	return func() { f.Close() }, nil
}
