// Package manifest describes a set of artifacts (binaries and OCI image
// archives) with their versions and checksums, as written beside a cache
// entry and inside an offline bundle (manifest.json).
package manifest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

	"kubeup.dev/kubeup/internal/atomicfile"
)

// Kind of an artifact.
const (
	KindBinary = "binary"
	KindImage  = "image"
)

// Artifact is one binary or image archive.
type Artifact struct {
	Name    string `json:"name"`            // kube-apiserver, etcd, coredns ...
	Kind    string `json:"kind"`            // binary | image
	Version string `json:"version"`         // v1.34.4
	Arch    string `json:"arch"`            // amd64
	Path    string `json:"path"`            // relative: bin/NAME or images/NAME.tar
	SHA256  string `json:"sha256"`          // hex
	Size    int64  `json:"size"`            // bytes
	Image   string `json:"image,omitempty"` // image reference for kind image
	// Images are the references of an archive that holds several images
	// (Image is then empty); see Refs.
	Images []string `json:"images,omitempty"`
	// Source is how the artifact was made: build (compiled from source) or
	// release (an official download, checksum verified). Empty: unknown.
	Source string `json:"source,omitempty"`
}

// Refs returns the references of the images an image archive holds: its
// Image, or its Images.
func (a Artifact) Refs() []string {
	if a.Image != "" {
		return append([]string{a.Image}, a.Images...)
	}
	return a.Images
}

// ImagePath is the path of image archive name in a cache directory or
// bundle.
func ImagePath(name string) string { return "images/" + name + ".tar" }

// Manifest lists artifacts for one Kubernetes version and architecture.
type Manifest struct {
	KubernetesVersion string     `json:"kubernetesVersion"`
	Arch              string     `json:"arch"`
	Artifacts         []Artifact `json:"artifacts"`
}

// Sort orders artifacts by kind then name.
func (m *Manifest) Sort() {
	sort.Slice(m.Artifacts, func(i, j int) bool {
		a, b := m.Artifacts[i], m.Artifacts[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Name < b.Name
	})
}

// Find returns the artifact named name of kind kind.
func (m *Manifest) Find(kind, name string) (Artifact, bool) {
	for _, a := range m.Artifacts {
		if a.Kind == kind && a.Name == name {
			return a, true
		}
	}
	return Artifact{}, false
}

// Put adds a, replacing the artifact of the same kind and name if any.
func (m *Manifest) Put(a Artifact) {
	for i, old := range m.Artifacts {
		if old.Kind == a.Kind && old.Name == a.Name {
			m.Artifacts[i] = a
			return
		}
	}
	m.Artifacts = append(m.Artifacts, a)
}

// Counts returns how many binaries the manifest lists and how many images
// its image archives hold (an archive may hold several).
func (m *Manifest) Counts() (binaries, images int) {
	for _, a := range m.Artifacts {
		if a.Kind == KindImage {
			images += len(a.Refs())
		} else {
			binaries++
		}
	}
	return binaries, images
}

// Marshal returns indented JSON with a trailing newline.
func (m *Manifest) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Read decodes a manifest file.
func Read(path string) (*Manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("manifest %s: %w", path, err)
	}
	return &m, nil
}

// HashFile returns the hex sha256 and size of a file.
func HashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	return HashReader(f)
}

// HashReader returns the hex sha256 and byte count of r.
func HashReader(r io.Reader) (string, int64, error) {
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// Merge puts arts into the manifest at path (created when missing) in
// place of the entries of the same kind and name, stamps it with version
// and arch, and writes it atomically. The caller holds the artifacts
// directory's lock; redo names the command to run again when the file
// cannot be read ("build", "fetch", "extract").
func Merge(path, version, arch string, arts []Artifact, redo string) (*Manifest, error) {
	m, err := Read(path)
	if errors.Is(err, os.ErrNotExist) {
		m, err = &Manifest{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w: delete it and %s again", path, err, redo)
	}
	m.KubernetesVersion, m.Arch = version, arch
	for _, a := range arts {
		m.Put(a)
	}
	m.Sort()
	b, err := m.Marshal()
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(path, b, 0o644); err != nil {
		return nil, err
	}
	return m, nil
}
