// Package images builds OCI images in Go with go-containerregistry: a
// single-binary image (Build: empty.Image, one layer holding a static
// binary, a config with the entrypoint) or one assembled from layers of
// several files, links and directories (Layer, Assemble). It writes them as
// docker-archive tarballs, the format `ctr -n k8s.io images import` and
// `docker load` accept, one image or several sharing layers per archive.
// Images are reproducible: the same files give the same digests.
package images

import (
	"archive/tar"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// UnixPath is the PATH of an image laid out as a Unix system (with /usr,
// /bin and so on). Images without an Env get PATH=/.
const UnixPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// epoch is the time stamped on files and the config, for reproducible digests.
func epoch() time.Time { return time.Unix(0, 0).UTC() }

// Spec describes an image made of one static binary.
type Spec struct {
	Ref        string   // image reference, e.g. registry.k8s.io/pause:3.10.1
	Binary     string   // the binary on disk
	Path       string   // its path in the image, e.g. /pause
	Entrypoint []string // nil means [Path]
	Cmd        []string // default arguments
	Env        []string // nil means PATH=/
	User       string   // empty means root
	WorkDir    string   // empty means /
	Ports      []string // exposed ports, e.g. 8080/tcp
	Arch       string   // amd64, arm64 ...
}

// Build returns the image described by s. The binary is read lazily, when
// the image is written.
func Build(s Spec) (v1.Image, error) {
	if s.Path == "" || s.Path[0] != '/' {
		return nil, fmt.Errorf("image %s: in-image path %q must be absolute", s.Ref, s.Path)
	}
	if _, err := os.Stat(s.Binary); err != nil {
		return nil, fmt.Errorf("image %s: %w: build the binary first", s.Ref, err)
	}
	layer, err := Layer([]Entry{{Path: s.Path, Source: s.Binary}})
	if err != nil {
		return nil, fmt.Errorf("image %s: layer: %w", s.Ref, err)
	}
	img, err := mutate.AppendLayers(empty.Image, mutate.Addendum{
		Layer:   layer,
		History: v1.History{Created: v1.Time{Time: epoch()}, CreatedBy: "kubeup: COPY " + filepath.Base(s.Binary) + " " + s.Path},
	}.Layer)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", s.Ref, err)
	}
	return Configure(img, s)
}

// Configure sets img's platform, entrypoint and the rest of its config
// from s (s.Binary is not used).
func Configure(img v1.Image, s Spec) (v1.Image, error) {
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("image %s: config: %w", s.Ref, err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", s.Arch
	cf.Created = v1.Time{Time: epoch()}
	cf.Config.Entrypoint = s.Entrypoint
	if cf.Config.Entrypoint == nil && s.Path != "" {
		cf.Config.Entrypoint = []string{s.Path}
	}
	cf.Config.Cmd = s.Cmd
	cf.Config.Env = s.Env
	if cf.Config.Env == nil {
		cf.Config.Env = []string{"PATH=/"}
	}
	cf.Config.User = s.User
	cf.Config.WorkingDir = s.WorkDir
	if cf.Config.WorkingDir == "" {
		cf.Config.WorkingDir = "/"
	}
	if len(s.Ports) > 0 {
		cf.Config.ExposedPorts = map[string]struct{}{}
		for _, p := range s.Ports {
			cf.Config.ExposedPorts[p] = struct{}{}
		}
	}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, fmt.Errorf("image %s: config: %w", s.Ref, err)
	}
	return img, nil
}

// Entry is one entry of a layer made by Layer: a regular file copied
// from Source or holding Data, a symbolic link to Link, or a directory.
type Entry struct {
	Path   string // absolute path in the image, e.g. /usr/local/bin/etcd
	Source string // a file on disk, read when the layer is written
	Data   []byte // the content of a regular file without Source
	Link   string // a symbolic link's target, e.g. usr/bin or kubernetes
	Dir    bool
	// Mode is the permission bits; 0 means 0755 for directories, links
	// and Source files (binaries), 0644 for Data.
	Mode int64
}

// kind names what e is, or "" when it is not exactly one thing.
func (e Entry) kind() string {
	var kinds []string
	if e.Source != "" {
		kinds = append(kinds, "file")
	}
	if e.Data != nil {
		kinds = append(kinds, "data")
	}
	if e.Link != "" {
		kinds = append(kinds, "link")
	}
	if e.Dir {
		kinds = append(kinds, "directory")
	}
	if len(kinds) != 1 {
		return ""
	}
	return kinds[0]
}

// mode is e's permission bits with the default applied.
func (e Entry) mode() int64 {
	switch {
	case e.Mode != 0:
		return e.Mode
	case e.Data != nil:
		return 0o644
	}
	return 0o755
}

// Layer returns a reproducible layer holding es: sorted by path (parents
// before children), owned by root, stamped at the epoch. It checks es
// now (absolute clean paths, each once, each entry exactly one of Source,
// Data, Link or Dir, every Source present) and reads the Source files
// when the layer is hashed and written. Parent directories need no entry
// of their own: runtimes create them.
func Layer(es []Entry) (v1.Layer, error) {
	sorted := append([]Entry(nil), es...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Path < sorted[j].Path })
	for i, e := range sorted {
		if !path.IsAbs(e.Path) || path.Clean(e.Path) != e.Path || e.Path == "/" {
			return nil, fmt.Errorf("layer entry %q: want an absolute, clean path such as /usr/bin/x", e.Path)
		}
		if i > 0 && sorted[i-1].Path == e.Path {
			return nil, fmt.Errorf("layer entry %s: listed twice: keep one", e.Path)
		}
		if e.kind() == "" {
			return nil, fmt.Errorf("layer entry %s: set exactly one of Source, Data, Link and Dir", e.Path)
		}
		if e.Source != "" {
			if _, err := os.Stat(e.Source); err != nil {
				return nil, fmt.Errorf("layer entry %s: %w: build or fetch the file first", e.Path, err)
			}
		}
	}
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(writeEntries(pw, sorted)) }()
		return pr, nil
	})
}

