// Package fetch downloads the official release binaries of a Kubernetes
// version and the components that go with it (etcd, flannel, and the
// container runtime: containerd, runc, CNI plugins, crictl) into kubeup's
// artifact cache, verifying every file against its published sha256 (or a
// pinned one where the project publishes none), and makes the images of
// the static-pods mode from them (see Images).
//
// Downloads run in parallel (bounded), go to a .part file that is resumed
// with an HTTP Range request after a dropped connection, and are renamed
// into place only after their checksum matches. Each source's base URL can
// be replaced by a mirror that serves the same paths.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"kubeup.dev/kubeup/internal/artifacts/cache"
	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/progress"
	"kubeup.dev/kubeup/internal/spec"
)

// Options says what to fetch and how.
type Options struct {
	KubernetesVersion string // v1.34.4
	Arch              string // amd64 (the default) or arm64 ...
	// CacheRoot is kubeup's cache (cache.Root); binaries go to
	// cache.Layout.Artifacts(version, arch)/bin and archives to
	// cache.Layout.Downloads.
	CacheRoot string
	// Mirrors maps a source name (see Sources) to a base URL that replaces
	// the official one.
	Mirrors map[string]string
	// Sources limits what is fetched; nil means every source.
	Sources []string
	// Checksums maps an upstream file name to its sha256, for files whose
	// project publishes no checksum (it also overrides a published one).
	Checksums map[string]string
	Parallel  int           // downloads at once; 0 means 4
	Retries   int           // failed attempts in a row without progress; 0 means 5
	Backoff   time.Duration // first wait before a retry, doubling to 30s; 0 means 1s
	// StallTimeout fails an attempt that receives nothing for this long;
	// 0 means 60s.
	StallTimeout time.Duration
	HTTPClient   *http.Client // nil: a client with a 60s response-header timeout
	Progress     *progress.Display
	// Sleep waits between retries; nil means a real timer.
	Sleep func(context.Context, time.Duration) error
}

// withDefaults fills zero fields.
func (o Options) withDefaults() Options {
	if o.Arch == "" {
		o.Arch = "amd64"
	}
	if o.Parallel <= 0 {
		o.Parallel = 4
	}
	if o.Retries <= 0 {
		o.Retries = 5
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	if o.StallTimeout <= 0 {
		o.StallTimeout = 60 * time.Second
	}
	if o.HTTPClient == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.ResponseHeaderTimeout = 60 * time.Second
		o.HTTPClient = &http.Client{Transport: t}
	}
	if o.Sleep == nil {
		o.Sleep = sleepContext
	}
	return o
}

// Fetch downloads and verifies every planned file, extracts the binaries
// into the cache, makes the image archives of Images from them and merges
// all into the cache's manifest.json, which it returns. Files that
// verified are cached even when others fail; the error joins every
// failure, each naming its file.
func Fetch(ctx context.Context, o Options) (*manifest.Manifest, error) {
	o = o.withDefaults()
	if o.CacheRoot == "" {
		return nil, errors.New("fetch: no cache directory: pass --cache-dir")
	}
	bases, err := Bases(o.Mirrors)
	if err != nil {
		return nil, err
	}
	files, err := Plan(o.KubernetesVersion, o.Arch, bases, o.Sources, o.Checksums)
	if err != nil {
		return nil, err
	}
	f := o.fetcher()
	unlock, err := f.layout.Lock("fetch") // one fetch at a time writes the .part files
	if err != nil {
		return nil, err
	}
	defer unlock()
	arts, errs := f.all(ctx, files)
	if len(arts) == 0 {
		return nil, errors.Join(errs...)
	}
	imgs, ierrs := f.images(files, arts)
	arts, errs = append(arts, imgs...), append(errs, ierrs...)
	m, err := f.writeManifest(arts)
	return m, errors.Join(append(errs, err)...)
}

