package testimages

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"kubeup.dev/kubeup/internal/artifacts/fetch"
)

// BusyboxSource is the upstream busybox release the busybox image is
// compiled from, as the upstream image is (docker-library's busybox:
// defconfig, linked statically). Debian's own busybox cannot stand in: it
// reverts upstream's change that keeps environment variables whose names
// are not shell identifiers, which a conformance spec checks with sh -c env.
type BusyboxSource struct {
	Version string
	URL     string // the release tarball (.tar.bz2)
	SHA256  string
	Disable []string // config options turned off after defconfig
}

// DefaultBusybox is busybox 1.37.0, the version of the e2e busybox image,
// from Debian's archive (its orig tarball is upstream's release).
func DefaultBusybox() BusyboxSource {
	return BusyboxSource{
		Version: "1.37.0",
		URL:     "http://deb.debian.org/debian/pool/main/b/busybox/busybox_1.37.0.orig.tar.bz2",
		SHA256:  "3311dff32e746499f4df0d5df04d7eb396382d7e108bb9250e7b519b837043a4",
		// tc needs kernel headers older than Debian 12's (CBQ was removed).
		Disable: []string{"CONFIG_TC"},
	}
}

// build compiles busybox into out/busybox and lists its applets in
// out/applets.txt. The release tarball is kept in cacheDir.
func (b BusyboxSource) build(ctx context.Context, cacheDir, out string, run Runner, log io.Writer) error {
	work, err := os.MkdirTemp(out, "busybox-src-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	tarball := filepath.Join(cacheDir, "busybox-"+b.Version+".tar.bz2")
	if err := fetch.DownloadPinned(ctx, fetch.Options{}, "busybox", b.URL, b.SHA256, tarball); err != nil {
		return fmt.Errorf("download busybox %s: %w", b.Version, err)
	}
	if err := run(ctx, log, "tar", "-C", work, "-xjf", tarball); err != nil {
		return fmt.Errorf("unpack busybox %s: %w", b.Version, err)
	}
	src := filepath.Join(work, "busybox-"+b.Version)
	if err := run(ctx, log, "make", "-C", src, "defconfig"); err != nil {
		return fmt.Errorf("configure busybox %s: %w (are make and gcc installed?)", b.Version, err)
	}
	if err := b.editConfig(filepath.Join(src, ".config")); err != nil {
		return err
	}
	if err := run(ctx, log, "make", "-C", src, fmt.Sprintf("-j%d", runtime.NumCPU()), "busybox"); err != nil {
		return fmt.Errorf("compile busybox %s: %w", b.Version, err)
	}
	if err := os.Rename(filepath.Join(src, "busybox"), filepath.Join(out, baseBusybox)); err != nil {
		return fmt.Errorf("keep the busybox binary: %w", err)
	}
	applets, err := os.Create(filepath.Join(out, baseApplets))
	if err != nil {
		return err
	}
	defer applets.Close()
	if err := run(ctx, applets, filepath.Join(out, baseBusybox), "--list-full"); err != nil {
		return fmt.Errorf("list busybox's applets: %w", err)
	}
	return applets.Close()
}

// editConfig links statically and turns off b.Disable.
func (b BusyboxSource) editConfig(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("busybox config: %w", err)
	}
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		switch {
		case l == "# CONFIG_STATIC is not set":
			lines[i] = "CONFIG_STATIC=y"
		case strings.HasSuffix(l, "=y") && slices.Contains(b.Disable, strings.TrimSuffix(l, "=y")):
			lines[i] = "# " + strings.TrimSuffix(l, "=y") + " is not set"
		}
	}
	return os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644)
}