// writeEntries writes es, sorted, as an uncompressed tar to w.
func writeEntries(w io.Writer, es []Entry) error {
	tw := tar.NewWriter(w)
	for _, e := range es {
		if err := writeEntry(tw, e); err != nil {
			return fmt.Errorf("layer entry %s: %w", e.Path, err)
		}
	}
	return tw.Close()
}

// writeEntry writes one entry, owned by root and stamped at the epoch.
func writeEntry(tw *tar.Writer, e Entry) error {
	h := &tar.Header{Name: strings.TrimPrefix(e.Path, "/"), Mode: e.mode(), ModTime: epoch(), Format: tar.FormatPAX}
	switch e.kind() {
	case "directory":
		h.Typeflag, h.Name = tar.TypeDir, h.Name+"/"
		return tw.WriteHeader(h)
	case "link":
		h.Typeflag, h.Linkname = tar.TypeSymlink, e.Link
		return tw.WriteHeader(h)
	case "data":
		h.Typeflag, h.Size = tar.TypeReg, int64(len(e.Data))
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		_, err := tw.Write(e.Data)
		return err
	}
	f, err := os.Open(e.Source)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	h.Typeflag, h.Size = tar.TypeReg, fi.Size()
	if err := tw.WriteHeader(h); err != nil {
		return err
	}
	n, err := io.Copy(tw, f)
	if err == nil && n != fi.Size() {
		err = fmt.Errorf("%s changed while it was read", e.Source)
	}
	return err
}

// Assemble returns the image of layers (bottom first) with s's
// configuration (see Configure; s.Binary is not used, s.Path is the
// entrypoint when s.Entrypoint is nil). Layers may be shared by several
// images: WriteMultiArchive stores each once.
func Assemble(s Spec, layers ...v1.Layer) (v1.Image, error) {
	adds := make([]mutate.Addendum, len(layers))
	for i, l := range layers {
		adds[i] = mutate.Addendum{Layer: l, History: v1.History{Created: v1.Time{Time: epoch()}, CreatedBy: "kubeup"}}
	}
	img, err := mutate.Append(empty.Image, adds...)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", s.Ref, err)
	}
	return Configure(img, s)
}

// WriteArchive writes img tagged ref to path as a docker-archive tarball
// (manifest.json with RepoTags), atomically.
func WriteArchive(path, ref string, img v1.Image) error {
	tag, err := name.NewTag(ref)
	if err != nil {
		return fmt.Errorf("image reference %q: %w", ref, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write image %s: %w", path, err)
	}
	tmp := path + ".tmp"
	if err := tarball.WriteToFile(tmp, tag, img); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write image %s to %s: %w", ref, path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write image %s: %w", path, err)
	}
	return nil
}

// Write builds the image of s and writes it to path.
func Write(path string, s Spec) error {
	img, err := Build(s)
	if err != nil {
		return err
	}
	return WriteArchive(path, s.Ref, img)
}

// Info is what an image archive says about its image.
type Info struct {
	Ref        string
	Digest     string // the image manifest's digest
	OS, Arch   string
	Entrypoint []string
	Cmd        []string
	Env        []string
	Files      []string          // paths in the image's layers, directories with a trailing /
	Links      map[string]string // symbolic links among Files: path -> target
	Layers     []string          // the layers' digests, bottom first
}

// Inspect reads the image tagged ref from the archive at path.
func Inspect(path, ref string) (Info, error) {
	tag, err := name.NewTag(ref)
	if err != nil {
		return Info{}, fmt.Errorf("image reference %q: %w", ref, err)
	}
	img, err := tarball.ImageFromPath(path, &tag)
	if err != nil {
		return Info{}, fmt.Errorf("read image %s from %s: %w", ref, path, err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return Info{}, fmt.Errorf("image %s in %s: config: %w", ref, path, err)
	}
	d, err := img.Digest()
	if err != nil {
		return Info{}, fmt.Errorf("image %s in %s: digest: %w", ref, path, err)
	}
	info := Info{Ref: ref, Digest: d.String(), OS: cf.OS, Arch: cf.Architecture,
		Entrypoint: cf.Config.Entrypoint, Cmd: cf.Config.Cmd, Env: cf.Config.Env}
	if err := readLayers(img, &info); err != nil {
		return Info{}, fmt.Errorf("image %s in %s: %w", ref, path, err)
	}
	return info, nil
}

// readLayers fills info's Files, Links and Layers from every layer of img.
func readLayers(img v1.Image, info *Info) error {
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	for _, l := range layers {
		d, err := l.Digest()
		if err != nil {
			return err
		}
		info.Layers = append(info.Layers, d.String())
		rc, err := l.Uncompressed()
		if err != nil {
			return err
		}
		tr := tar.NewReader(rc)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				rc.Close()
				return err
			}
			info.Files = append(info.Files, "/"+h.Name)
			if h.Typeflag == tar.TypeSymlink {
				if info.Links == nil {
					info.Links = map[string]string{}
				}
				info.Links["/"+h.Name] = h.Linkname
			}
		}
		rc.Close()
	}
	return nil
}
