package fetch

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// extracted is one binary taken out of an archive.
type extracted struct {
	Name   string // cache name (etcd, cni/bridge)
	SHA256 string
	Size   int64
}

// extractMembers copies members (archive path to cache name) of the
// gzipped tar archive into binDir, each through a .part file that is
// renamed only when every member has been found and written. Nothing is
// left behind on error.
func extractMembers(archive string, members map[string]string, binDir string) ([]extracted, error) {
	f, err := os.Open(archive)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", filepath.Base(archive), err)
	}
	parts := map[string]string{} // final path -> part path
	defer func() {
		for _, p := range parts {
			os.Remove(p) // no-op once renamed
		}
	}()
	got, err := copyMembers(tar.NewReader(zr), members, binDir, parts)
	if err != nil {
		return nil, fmt.Errorf("extract %s: %w", filepath.Base(archive), err)
	}
	if missing := missingMembers(members, got); len(missing) > 0 {
		return nil, fmt.Errorf("extract %s: the archive has no %s: the release layout changed; report it to kubeup",
			filepath.Base(archive), strings.Join(missing, ", "))
	}
	for final, part := range parts {
		if err := os.Rename(part, final); err != nil {
			return nil, fmt.Errorf("extract %s: %w", filepath.Base(archive), err)
		}
	}
	out := make([]extracted, 0, len(got))
	for _, e := range got {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// copyMembers writes each wanted regular file of tr to its .part file,
// recording it in parts, and returns what it wrote by archive path.
func copyMembers(tr *tar.Reader, members map[string]string, binDir string, parts map[string]string) (map[string]extracted, error) {
	got := map[string]extracted{}
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return got, nil
		}
		if err != nil {
			return nil, err
		}
		member := strings.TrimPrefix(path.Clean(hdr.Name), "./")
		name, ok := members[member]
		if !ok || hdr.Typeflag != tar.TypeReg {
			continue
		}
		final := filepath.Join(binDir, filepath.FromSlash(name))
		parts[final] = final + ".part"
		sum, n, err := writePart(final+".part", tr)
		if err != nil {
			return nil, err
		}
		got[member] = extracted{Name: name, SHA256: sum, Size: n}
	}
}

// writePart writes r to an executable file at part, synced, and returns
// its sha256 and size.
func writePart(part string, r io.Reader) (string, int64, error) {
	if err := os.MkdirAll(filepath.Dir(part), 0o755); err != nil {
		return "", 0, err
	}
	f, err := os.OpenFile(part, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		return "", 0, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if err != nil {
		f.Close()
		return "", 0, fmt.Errorf("write %s: %w", part, err)
	}
	if err := closeSynced(f); err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// missingMembers lists the wanted archive paths that were not found.
func missingMembers(members map[string]string, got map[string]extracted) []string {
	var missing []string
	for m := range members {
		if _, ok := got[m]; !ok {
			missing = append(missing, m)
		}
	}
	sort.Strings(missing)
	return missing
}
