package testimages

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"kubeup.dev/kubeup/internal/artifacts/images"
)

// Archive is one docker-archive holding every image made for a plan.
type Archive struct {
	Path    string   // CACHE/.../images-HASH.tar
	Made    []string // references in it
	NotMade []Wanted // images of the list without a recipe
}

// WriteArchive makes the images of plan from src into dir (one archive,
// named after a hash of the plan and its sources, so an unchanged plan is
// not made again) and returns it.
func WriteArchive(plan []Wanted, src Sources, arch, dir string) (Archive, error) {
	a := Archive{}
	var made []Wanted
	for _, w := range plan {
		if w.Recipe == nil {
			a.NotMade = append(a.NotMade, w)
			continue
		}
		made = append(made, w)
		a.Made = append(a.Made, w.Ref)
	}
	hash, err := planHash(made, src)
	if err != nil {
		return a, err
	}
	a.Path = filepath.Join(dir, "images-"+hash+".tar")
	if _, err := os.Stat(a.Path); err == nil {
		return a, nil
	}
	imgs, err := buildAll(made, src, arch)
	if err != nil {
		return a, err
	}
	return a, images.WriteMultiArchive(a.Path, imgs)
}

// buildAll builds every wanted image; the Debian and busybox layers are
// made once and shared.
func buildAll(made []Wanted, src Sources, arch string) (map[string]v1.Image, error) {
	debian, err := tarball.LayerFromFile(filepath.Join(src.Base, baseLayer))
	if err != nil {
		return nil, fmt.Errorf("the Debian base layer: %w", err)
	}
	bb, err := src.busyboxEntries()
	if err != nil {
		return nil, err
	}
	busybox, err := images.Layer(bb)
	if err != nil {
		return nil, err
	}
	bases := map[Base]v1.Layer{Debian: debian, Busybox: busybox}
	out := map[string]v1.Image{}
	for _, w := range made {
		img, err := buildImage(*w.Recipe, bases[w.Recipe.Base], src, arch)
		if err != nil {
			return nil, fmt.Errorf("image %s: %w", w.Ref, err)
		}
		out[w.Ref] = img
	}
	return out, nil
}

// buildImage is r's image: its base layer, a layer of its own files, its config.
func buildImage(r Recipe, base v1.Layer, src Sources, arch string) (v1.Image, error) {
	var layers []v1.Layer
	if base != nil {
		layers = append(layers, base)
	}
	if len(r.Files) > 0 {
		es := make([]images.Entry, 0, len(r.Files))
		for _, f := range r.Files {
			e, err := src.resolve(f)
			if err != nil {
				return nil, err
			}
			es = append(es, e)
		}
		l, err := images.Layer(es)
		if err != nil {
			return nil, err
		}
		layers = append(layers, l)
	}
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		return nil, err
	}
	env := r.Env
	if env == nil {
		env = []string{images.UnixPath}
	}
	return images.Configure(img, images.Spec{Ref: r.Repository, Entrypoint: r.Entrypoint, Cmd: r.Cmd, Env: env,
		User: r.User, WorkDir: r.WorkDir, Ports: r.Ports, Arch: arch})
}

// planHash identifies the archive of made: the recipes, the references
// and each source file's size and modification time.
func planHash(made []Wanted, src Sources) (string, error) {
	type fileStamp struct {
		Path  string
		Size  int64
		MTime int64
	}
	var stamps []fileStamp
	paths := []string{filepath.Join(src.Base, baseLayer), filepath.Join(src.Base, baseBusybox)}
	for _, w := range made {
		for _, f := range w.Recipe.Files {
			if e, err := src.resolve(f); err == nil && e.Source != "" {
				paths = append(paths, e.Source)
			}
		}
	}
	sort.Strings(paths)
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return "", fmt.Errorf("test image source: %w", err)
		}
		stamps = append(stamps, fileStamp{p, fi.Size(), fi.ModTime().UnixNano()})
	}
	j, err := json.Marshal(struct {
		Schema string
		Made   []Wanted
		Files  []fileStamp
	}{"testimages/1", made, stamps})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(j)
	return hex.EncodeToString(sum[:])[:16], nil
}