// fetcher holds what one Fetch run shares across its files.
type fetcher struct {
	o         Options
	layout    cache.Layout
	dir       string // the artifacts directory of the version and arch
	downloads string // where archives are kept
	dl        *downloader
}

// fetcher builds the fetcher for o (defaults applied).
func (o Options) fetcher() *fetcher {
	layout := cache.Layout{Root: o.CacheRoot}
	return &fetcher{
		o:         o,
		layout:    layout,
		dir:       layout.Artifacts(o.KubernetesVersion, o.Arch),
		downloads: layout.Downloads(),
		dl: &downloader{
			client: o.HTTPClient, userAgent: "kubeup", retries: o.Retries,
			backoff: o.Backoff, maxBackoff: 30 * time.Second, stall: o.StallTimeout,
			sleep: o.Sleep, progress: o.Progress,
		},
	}
}

// all fetches files with at most o.Parallel at once and returns the
// artifacts of those that succeeded and the errors of the others, in plan
// order.
func (f *fetcher) all(ctx context.Context, files []File) ([]manifest.Artifact, []error) {
	results := make([][]manifest.Artifact, len(files))
	errs := make([]error, len(files))
	sem := make(chan struct{}, f.o.Parallel)
	var wg sync.WaitGroup
	for i, file := range files {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				errs[i] = fmt.Errorf("%s: %w", file.Name, ctx.Err())
				return
			}
			defer func() { <-sem }()
			results[i], errs[i] = f.one(ctx, file)
		})
	}
	wg.Wait()
	var arts []manifest.Artifact
	for _, r := range results {
		arts = append(arts, r...)
	}
	return arts, errs
}

// one fetches a single file: its checksum, the download (unless a
// verified copy is cached) and, for an archive, its binaries.
func (f *fetcher) one(ctx context.Context, file File) ([]manifest.Artifact, error) {
	want, from, err := f.checksum(ctx, file)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file.Name, err)
	}
	if file.Members == nil {
		dst := filepath.Join(f.dir, "bin", file.Binary)
		if err := f.ensure(ctx, file, dst, want, from, 0o755); err != nil {
			return nil, err
		}
		size, err := fileSize(dst)
		if err != nil {
			return nil, err
		}
		return []manifest.Artifact{f.artifact(file, file.Binary, want, size)}, nil
	}
	dst := filepath.Join(f.downloads, file.Name)
	if err := f.ensure(ctx, file, dst, want, from, 0o644); err != nil {
		return nil, err
	}
	bins, err := extractMembers(dst, file.Members, filepath.Join(f.dir, "bin"))
	if err != nil {
		return nil, err
	}
	arts := make([]manifest.Artifact, 0, len(bins))
	for _, b := range bins {
		arts = append(arts, f.artifact(file, b.Name, b.SHA256, b.Size))
	}
	return arts, nil
}

// artifact is the manifest entry for binary name from file.
func (f *fetcher) artifact(file File, name, sum string, size int64) manifest.Artifact {
	return manifest.Artifact{
		Name: name, Kind: manifest.KindBinary, Version: file.Version, Arch: f.o.Arch,
		Path: "bin/" + name, SHA256: sum, Size: size, Source: "release",
	}
}

// checksum returns the expected sha256 of file and where it came from.
func (f *fetcher) checksum(ctx context.Context, file File) (sum, from string, err error) {
	if file.Pinned != "" {
		return file.Pinned, "a pinned checksum", nil
	}
	b, err := f.dl.getSmall(ctx, file.SumURL)
	if err != nil {
		return "", "", fmt.Errorf("checksum file: %w", err)
	}
	sum, err = parseSums(b, file.Name)
	if err != nil {
		return "", "", fmt.Errorf("%s: %w", spec.RedactURL(file.SumURL), err)
	}
	return sum, file.SumURL, nil
}

