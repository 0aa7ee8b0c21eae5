package build

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/format"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"text/template"
	"time"

	buildsrc "kubeup.dev/kubeup/build"
	"kubeup.dev/kubeup/internal/artifacts/images"
	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/artifacts/podimages"
	"kubeup.dev/kubeup/internal/atomicfile"
)

// build compiles r into a fresh directory that replaces dir once complete,
// and returns its artifacts (paths relative to dir).
func (b *builder) build(ctx context.Context, r recipe, hash, dir string) ([]manifest.Artifact, error) {
	start := time.Now()
	logName := b.layout.Log(r.Name, r.Version, r.Arch)
	logFile, err := createLog(logName)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	var log io.Writer = logFile
	if b.opts.Log != nil {
		log = io.MultiWriter(logFile, b.opts.Log)
	}
	g := goCmd{bin: b.opts.Go, env: b.goEnv(r), log: log}
	src := b.layout.Source(r.Name, r.Version)
	var buildDate string
	if r.Kind != kindImages {
		if buildDate, err = b.prepare(ctx, g, r, src, logName); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", filepath.Dir(dir), err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".tmp-")
	if err != nil {
		return nil, fmt.Errorf("create a build directory: %w", err)
	}
	defer os.RemoveAll(tmp) // gone after the rename below
	if err := os.Chmod(tmp, 0o755); err != nil {
		return nil, fmt.Errorf("create a build directory: %w", err)
	}
	arts, err := b.outputs(ctx, g, r, src, tmp, logName, buildDate)
	if err != nil {
		return nil, err
	}
	rec := record{Hash: hash, Recipe: r, GoVersion: b.goVersion, BuiltAt: time.Now().UTC().Format(time.RFC3339),
		Seconds: time.Since(start).Round(time.Second).Seconds(), Artifacts: arts}
	if err := writeRecord(tmp, rec); err != nil {
		return nil, err
	}
	if err := replaceDir(tmp, dir); err != nil {
		return nil, err
	}
	return arts, nil
}

// goEnv is the go command's environment for r.
func (b *builder) goEnv(r recipe) []string {
	cgo := "CGO_ENABLED=0"
	if r.CGO {
		cgo = "CGO_ENABLED=1"
	}
	return append(append([]string{}, b.env...), cgo)
}

// outputs builds r's binaries and images into tmp.
func (b *builder) outputs(ctx context.Context, g goCmd, r recipe, src, tmp, logName, buildDate string) ([]manifest.Artifact, error) {
	sums := hasher{}
	var arts []manifest.Artifact
	for _, bin := range r.Binaries {
		a, err := b.binary(ctx, g, r, bin, src, tmp, logName, buildDate, sums)
		if err != nil {
			return nil, err
		}
		arts = append(arts, a...)
	}
	for _, img := range r.Images {
		a, err := b.image(r, img, tmp, sums)
		if err != nil {
			return nil, err
		}
		arts = append(arts, a)
	}
	if r.Archive != nil {
		a, err := b.archive(r, tmp, sums)
		if err != nil {
			return nil, err
		}
		arts = append(arts, a)
	}
	return arts, nil
}

// binary builds one binary (and links its aliases) under tmp/bin.
func (b *builder) binary(ctx context.Context, g goCmd, r recipe, bin binary, src, tmp, logName, buildDate string, sums hasher) ([]manifest.Artifact, error) {
	out := filepath.Join(tmp, "bin", filepath.FromSlash(bin.Name))
	args := []string{"build", "-trimpath", "-ldflags", ldflags(r, buildDate), "-o", out, bin.Package}
	if len(r.Tags) > 0 {
		args = slices.Insert(args, 2, "-tags", strings.Join(r.Tags, ","))
	}
	if bin.Test {
		args = append([]string{"test", "-c"}, args[1:]...)
	}
	if err := g.run(ctx, src, logName, args...); err != nil {
		return nil, err
	}
	var arts []manifest.Artifact
	for _, name := range append([]string{bin.Name}, bin.Aliases...) {
		p := filepath.Join(tmp, "bin", filepath.FromSlash(name))
		if name != bin.Name {
			if err := linkOrCopy(out, p); err != nil {
				return nil, err
			}
		}
		s, err := sums.file(p)
		if err != nil {
			return nil, err
		}
		arts = append(arts, manifest.Artifact{Name: name, Kind: manifest.KindBinary, Version: r.Version, Arch: r.Arch,
			Path: "bin/" + name, SHA256: s.sha256, Size: s.size, Source: "build"})
	}
	return arts, nil
}

// ldflags is -s -w, the recipe's -X flags and, for cgo, static linking.
func ldflags(r recipe, buildDate string) string {
	flags := []string{"-s", "-w"}
	x := r.X
	if (r.Kind == kindKubernetes || r.Kind == kindKubernetesTest) && buildDate != "" {
		x = append(x, "k8s.io/component-base/version.buildDate="+buildDate, "k8s.io/client-go/pkg/version.buildDate="+buildDate)
	}
	for _, v := range x {
		flags = append(flags, "-X", v)
	}
	if r.Static {
		flags = append(flags, "-extldflags=-static")
	}
	return strings.Join(flags, " ")
}

// image writes one image archive under tmp/images.
func (b *builder) image(r recipe, img image, tmp string, sums hasher) (manifest.Artifact, error) {
	rel := manifest.ImagePath(img.Name)
	p := filepath.Join(tmp, filepath.FromSlash(rel))
	spec := images.Spec{Ref: img.Ref, Binary: filepath.Join(tmp, "bin", filepath.FromSlash(img.Binary)),
		Path: img.Path, Cmd: img.Cmd, Ports: img.Ports, Arch: r.Arch}
	if err := images.Write(p, spec); err != nil {
		return manifest.Artifact{}, err
	}
	s, err := sums.file(p)
	if err != nil {
		return manifest.Artifact{}, err
	}
	return manifest.Artifact{Name: img.Name, Kind: manifest.KindImage, Version: r.Version, Arch: r.Arch,
		Path: rel, SHA256: s.sha256, Size: s.size, Image: img.Ref, Source: "build"}, nil
}

// archive writes images recipe r's archive under tmp/images from the
// binaries of the components that build them.
func (b *builder) archive(r recipe, tmp string, sums hasher) (manifest.Artifact, error) {
	in, err := b.imageInputs(r)
	if err != nil {
		return manifest.Artifact{}, err
	}
	if in.files == nil {
		return manifest.Artifact{}, fmt.Errorf("the binaries of %v are not built: build them first", r.Archive.Binaries())
	}
	p := filepath.Join(tmp, filepath.FromSlash(manifest.ImagePath(r.Archive.Name)))
	if err := podimages.Write(p, r.Arch, *r.Archive, func(name string) string { return in.files[name] }); err != nil {
		return manifest.Artifact{}, err
	}
	s, err := sums.file(p)
	if err != nil {
		return manifest.Artifact{}, err
	}
	return r.Archive.Artifact(r.Arch, "build", s.sha256, s.size), nil
}

// prepare writes r's wrapper module into src (from scratch) and resolves
// its requirements with go mod tidy. It returns the Kubernetes build date
// (the module's commit time) for a kubernetes recipe.
func (b *builder) prepare(ctx context.Context, g goCmd, r recipe, src, logName string) (string, error) {
	files, buildDate, err := b.moduleFiles(ctx, g, r, logName)
	if err != nil {
		return "", err
	}
	if err := os.RemoveAll(src); err != nil {
		return "", fmt.Errorf("clean %s: %w", src, err)
	}
	for name, data := range files {
		if err := atomicfile.WriteFile(filepath.Join(src, name), data, 0o644); err != nil {
			return "", err
		}
	}
	if err := g.run(ctx, src, logName, "mod", "tidy"); err != nil {
		return "", fmt.Errorf("%w: check that the module proxy serves %s %s", err, r.Name, r.Version)
	}
	return buildDate, nil
}

// moduleFiles returns the files of r's wrapper module.
func (b *builder) moduleFiles(ctx context.Context, g goCmd, r recipe, logName string) (map[string][]byte, string, error) {
	switch r.Kind {
	case kindTool:
		return map[string][]byte{"go.mod": toolGoMod(r.module(), r.Require, r.tools())}, "", nil
	case kindLocal:
		files, err := localFiles(buildsrc.Sources(), r)
		return files, "", err
	case kindKubernetes, kindKubernetesTest:
		return b.kubernetesFiles(ctx, g, r, logName)
	}
	return nil, "", fmt.Errorf("unknown recipe kind %q", r.Kind)
}

// localFiles copies kubeup's own sources for r (build/cmd/NAME) and adds a
// go.mod without requirements.
func localFiles(fsys fs.FS, r recipe) (map[string][]byte, error) {
	files := map[string][]byte{"go.mod": []byte("// Generated by kubeup; do not edit.\nmodule " + r.module() + "\n\ngo 1.24\n")}
	entries, err := fs.ReadDir(fsys, r.Source)
	if err != nil {
		return nil, fmt.Errorf("embedded sources of %s: %w", r.Name, err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		data, err := fs.ReadFile(fsys, path.Join(r.Source, e.Name()))
		if err != nil {
			return nil, err
		}
		files[e.Name()] = data
	}
	return files, nil
}

// moduleInfo is part of go mod download -json's answer.
type moduleInfo struct {
	GoMod string // path of the module's go.mod in the module cache
	Dir   string // the module's directory in the module cache
	Info  string // path of its .info (Version, Time)
	Error string
}

// kubernetesFiles downloads k8s.io/kubernetes' go.mod for r.Version and
// generates the wrapper's go.mod from it, and main.go (the multi-call
// binary) or, for a test recipe, tools.go.
func (b *builder) kubernetesFiles(ctx context.Context, g goCmd, r recipe, logName string) (map[string][]byte, string, error) {
	mi, err := b.downloadKubernetes(ctx, g, r.Version, logName)
	if err != nil {
		return nil, "", err
	}
	upstream, err := os.ReadFile(mi.GoMod)
	if err != nil {
		return nil, "", fmt.Errorf("read k8s.io/kubernetes@%s go.mod: %w", r.Version, err)
	}
	gomod, err := kubernetesGoMod(r.module(), r.Version, upstream)
	if err != nil {
		return nil, "", err
	}
	files := map[string][]byte{"go.mod": gomod}
	if r.Kind == kindKubernetesTest {
		files["tools.go"], err = testTools(r, mi.Dir)
	} else {
		files["main.go"], err = kubernetesMain(buildsrc.Sources(), r.Version)
	}
	if err != nil {
		return nil, "", err
	}
	return files, commitTime(mi.Info), nil
}

// downloadKubernetes downloads k8s.io/kubernetes@version into the module
// cache and says where it is.
func (b *builder) downloadKubernetes(ctx context.Context, g goCmd, version, logName string) (moduleInfo, error) {
	out, err := g.output(ctx, os.TempDir(), logName, "mod", "download", "-json", "k8s.io/kubernetes@"+version)
	var mi moduleInfo
	if jerr := json.Unmarshal(out, &mi); jerr == nil && mi.Error != "" {
		return mi, fmt.Errorf("download k8s.io/kubernetes@%s: %s: check the version (go list -m -versions k8s.io/kubernetes) "+
			"and that the module proxy can be reached", version, mi.Error)
	}
	if err != nil {
		return mi, fmt.Errorf("%w: check the version and that the module proxy can be reached", err)
	}
	if mi.GoMod == "" {
		return mi, fmt.Errorf("download k8s.io/kubernetes@%s: the go command named no go.mod: %q", version, out)
	}
	return mi, nil
}

// kubernetesMain renders the multi-call binary's main.go for version.
func kubernetesMain(fsys fs.FS, version string) ([]byte, error) {
	var minor int
	if _, err := fmt.Sscanf(version, "v1.%d.", &minor); err != nil {
		return nil, fmt.Errorf("kubernetes version %q: %w", version, err)
	}
	t, err := template.ParseFS(fsys, "templates/kubernetes/main.go.tmpl")
	if err != nil {
		return nil, fmt.Errorf("kubernetes main template: %w", err)
	}
	var buf bytes.Buffer
	data := struct {
		Version string
		// KubeletContext: app.NewKubeletCommand takes a context from 1.34 on.
		KubeletContext bool
		// KubectlLogVerbosity: kubectl sets klog's verbosity from its
		// arguments (cmd.GetLogVerbosity) from 1.34 on.
		KubectlLogVerbosity bool
	}{version, minor >= 34, minor >= 34}
	if err := t.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("kubernetes main template: %w", err)
	}
	src, err := format.Source(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("kubernetes main template for %s: %w", version, err)
	}
	return src, nil
}

// commitTime reads Time from a module's .info file, in the form
// Kubernetes stamps as buildDate; "" when unknown.
func commitTime(infoPath string) string {
	var info struct{ Time time.Time }
	b, err := os.ReadFile(infoPath)
	if err != nil || json.Unmarshal(b, &info) != nil || info.Time.IsZero() {
		return ""
	}
	return info.Time.UTC().Format(time.RFC3339)
}

// createLog truncates (or creates) the log file at name.
func createLog(name string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return nil, fmt.Errorf("create log directory: %w", err)
	}
	f, err := os.Create(name)
	if err != nil {
		return nil, fmt.Errorf("create build log: %w", err)
	}
	return f, nil
}

// writeRecord writes dir/recipe.json.
func writeRecord(dir string, rec record) error {
	j, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, recipeFile), append(j, '\n'), 0o644)
}

// replaceDir moves the finished tmp into place as dir.
func replaceDir(tmp, dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("replace %s: %w", dir, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("replace %s: %w", dir, err)
	}
	return nil
}

// linkOrCopy makes dst the same file as src: a hard link, or a copy where
// links are not possible.
func linkOrCopy(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	os.Remove(dst)
	if os.Link(src, dst) == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, fi.Mode().Perm())
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s to %s: %w", src, dst, err)
	}
	return out.Close()
}
