package images

import (
	"archive/tar"
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// WriteMultiArchive writes every image of imgs (reference -> image) into
// one docker-archive tarball at path, atomically. Layers the images share
// are stored once. The archive is reproducible too: images in the order of
// their references, each one's config then its layers (as
// go-containerregistry's writer lays them out, whose order follows a map),
// manifest.json last, every member root-owned at the epoch.
func WriteMultiArchive(path string, imgs map[string]v1.Image) error {
	refs := make([]string, 0, len(imgs))
	for ref := range imgs {
		if _, err := name.NewTag(ref); err != nil {
			return fmt.Errorf("image reference %q: %w", ref, err)
		}
		refs = append(refs, ref)
	}
	slices.Sort(refs)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write images %s: %w", path, err)
	}
	tmp := path + ".tmp"
	err := writeMulti(tmp, refs, imgs)
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write images to %s: %w", path, err)
	}
	return nil
}

// writeMulti writes the archive of imgs, in the order of refs, to path.
func writeMulti(path string, refs []string, imgs map[string]v1.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	tw := tar.NewWriter(bw)
	written := map[string]bool{}
	var m tarball.Manifest
	for _, ref := range refs {
		d, err := writeImage(tw, imgs[ref], written)
		if err != nil {
			return fmt.Errorf("image %s: %w", ref, err)
		}
		d.RepoTags = []string{ref}
		m = append(m, d)
	}
	j, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := writeMember(tw, "manifest.json", int64(len(j)), func(w io.Writer) error { _, err := w.Write(j); return err }); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// writeImage writes img's config and those of its layers not written yet,
// and returns its manifest.json entry (without tags).
func writeImage(tw *tar.Writer, img v1.Image, written map[string]bool) (tarball.Descriptor, error) {
	var d tarball.Descriptor
	cfgName, err := img.ConfigName()
	if err != nil {
		return d, err
	}
	cfg, err := img.RawConfigFile()
	if err != nil {
		return d, err
	}
	d.Config = cfgName.String()
	if !written[d.Config] {
		if err := writeMember(tw, d.Config, int64(len(cfg)), func(w io.Writer) error { _, err := w.Write(cfg); return err }); err != nil {
			return d, err
		}
		written[d.Config] = true
	}
	layers, err := img.Layers()
	if err != nil {
		return d, err
	}
	for _, l := range layers {
		member, err := layerMember(l)
		if err != nil {
			return d, err
		}
		d.Layers = append(d.Layers, member)
		if written[member] {
			continue
		}
		size, err := l.Size()
		if err != nil {
			return d, err
		}
		err = writeMember(tw, member, size, func(w io.Writer) error {
			rc, err := l.Compressed()
			if err != nil {
				return err
			}
			defer rc.Close()
			_, err = io.Copy(w, rc)
			return err
		})
		if err != nil {
			return d, fmt.Errorf("layer %s: %w", member, err)
		}
		written[member] = true
	}
	return d, nil
}

// layerMember is the archive member of layer l: its digest's hex with the
// extension of its compression, as docker save names them.
func layerMember(l v1.Layer) (string, error) {
	dg, err := l.Digest()
	if err != nil {
		return "", err
	}
	mt, err := l.MediaType()
	if err != nil {
		return "", err
	}
	switch mt {
	case types.DockerLayer, types.OCILayer, types.DockerForeignLayer, types.OCIRestrictedLayer:
		return dg.Hex + ".tar.gz", nil
	case types.OCILayerZStd:
		return dg.Hex + ".tar.zst", nil
	}
	return dg.Hex + ".tar", nil
}

// writeMember writes a regular member of size bytes that write fills,
// root-owned at the epoch.
func writeMember(tw *tar.Writer, name string, size int64, write func(io.Writer) error) error {
	h := &tar.Header{Name: name, Mode: 0o644, Size: size, Typeflag: tar.TypeReg, ModTime: epoch(), Format: tar.FormatUSTAR}
	if err := tw.WriteHeader(h); err != nil {
		return err
	}
	return write(tw)
}
