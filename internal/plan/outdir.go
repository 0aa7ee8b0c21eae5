package plan

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ManifestName is the file that lists a plan's files, at the top of the
// plan directory.
const ManifestName = "manifest.json"

// maxNamed is how many foreign entries a NotPlanDirError names.
const maxNamed = 5

// NotPlanDirError is an output directory that holds something kubeup plan
// did not write there: plan refuses to replace it.
type NotPlanDirError struct {
	Dir string
	// Reason says why, such as "it holds notes.txt that kubeup plan did
	// not write".
	Reason string
}

func (e *NotPlanDirError) Error() string {
	return fmt.Sprintf("plan output %s: %s; nothing was changed: pass --out an empty or new directory, or one an earlier kubeup plan wrote", e.Dir, e.Reason)
}

// CheckDir reports, as a *NotPlanDirError, an output directory that plan
// must not replace: anything but a missing or empty directory or one that
// holds exactly what an earlier plan wrote (its manifest.json and the
// files it lists). It changes nothing.
func CheckDir(dir string) error {
	_, err := previousPlan(dir)
	return err
}

// previousPlan returns the files of the plan in dir, relative to dir (nil
// when dir is missing or empty), or a *NotPlanDirError.
func previousPlan(dir string) ([]string, error) {
	refuse := func(format string, args ...any) error {
		return &NotPlanDirError{Dir: dir, Reason: fmt.Sprintf(format, args...)}
	}
	st, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("plan output %s: %w", dir, err)
	case st.Mode()&fs.ModeSymlink != 0:
		return nil, refuse("it is a symbolic link")
	case !st.IsDir():
		return nil, refuse("it is a file, not a directory")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("plan output %s: %w", dir, err)
	}
	if len(entries) == 0 {
		return nil, nil
	}
	files, err := manifestFiles(filepath.Join(dir, ManifestName))
	if err != nil {
		return nil, refuse("%v", err)
	}
	if foreign := foreignEntries(dir, files); len(foreign) > 0 {
		return nil, refuse("it holds %s that kubeup plan did not write", nameSome(foreign))
	}
	return files, nil
}

// manifestFiles reads a plan manifest and returns the files it lists,
// relative to the plan directory, manifest.json included.
func manifestFiles(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errors.New("it is not empty and holds no manifest.json, so no kubeup plan wrote it")
	} else if err != nil {
		return nil, err
	}
	var entries []Entry
	if err := json.Unmarshal(b, &entries); err != nil {
		return nil, fmt.Errorf("its manifest.json is not a kubeup plan manifest (%v)", err)
	}
	files := []string{ManifestName}
	for _, e := range entries {
		rel := filepath.Join(e.Host, filepath.FromSlash(e.Path))
		if e.Host == "" || !filepath.IsLocal(rel) {
			return nil, fmt.Errorf("its manifest.json lists %q on host %q, which is no plan file", e.Path, e.Host)
		}
		files = append(files, rel)
	}
	return files, nil
}

// foreignEntries returns the paths below dir, relative to it, that are
// neither a listed file (a regular file) nor a directory on the way to
// one, in walk order.
func foreignEntries(dir string, files []string) []string {
	listed, parents := map[string]bool{}, map[string]bool{}
	for _, f := range files {
		listed[f] = true
		for p := filepath.Dir(f); p != "."; p = filepath.Dir(p) {
			parents[p] = true
		}
	}
	var foreign []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(dir, p)
		switch {
		case rel == ".":
			return err
		case err != nil:
			foreign = append(foreign, rel)
		case d.IsDir() && parents[rel]:
		case d.IsDir():
			foreign = append(foreign, rel+"/")
			return fs.SkipDir
		case !listed[rel] || !d.Type().IsRegular():
			foreign = append(foreign, rel)
		}
		return nil
	})
	return foreign
}

// nameSome names up to maxNamed paths and counts the rest.
func nameSome(paths []string) string {
	shown := paths[:min(len(paths), maxNamed)]
	s := strings.Join(shown, ", ")
	if n := len(paths) - len(shown); n > 0 {
		s += fmt.Sprintf(" and %d more", n)
	}
	return s
}

// removePlan deletes the plan in dir: the files it lists, then the
// directories they leave empty, then dir. Anything else stays, and dir
// with it, named in the error.
func removePlan(dir string, files []string) error {
	var dirs []string
	for _, f := range files {
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove the earlier plan: %w", err)
		}
		for p := filepath.Dir(f); p != "."; p = filepath.Dir(p) {
			dirs = append(dirs, p)
		}
	}
	// Deepest first, so that each directory is empty when its turn comes.
	slices.SortFunc(dirs, func(a, b string) int {
		if d := strings.Count(b, string(filepath.Separator)) - strings.Count(a, string(filepath.Separator)); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	for _, d := range slices.Compact(dirs) {
		_ = os.Remove(filepath.Join(dir, d)) // fails, harmlessly, on one that holds something else
	}
	if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("the earlier plan moved to %s holds files kubeup plan did not write: look at them, then remove it: %w", dir, err)
	}
	return nil
}