// ensure makes dst a verified copy of file: kept when it already matches
// want, else downloaded to dst.part, verified and renamed with mode.
func (f *fetcher) ensure(ctx context.Context, file File, dst, want, from string, mode os.FileMode) error {
	if got, size, err := manifest.HashFile(dst); err == nil && got == want {
		f.o.Progress.Printf("cached %s %s (sha256 verified)", file.Name, progress.Bytes(size))
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("%s: %w", file.Name, err)
	}
	return f.download(ctx, file, dst, want, from, mode)
}

// download fetches file.URL into dst.part, resuming a part left by an
// earlier run, and renames it to dst once its sha256 is want. A part that
// fails the check is deleted; if it had been resumed from an earlier run,
// the file is downloaded once more from the start. A part left by a
// network failure is kept so the next run resumes it.
func (f *fetcher) download(ctx context.Context, file File, dst, want, from string, mode os.FileMode) error {
	part := dst + ".part"
	resumed, err := fileSize(part)
	if err != nil {
		return fmt.Errorf("%s: %w", file.Name, err)
	}
	for {
		tr, err := f.dl.toPart(ctx, file.URL, part, file.Name)
		if err != nil {
			return fmt.Errorf("%s: %w", file.Name, err)
		}
		err = f.verify(file, part, want, from)
		tr.Done(err)
		if err == nil {
			return install(part, dst, mode)
		}
		os.Remove(part)
		if resumed == 0 || !errors.As(err, new(*ChecksumError)) {
			return err
		}
		resumed = 0
		f.o.Progress.Printf("retry  %s: checksum mismatch after resuming an earlier download; downloading it again", file.Name)
	}
}

// verify checks the sha256 of the downloaded part against want.
func (f *fetcher) verify(file File, part, want, from string) error {
	got, _, err := manifest.HashFile(part)
	if err != nil {
		return fmt.Errorf("%s: %w", file.Name, err)
	}
	if got != want {
		return &ChecksumError{File: file.Name, Source: file.Source, URL: file.URL, Got: got, Want: want, From: from}
	}
	return nil
}

// install sets mode on a verified part and renames it to dst.
func install(part, dst string, mode os.FileMode) error {
	if err := os.Chmod(part, mode); err != nil {
		return err
	}
	if err := os.Rename(part, dst); err != nil {
		return fmt.Errorf("install %s: %w", filepath.Base(dst), err)
	}
	return nil
}

// ChecksumError is a download whose sha256 is not the published one.
type ChecksumError struct {
	File, Source, URL string
	Got, Want         string
	From              string // the checksum file URL, or "a pinned checksum"
}

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("%s: checksum mismatch: got sha256 %s, want %s (from %s); the download from %s was deleted, nothing was cached: "+
		"run again, and if it persists check the %s source (--mirror %s=URL)", e.File, e.Got, e.Want, spec.RedactURL(e.From), spec.RedactURL(e.URL), e.Source, e.Source)
}

// writeManifest merges arts into the cache's manifest.json, holding the
// artifacts directory's lock.
func (f *fetcher) writeManifest(arts []manifest.Artifact) (*manifest.Manifest, error) {
	unlock, err := f.layout.LockArtifacts(f.o.KubernetesVersion, f.o.Arch)
	if err != nil {
		return nil, err
	}
	defer unlock()
	return manifest.Merge(filepath.Join(f.dir, "manifest.json"), f.o.KubernetesVersion, f.o.Arch, arts, "fetch")
}

// DownloadPinned fetches url into dst (mode 0644) unless dst already has
// the sha256 want, with the retries, resume and stall detection of Fetch;
// source names the project in errors. Only the network fields of o
// (HTTPClient, Retries, Backoff, StallTimeout, Progress, Sleep) are used.
func DownloadPinned(ctx context.Context, o Options, source, url, want, dst string) error {
	file := File{Source: source, Name: filepath.Base(dst), URL: url, Pinned: want}
	return o.withDefaults().fetcher().ensure(ctx, file, dst, want, "a pinned checksum", 0o644)
}
