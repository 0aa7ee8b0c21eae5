package bundle

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"kubeup.dev/kubeup/internal/artifacts/manifest"
)

// found is a file as read from a bundle.
type found struct {
	SHA256 string
	Size   int64
}

// sink receives the files of a bundle, each with a safe path. A nil sink
// or nil field receives nothing.
type sink struct {
	// file consumes the content of entry name; it need not read all of r.
	file func(name string, mode int64, r io.Reader) error
	// link makes name the same file as target, an earlier entry (a tar
	// hard link: Create stores identical files once).
	link func(name, target string) error
}

// walk streams the bundle file, hashing every regular file and passing
// each with a safe path to store. It returns the manifest and what it
// found, by path (manifest.json excluded).
func walk(ctx context.Context, file string, store *sink) (*manifest.Manifest, map[string]found, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, nil, fmt.Errorf("bundle: %w", err)
	}
	defer f.Close()
	r, release, err := decompressor(f)
	if err != nil {
		return nil, nil, fmt.Errorf("bundle %s: %w: the file is damaged or not a bundle", file, err)
	}
	defer release()
	m, seen, err := walkTar(ctx, tar.NewReader(r), store)
	if err != nil {
		return nil, nil, fmt.Errorf("bundle %s: %w", file, err)
	}
	return m, seen, nil
}

// walkTar is walk on an open tar stream.
func walkTar(ctx context.Context, tr *tar.Reader, store *sink) (*manifest.Manifest, map[string]found, error) {
	var m *manifest.Manifest
	seen := map[string]found{}
	for {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%w: the file is damaged", err)
		}
		hdr.Name, hdr.Linkname = entryName(hdr.Name), entryName(hdr.Linkname)
		if hdr.Typeflag == tar.TypeDir {
			continue
		}
		if hdr.Typeflag != tar.TypeReg && hdr.Typeflag != tar.TypeLink {
			return nil, nil, fmt.Errorf("entry %s is not a regular file: a bundle holds only files", hdr.Name)
		}
		if _, dup := seen[hdr.Name]; dup || (hdr.Name == ManifestName && m != nil) {
			return nil, nil, fmt.Errorf("entry %s appears twice", hdr.Name)
		}
		if hdr.Typeflag == tar.TypeLink {
			if seen[hdr.Name], err = linkEntry(hdr, seen, store); err != nil {
				return nil, nil, err
			}
			continue
		}
		if hdr.Name == ManifestName {
			if m, err = readManifest(tr); err != nil {
				return nil, nil, err
			}
			continue
		}
		if seen[hdr.Name], err = consume(hdr, tr, store); err != nil {
			return nil, nil, err
		}
	}
	if m == nil {
		return nil, nil, errors.New("no manifest.json: not a kubeup bundle")
	}
	return m, seen, nil
}

// entryName is a tar entry's name as the manifest writes paths: without
// the leading "./" that tar puts before every name when it archives ".".
func entryName(name string) string {
	for strings.HasPrefix(name, "./") {
		name = name[len("./"):]
	}
	return name
}

// readManifest decodes the manifest entry.
func readManifest(r io.Reader) (*manifest.Manifest, error) {
	var m manifest.Manifest
	if err := json.NewDecoder(io.LimitReader(r, 16<<20)).Decode(&m); err != nil {
		return nil, fmt.Errorf("manifest.json: %w", err)
	}
	return &m, nil
}

// linkEntry resolves a hard link to an earlier file, passing it to store
// when both paths are safe.
func linkEntry(hdr *tar.Header, seen map[string]found, store *sink) (found, error) {
	target, ok := seen[hdr.Linkname]
	if !ok {
		return found{}, fmt.Errorf("entry %s links to %s, which is not an earlier file of the bundle", hdr.Name, hdr.Linkname)
	}
	if safePath(hdr.Name) && safePath(hdr.Linkname) && store != nil && store.link != nil {
		if err := store.link(hdr.Name, hdr.Linkname); err != nil {
			return found{}, fmt.Errorf("%s: %w", hdr.Name, err)
		}
	}
	return target, nil
}

