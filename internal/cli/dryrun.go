package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/pki"
	"kubeup.dev/kubeup/internal/state"
)

// scratch is where a dry run keeps what it would write into the state
// directory: a temporary copy of the secrets, the PKI and known_hosts, so
// that the run can create and re-issue in the copy and leave the state
// directory (or its absence) as it was. Close removes it.
type scratch struct {
	dir string // the temporary copy
}

// stateFiles are the state directory's entries a dry run reads.
var stateFiles = []string{"secrets.yaml", "pki", "known_hosts"}

func newScratch(stateDir string) (*scratch, error) {
	tmp, err := os.MkdirTemp("", "kubeup-dry-run-")
	if err != nil {
		return nil, fmt.Errorf("dry run: %w", err)
	}
	s := &scratch{dir: tmp}
	for _, name := range stateFiles {
		if err := copyEntry(filepath.Join(stateDir, name), filepath.Join(tmp, name)); err != nil {
			s.Close()
			return nil, fmt.Errorf("dry run: copy the state: %w", err)
		}
	}
	return s, nil
}

// Close removes the copy.
func (s *scratch) Close() error { return os.RemoveAll(s.dir) }

// copyEntry copies a file or directory tree; a missing src is no error.
func copyEntry(src, dst string) error {
	fi, err := os.Stat(src)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case fi.IsDir():
		return os.CopyFS(dst, os.DirFS(src))
	}
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o600)
}

// stateNotes say what a dry run would have created or re-issued in the
// state directory dir: the secrets when they do not exist yet, and every
// certificate and key that is missing or stale (changes, from planning in
// the scratch copy).
func stateNotes(dir string, changes []pki.Change) []string {
	var out []string
	if _, err := os.Stat(filepath.Join(dir, "secrets.yaml")); errors.Is(err, fs.ErrNotExist) {
		out = append(out, fmt.Sprintf("would create %s (the key that encrypts Secrets at rest)", filepath.Join(dir, "secrets.yaml")))
	}
	var created []string
	for _, ch := range changes {
		switch ch.Action {
		case pki.Created:
			created = append(created, ch.Name)
		case pki.Reissued:
			out = append(out, fmt.Sprintf("would re-issue %s in %s: %s", ch.Name, state.PKIDir(dir), ch.Reason))
		}
	}
	if len(created) > 0 {
		out = append(out, fmt.Sprintf("would create %d certificates and keys in %s: %s", len(created), state.PKIDir(dir), strings.Join(created, ", ")))
	}
	return out
}

// reportDryRun emits what a dry run would do locally as report events
// (text output prints them on stdout, -o json as events).
func reportDryRun(sink phase.Sink, notes []string) {
	for _, n := range notes {
		sink.Event(phase.Event{Time: time.Now(), Kind: phase.KindReport, Message: "dry run: " + n, DryRun: true})
	}
}
