package plan

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"kubeup.dev/kubeup/internal/atomicfile"
)

// Entry is one line of manifest.json.
type Entry struct {
	Host   string `json:"host"`
	Path   string `json:"path"`
	Mode   string `json:"mode"`
	SHA256 string `json:"sha256"`
	Size   int    `json:"size"`
}

// Manifest lists every planned file.
func Manifest(hosts []HostFiles) []Entry {
	var out []Entry
	for _, hf := range hosts {
		for _, f := range hf.Files {
			out = append(out, Entry{Host: hf.Host.Name, Path: f.Path,
				Mode: fmt.Sprintf("%04o", f.Mode.Perm()), SHA256: f.SHA256(), Size: len(f.Content)})
		}
	}
	return out
}

// Write renders the plan into dir: it fills a temporary directory beside
// dir and swaps it in, so dir is either the old plan or the whole new one.
// dir must be missing, empty or an earlier plan (see CheckDir): of an
// earlier plan, only the files its manifest lists are deleted.
func Write(dir string, hosts []HostFiles) error {
	dir = filepath.Clean(dir)
	old, err := previousPlan(dir)
	if err != nil {
		return err
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o700); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	if err := fill(tmp, hosts); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	return swap(tmp, dir, old)
}

func fill(root string, hosts []HostFiles) error {
	for _, hf := range hosts {
		for _, f := range hf.Files {
			if !strings.HasPrefix(f.Path, "/") {
				return fmt.Errorf("host %s: path %q is not absolute", hf.Host.Name, f.Path)
			}
			p := filepath.Join(root, hf.Host.Name, filepath.FromSlash(f.Path))
			if err := atomicfile.WriteFile(p, f.Content, f.Mode.Perm()); err != nil {
				return err
			}
		}
	}
	b, err := json.MarshalIndent(Manifest(hosts), "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(root, ManifestName), append(b, '\n'), 0o644)
}

// swap replaces dir with tmp; an existing dir is moved aside first and,
// only after the rename succeeded, the files of the earlier plan in it
// (oldFiles) are removed: anything else stays.
func swap(tmp, dir string, oldFiles []string) error {
	old := ""
	if _, err := os.Stat(dir); err == nil {
		old = tmp + ".old"
		if err := os.Rename(dir, old); err != nil {
			return fmt.Errorf("write plan: replace %s: %w", dir, err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if old != "" {
			_ = os.Rename(old, dir)
		}
		return fmt.Errorf("write plan: %w", err)
	}
	if old != "" {
		return removePlan(old, oldFiles)
	}
	return nil
}
