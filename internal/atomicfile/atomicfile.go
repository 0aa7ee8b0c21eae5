// Package atomicfile writes local files atomically: a temporary file in the
// same directory, created with its final mode (never wider for an instant),
// written, synced, then renamed over the target, so a reader never sees a
// half-written file, another user never opens a private one, and a crash
// leaves the old content.
package atomicfile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// OpenFunc opens a file as os.OpenFile does.
type OpenFunc func(name string, flag int, perm fs.FileMode) (*os.File, error)

// WriteFile atomically replaces path with data and mode, creating parent
// directories (0700 when mode is private, 0755 otherwise).
func WriteFile(path string, data []byte, mode fs.FileMode) error {
	return WriteFileWith(os.OpenFile, path, data, mode)
}

// WriteFileWith is WriteFile creating the temporary file with open; tests
// pass an open that records the mode a file has when it is created.
func WriteFileWith(open OpenFunc, path string, data []byte, mode fs.FileMode) error {
	if err := write(open, path, data, mode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// write does WriteFileWith's work; its errors are wrapped by the caller.
func write(open OpenFunc, path string, data []byte, mode fs.FileMode) error {
	dir := filepath.Dir(path)
	dirMode := fs.FileMode(0o755)
	if mode&0o077 == 0 {
		dirMode = 0o700
	}
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return err
	}
	tmp, err := CreateTemp(open, path, mode)
	if err != nil {
		return err
	}
	name := tmp.Name()
	defer os.Remove(name) // no-op after a successful rename
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(name, path)
}

// CreateTemp creates a new file beside path, named .BASE.tmp-XXXXXXXX,
// with mode from the start: the process umask can only narrow the mode
// open creates, and a chmod on the open file then sets it exactly.
func CreateTemp(open OpenFunc, path string, mode fs.FileMode) (*os.File, error) {
	for range 10 {
		name := tempName(path)
		f, err := open(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode.Perm())
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := f.Chmod(mode); err != nil {
			f.Close()
			os.Remove(name)
			return nil, err
		}
		return f, nil
	}
	return nil, fmt.Errorf("no free temporary name beside %s: remove its .tmp-* files", path)
}

// tempName returns a random hidden name beside path.
func tempName(path string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-"+hex.EncodeToString(b[:]))
}
