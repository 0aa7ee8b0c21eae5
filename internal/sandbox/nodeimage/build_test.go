package nodeimage

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/sandbox/engine"
)

type fakeEngine struct {
	images   map[string]bool
	imported []string
	commits  []engine.CommitConfig
	failRun  error
}

func (f *fakeEngine) ImageExists(_ context.Context, ref string) (bool, error) {
	return f.images[ref], nil
}

func (f *fakeEngine) ImportImage(_ context.Context, r io.Reader, ref string, _ []string) error {
	b, _ := io.ReadAll(r)
	f.imported = append(f.imported, ref+"="+string(b))
	f.images[ref] = true
	return nil
}

func (f *fakeEngine) RunAndCommit(_ context.Context, cfg engine.CommitConfig, _ io.Writer) error {
	if f.failRun != nil {
		return f.failRun
	}
	f.commits = append(f.commits, cfg)
	f.images[cfg.Ref] = true
	return nil
}

// fakeRunner stands in for debootstrap and tar: debootstrap makes its
// target directory, tar writes the -f file.
type fakeRunner struct{ calls []string }

func (r *fakeRunner) run(_ context.Context, _ io.Writer, name string, args ...string) error {
	r.calls = append(r.calls, name)
	if name == "tar" {
		i := slices.Index(args, "-cf")
		return os.WriteFile(args[i+1], []byte("rootfs"), 0o644)
	}
	return nil
}

func newBuilder(t *testing.T) (*Builder, *fakeEngine, *fakeRunner) {
	eng := &fakeEngine{images: map[string]bool{}}
	run := &fakeRunner{}
	return &Builder{Engine: eng, Recipe: DefaultRecipe(), CacheDir: t.TempDir(), Run: run.run}, eng, run
}

func TestEnsureCachedImage(t *testing.T) {
	b, eng, run := newBuilder(t)
	eng.images[b.Recipe.Ref()] = true
	ref, built, err := b.Ensure(context.Background())
	if err != nil || built || ref != b.Recipe.Ref() || len(run.calls) > 0 {
		t.Errorf("Ensure = %s, %v, %v; tools run: %v", ref, built, err, run.calls)
	}
}

func TestEnsureColdBuild(t *testing.T) {
	b, eng, run := newBuilder(t)
	ref, built, err := b.Ensure(context.Background())
	if err != nil || !built {
		t.Fatalf("Ensure = %s, %v, %v", ref, built, err)
	}
	if !slices.Equal(run.calls, []string{"debootstrap", "tar"}) {
		t.Errorf("tools = %v", run.calls)
	}
	if _, err := os.Stat(filepath.Join(b.CacheDir, b.Recipe.TarballName())); err != nil {
		t.Errorf("tarball not cached: %v", err)
	}
	if len(eng.imported) != 1 || eng.imported[0] != b.Recipe.BaseRef()+"=rootfs" {
		t.Errorf("imported = %v", eng.imported)
	}
	c := eng.commits[0]
	if c.Base != b.Recipe.BaseRef() || c.Ref != ref || !strings.Contains(c.Cmd[2], "sshd_config.d/kubeup.conf") ||
		!strings.Contains(c.Cmd[2], nodeInitPath) || !slices.Contains(c.Changes, `ENTRYPOINT ["`+nodeInitPath+`"]`) {
		t.Errorf("commit = %+v", c)
	}
}

func TestEnsureFromCachedTarball(t *testing.T) {
	b, eng, run := newBuilder(t)
	if err := os.WriteFile(filepath.Join(b.CacheDir, b.Recipe.TarballName()), []byte("cached"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Ensure(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(run.calls) != 0 || len(eng.imported) != 1 || len(eng.commits) != 1 {
		t.Errorf("tools %v, imports %v, commits %d", run.calls, eng.imported, len(eng.commits))
	}
}

func TestEnsureSetupFailureNamesLog(t *testing.T) {
	b, eng, _ := newBuilder(t)
	b.LogPath = filepath.Join(b.CacheDir, "build.log")
	eng.failRun = errors.New("image setup script exited with status 1")
	_, _, err := b.Ensure(context.Background())
	if err == nil || !strings.Contains(err.Error(), "status 1") || !strings.Contains(err.Error(), b.LogPath) {
		t.Errorf("error = %v", err)
	}
}

func TestRecipeHashes(t *testing.T) {
	r := DefaultRecipe()
	shuffled := r
	shuffled.Packages = slices.Clone(r.Packages)
	slices.Reverse(shuffled.Packages)
	if shuffled.Hash() != r.Hash() {
		t.Error("package order changed the hash")
	}
	more := r
	more.Packages = append(slices.Clone(r.Packages), "vim")
	if more.BaseHash() == r.BaseHash() {
		t.Error("a new package did not change the base hash")
	}
	setup := r
	setup.Setup += "\necho changed\n"
	if setup.BaseHash() != r.BaseHash() || setup.Hash() == r.Hash() {
		t.Error("a setup change must change the image hash but not the debootstrap hash")
	}
	if !strings.HasPrefix(r.Ref(), "kubeup/node:") || len(r.Ref()) != len("kubeup/node:")+16 {
		t.Errorf("ref = %s", r.Ref())
	}
	for _, p := range []string{"systemd", "openssh-server", "openssh-sftp-server", "containerd", "runc",
		"containernetworking-plugins", "iptables", "conntrack", "util-linux", "mount", "tar"} {
		if !slices.Contains(r.Packages, p) {
			t.Errorf("recipe lacks %s", p)
		}
	}
}

func TestUnescapeMount(t *testing.T) {
	if got := unescapeMount(`/a\040b/c`); got != "/a b/c" {
		t.Errorf("unescape = %q", got)
	}
}
