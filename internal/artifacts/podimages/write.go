package podimages

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"syscall"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"kubeup.dev/kubeup/internal/artifacts/images"
)

// schema changes whenever Write makes other bytes of the same Archive and
// binaries, so that Key changes with it.
const schema = "podimages/2"

// Write makes a's images for arch from the binaries that file returns
// (binary artifact name -> file on disk) and writes them into one
// docker-archive at path, atomically. A layer whose entries come from the
// same files as another's (hard links are the same file) is made and
// hashed once; the archive stores every layer once. The same files give
// the same archive, byte for byte.
func Write(path, arch string, a Archive, file func(binary string) string) error {
	layers := map[string]v1.Layer{}
	imgs := map[string]v1.Image{}
	for _, img := range a.Images {
		var ls []v1.Layer
		for _, files := range img.Layers {
			l, err := layer(files, file, layers)
			if err != nil {
				return fmt.Errorf("image %s: %w", img.Ref, err)
			}
			ls = append(ls, l)
		}
		out, err := images.Assemble(images.Spec{Ref: img.Ref, Entrypoint: img.Entrypoint, Env: img.Env, Arch: arch}, ls...)
		if err != nil {
			return err
		}
		imgs[img.Ref] = out
	}
	return images.WriteMultiArchive(path, imgs)
}

// layer returns the layer of files, from made when a layer of the same
// entries and files was made before.
func layer(files []File, file func(string) string, made map[string]v1.Layer) (v1.Layer, error) {
	type keyed struct {
		Path, Link, File string
	}
	es := make([]images.Entry, len(files))
	ks := make([]keyed, len(files))
	for i, f := range files {
		es[i] = images.Entry{Path: f.Path, Link: f.Link}
		ks[i] = keyed{Path: f.Path, Link: f.Link}
		if f.Binary != "" {
			src := file(f.Binary)
			if src == "" {
				return nil, fmt.Errorf("%s: no file for binary %s: build or fetch it first", f.Path, f.Binary)
			}
			es[i].Source, ks[i].File = src, fileID(src)
		}
	}
	k, err := json.Marshal(ks)
	if err != nil {
		return nil, err
	}
	if l, ok := made[string(k)]; ok {
		return l, nil
	}
	l, err := images.Layer(es)
	if err != nil {
		return nil, err
	}
	made[string(k)] = l
	return l, nil
}

// fileID identifies the file at path: its device and inode, so that hard
// links of one file are the same; path itself when those are unknown.
func fileID(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return path
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fmt.Sprintf("%d:%d", st.Dev, st.Ino)
	}
	return path
}

// Key identifies what Write makes of a for arch from binaries of these
// sha256s (binary artifact name -> hex sha256): equal keys, equal
// archives. It fails when a binary of a has no sha256 in sums.
func Key(a Archive, arch string, sums map[string]string) (string, error) {
	used := map[string]string{}
	for _, b := range a.Binaries() {
		s, ok := sums[b]
		if !ok {
			return "", fmt.Errorf("image archive %s: binary %s is missing: build or fetch it first", a.Name, b)
		}
		used[b] = s
	}
	j, err := json.Marshal(struct {
		Schema, Arch string
		Archive      Archive
		Binaries     map[string]string
	}{schema, arch, a, used})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(j)
	return hex.EncodeToString(sum[:]), nil
}
