// Package images builds single-binary OCI images in Go with
// go-containerregistry (empty.Image, one layer holding a static binary, a
// config with the entrypoint) and writes them as docker-archive tarballs,
// the format `ctr -n k8s.io images import` and `docker load` accept. Images
// are reproducible: the same binary gives the same digest.
package images

import (
	"archive/tar"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

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
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return layerTar(s.Binary, s.Path) })
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

// layerTar streams an uncompressed tar holding binary at path (mode 0755,
// owned by root, time stamped at the epoch).
func layerTar(binary, path string) (io.ReadCloser, error) {
	f, err := os.Open(binary)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	pr, pw := io.Pipe()
	go func() {
		defer f.Close()
		tw := tar.NewWriter(pw)
		hdr := &tar.Header{Name: path[1:], Mode: 0o755, Size: fi.Size(), ModTime: epoch(), Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		err := tw.WriteHeader(hdr)
		if err == nil {
			_, err = io.Copy(tw, f)
		}
		if err == nil {
			err = tw.Close()
		}
		pw.CloseWithError(err)
	}()
	return pr, nil
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

// WriteMultiArchive writes every image of imgs (reference -> image) into
// one docker-archive tarball at path, atomically. Layers the images share
// are stored once.
func WriteMultiArchive(path string, imgs map[string]v1.Image) error {
	refs := map[name.Reference]v1.Image{}
	for ref, img := range imgs {
		tag, err := name.NewTag(ref)
		if err != nil {
			return fmt.Errorf("image reference %q: %w", ref, err)
		}
		refs[tag] = img
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write images %s: %w", path, err)
	}
	tmp := path + ".tmp"
	if err := tarball.MultiRefWriteToFile(tmp, refs); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write images to %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write images %s: %w", path, err)
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
	Files      []string // paths in the image's layers
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
	files, err := layerFiles(img)
	if err != nil {
		return Info{}, fmt.Errorf("image %s in %s: %w", ref, path, err)
	}
	return Info{Ref: ref, Digest: d.String(), OS: cf.OS, Arch: cf.Architecture,
		Entrypoint: cf.Config.Entrypoint, Cmd: cf.Config.Cmd, Files: files}, nil
}

// layerFiles lists the files in every layer of img.
func layerFiles(img v1.Image) ([]string, error) {
	layers, err := img.Layers()
	if err != nil {
		return nil, err
	}
	var files []string
	for _, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			return nil, err
		}
		tr := tar.NewReader(rc)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				rc.Close()
				return nil, err
			}
			files = append(files, "/"+h.Name)
		}
		rc.Close()
	}
	return files, nil
}