// consume hashes one entry, passing it to store when its path is safe.
func consume(hdr *tar.Header, r io.Reader, store *sink) (found, error) {
	h := sha256.New()
	tee := io.TeeReader(r, h)
	if safePath(hdr.Name) && store != nil && store.file != nil {
		if err := store.file(hdr.Name, hdr.Mode, tee); err != nil {
			return found{}, fmt.Errorf("%s: %w", hdr.Name, err)
		}
	}
	if _, err := io.Copy(io.Discard, tee); err != nil {
		return found{}, fmt.Errorf("reading %s: %w: the file is damaged", hdr.Name, err)
	}
	return found{SHA256: hex.EncodeToString(h.Sum(nil)), Size: hdr.Size}, nil
}

// Status of an artifact in a bundle.
const (
	StatusOK       = "ok"
	StatusChecksum = "checksum mismatch"
	StatusMissing  = "missing"
)

// Entry is one manifest artifact and what the bundle holds for it.
type Entry struct {
	manifest.Artifact
	Status    string `json:"status"`              // StatusOK, StatusChecksum or StatusMissing
	GotSHA256 string `json:"gotSHA256,omitempty"` // the sha256 found, when present
	GotSize   int64  `json:"gotSize,omitempty"`
}

// Report is the result of reading a bundle.
type Report struct {
	Manifest *manifest.Manifest `json:"manifest"`
	Entries  []Entry            `json:"entries"`         // one per manifest artifact, in manifest order
	Extra    []string           `json:"extra,omitempty"` // files in the bundle that the manifest does not list
}

// compare checks what a bundle holds against its manifest.
func compare(m *manifest.Manifest, seen map[string]found) *Report {
	r := &Report{Manifest: m}
	listed := map[string]bool{}
	for _, a := range m.Artifacts {
		listed[a.Path] = true
		e := Entry{Artifact: a, Status: StatusMissing}
		if f, ok := seen[a.Path]; ok {
			e.GotSHA256, e.GotSize, e.Status = f.SHA256, f.Size, StatusOK
			if f.SHA256 != a.SHA256 || f.Size != a.Size {
				e.Status = StatusChecksum
			}
		}
		r.Entries = append(r.Entries, e)
	}
	for p := range seen {
		if !listed[p] {
			r.Extra = append(r.Extra, p)
		}
	}
	sort.Strings(r.Extra)
	return r
}

// Err returns every problem of the report joined, each naming its file,
// or nil when every artifact is present and verified.
func (r *Report) Err() error {
	var errs []error
	for _, e := range r.Entries {
		switch e.Status {
		case StatusChecksum:
			errs = append(errs, fmt.Errorf("%s: checksum mismatch: sha256 %s (%d bytes) in the bundle, the manifest says %s (%d bytes)",
				e.Path, e.GotSHA256, e.GotSize, e.SHA256, e.Size))
		case StatusMissing:
			errs = append(errs, fmt.Errorf("%s: in the manifest but missing from the bundle", e.Path))
		}
	}
	for _, p := range r.Extra {
		errs = append(errs, fmt.Errorf("%s: in the bundle but not in the manifest", p))
	}
	return errors.Join(errs...)
}

// Inspect reads the bundle file and verifies every file against its
// manifest. The report lists every artifact with its status; the error
// names each damaged, missing or extra file ("checksum mismatch" for a
// file whose content changed). It does not lint (see Lint).
func Inspect(ctx context.Context, file string) (*Report, error) {
	m, seen, err := walk(ctx, file, nil)
	if err != nil {
		return nil, err
	}
	r := compare(m, seen)
	if err := r.Err(); err != nil {
		return r, fmt.Errorf("bundle %s failed verification: make it again with kubeup artifacts bundle:\n%w", file, err)
	}
	return r, nil
}
