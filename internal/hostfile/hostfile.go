// Package hostfile describes a file kubeup places on a host: its absolute
// path, mode and content.
package hostfile

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"sort"
)

// File is one file destined for a host.
type File struct {
	Path    string      // absolute path on the host
	Mode    fs.FileMode // permission bits; secrets are 0600
	Content []byte
	// Plain marks a root-only file whose content holds no secret (a unit,
	// a configuration or a certificate that CIS asks to be 0600): its
	// changes and checksum may be shown although its mode is 0600.
	Plain bool
	// Readers are the components (catalog names) that read the file:
	// a change restarts exactly them.
	Readers []string
}

// SHA256 returns the hex sha256 of the content.
func (f File) SHA256() string {
	s := sha256.Sum256(f.Content)
	return hex.EncodeToString(s[:])
}

// Secret reports whether the file must never be printed: mode 0600 or
// tighter, unless it is marked Plain.
func (f File) Secret() bool { return f.Mode&0o077 == 0 && !f.Plain }

// Sort orders files by path so that output is deterministic.
func Sort(files []File) {
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
}
