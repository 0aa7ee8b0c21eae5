package build

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	buildsrc "kubeup.dev/kubeup/build"
	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/artifacts/podimages"
)

// recipeSchema changes whenever the way a recipe becomes a build changes
// in this package's code (wrapper generation, flags, image layout), so
// that every cached component is rebuilt once.
const recipeSchema = "kubeup-build/1"

// recipeFile is the name of a component's record in its directory.
const recipeFile = "recipe.json"

// record is recipe.json: what was built, from what, and its outputs.
type record struct {
	Hash      string              `json:"hash"`
	Recipe    recipe              `json:"recipe"`
	GoVersion string              `json:"goVersion"`
	BuiltAt   string              `json:"builtAt"`
	Seconds   float64             `json:"seconds"`
	Artifacts []manifest.Artifact `json:"artifacts"`
}

// hash is the recipe hash of r: the recipe, the embedded sources it uses,
// the Go version and the schema. An images recipe's takes the sha256 of
// its binaries in place of sources; it is "" (never current) while a
// component that builds one of them is not current.
func (b *builder) hash(r recipe) (string, error) {
	if r.Kind == kindImages {
		in, err := b.imageInputs(r)
		if err != nil || in.files == nil {
			return "", err
		}
		key, err := podimages.Key(*r.Archive, r.Arch, in.sums)
		if err != nil {
			return "", err
		}
		return recipeHash(r, b.goVersion, key)
	}
	src, err := sourcesHash(buildsrc.Sources(), sourceDir(r))
	if err != nil {
		return "", fmt.Errorf("hash the sources of %s: %w", r.Name, err)
	}
	return recipeHash(r, b.goVersion, src)
}

// recipeHash hashes the recipe with the Go version and sources hash.
func recipeHash(r recipe, goVersion, sources string) (string, error) {
	j, err := json.Marshal(struct {
		Schema, Go, Sources string
		Recipe              recipe
	}{recipeSchema, goVersion, sources, r})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(j)
	return hex.EncodeToString(sum[:]), nil
}

// sourceDir is the directory of the embedded sources r is built from, or
// "" when it uses none.
func sourceDir(r recipe) string {
	switch r.Kind {
	case kindLocal:
		return r.Source
	case kindKubernetes:
		return "templates/kubernetes"
	}
	return ""
}

// sourcesHash hashes every file's path and content under dir in fsys.
func sourcesHash(fsys fs.FS, dir string) (string, error) {
	h := sha256.New()
	if dir == "" {
		return hex.EncodeToString(h.Sum(nil)), nil
	}
	err := fs.WalkDir(fsys, dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %d\n", path, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// cached returns the artifacts recorded in dir when the record's hash is
// hash and every file is there with its recorded size.
func cached(dir, hash string) ([]manifest.Artifact, bool) {
	rec, err := readRecord(dir)
	if err != nil || hash == "" || rec.Hash != hash || len(rec.Artifacts) == 0 {
		return nil, false
	}
	for _, a := range rec.Artifacts {
		fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(a.Path)))
		if err != nil || !fi.Mode().IsRegular() || fi.Size() != a.Size {
			return nil, false
		}
	}
	return rec.Artifacts, true
}

// inputs are the binaries an images recipe is made of: binary name ->
// file in its component's directory, and -> sha256.
type inputs struct {
	files, sums map[string]string
}

// imageInputs finds the binaries of images recipe r in the cached builds
// of the components that make them. Both maps are nil when one of those
// components is not built or not current (its binaries are about to
// change).
func (b *builder) imageInputs(r recipe) (inputs, error) {
	rs, err := recipes(b.set, r.Arch)
	if err != nil {
		return inputs{}, err
	}
	owner := map[string]recipe{}
	for _, o := range rs {
		for _, bin := range o.Binaries {
			for _, name := range append([]string{bin.Name}, bin.Aliases...) {
				owner[name] = o
			}
		}
	}
	in := inputs{files: map[string]string{}, sums: map[string]string{}}
	for _, name := range r.Archive.Binaries() {
		o, ok := owner[name]
		if !ok {
			return inputs{}, fmt.Errorf("image archive %s: no component builds binary %s", r.Name, name)
		}
		h, err := b.hash(o)
		if err != nil {
			return inputs{}, err
		}
		dir := b.layout.Component(o.Name, o.Version, o.Arch)
		arts, ok := cached(dir, h)
		if !ok {
			return inputs{}, nil
		}
		for _, a := range arts {
			if a.Kind == manifest.KindBinary && a.Name == name {
				in.files[name], in.sums[name] = filepath.Join(dir, filepath.FromSlash(a.Path)), a.SHA256
			}
		}
		if _, ok := in.files[name]; !ok {
			return inputs{}, fmt.Errorf("image archive %s: the build of %s %s lacks binary %s: rebuild it with --force", r.Name, o.Name, o.Version, name)
		}
	}
	return in, nil
}

// readRecord reads dir/recipe.json.
func readRecord(dir string) (record, error) {
	var rec record
	b, err := os.ReadFile(filepath.Join(dir, recipeFile))
	if err != nil {
		return rec, err
	}
	err = json.Unmarshal(b, &rec)
	return rec, err
}

// fileSum is a file's sha256 (hex) and size.
type fileSum struct {
	sha256 string
	size   int64
}

// hasher hashes files, reading each inode once: the multi-call binary's
// names are hard links of one file.
type hasher map[uint64]fileSum

// file returns path's sha256 and size.
func (h hasher) file(path string) (fileSum, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileSum{}, err
	}
	ino := inode(fi)
	if s, ok := h[ino]; ok && ino != 0 {
		return s, nil
	}
	sum, n, err := manifest.HashFile(path)
	if err != nil {
		return fileSum{}, fmt.Errorf("hash %s: %w", path, err)
	}
	h[ino] = fileSum{sum, n}
	return h[ino], nil
}

// inode is fi's inode number, or 0 when unknown.
func inode(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ino
	}
	return 0
}
