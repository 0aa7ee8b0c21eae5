package spec

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"kubeup.dev/kubeup/internal/versions"
)

// Severity says whether a Problem makes the spec unusable.
type Severity string

// The severities of a Problem.
const (
	// SeverityError makes the spec invalid: kubeup refuses to use it.
	SeverityError Severity = "error"
	// SeverityWarning is allowed but probably not what the user wants.
	SeverityWarning Severity = "warning"
)

// Problem is one thing wrong with a spec.
type Problem struct {
	// Path is the field path, such as spec.hosts[1].address; empty for the
	// document as a whole.
	Path string
	// Message says what is wrong and, when known, how to fix it.
	Message  string
	Severity Severity
}

// String formats the problem as "error: PATH: MESSAGE".
func (p Problem) String() string { return string(p.Severity) + ": " + p.text() }

// text is "PATH: MESSAGE", or the message alone when there is no path.
func (p Problem) text() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// Problems is every problem found in a spec, in the order of the document.
type Problems []Problem

// Errors returns the problems of severity error.
func (ps Problems) Errors() Problems { return ps.filter(SeverityError) }

// Warnings returns the problems of severity warning.
func (ps Problems) Warnings() Problems { return ps.filter(SeverityWarning) }

// HasErrors reports whether any problem is an error.
func (ps Problems) HasErrors() bool { return len(ps.Errors()) > 0 }

// Err joins the errors (not the warnings) into one error, or returns nil.
func (ps Problems) Err() error {
	var errs []error
	for _, p := range ps.Errors() {
		errs = append(errs, errors.New(p.text()))
	}
	return errors.Join(errs...)
}

func (ps Problems) filter(s Severity) Problems {
	var out Problems
	for _, p := range ps {
		if p.Severity == s {
			out = append(out, p)
		}
	}
	return out
}

// Options are what validation needs from outside the spec.
type Options struct {
	// StatFile reports whether a local file exists (os.Stat's error, for
	// example). Nil skips every file existence check.
	StatFile func(path string) error
	// HomeDir replaces a leading "~" in file paths.
	HomeDir string
	// BaseDir is where relative file paths start (the spec's directory);
	// empty leaves them relative to the working directory.
	BaseDir string
}

// OSOptions returns Options that check the real filesystem, with paths
// relative to the directory of the spec at specPath.
func OSOptions(specPath string) Options {
	home, _ := os.UserHomeDir()
	return Options{
		StatFile: func(p string) error { _, err := os.Stat(p); return err },
		HomeDir:  home,
		BaseDir:  filepath.Dir(specPath),
	}
}

// ExpandPath resolves a file path from the spec: a leading "~/" becomes
// home, and a relative path is joined to base (when base is not empty).
func ExpandPath(p, home, base string) string {
	switch {
	case p == "~":
		return home
	case strings.HasPrefix(p, "~/"):
		return filepath.Join(home, p[2:])
	case filepath.IsAbs(p) || base == "":
		return p
	}
	return filepath.Join(base, p)
}

// Validate checks a defaulted spec (see SetDefaults) and returns every
// problem at once; the spec is valid when the result has no errors.
func Validate(c *Cluster, opts Options) Problems {
	v := &validator{opts: opts, files: map[string]bool{}}
	v.header(c)
	v.version("spec.kubernetesVersion", c.Spec.KubernetesVersion)
	v.hosts(&c.Spec)
	v.etcd(&c.Spec)
	v.network(&c.Spec)
	v.controlPlane(&c.Spec)
	v.kubelet(&c.Spec)
	v.pki(&c.Spec)
	v.artifacts(&c.Spec)
	v.sandbox(&c.Spec)
	return v.ps
}

// validator collects problems for one Validate call.
type validator struct {
	opts Options
	ps   Problems
	// files are the file paths checked so far: a file that several hosts
	// share is reported once, at its first use.
	files map[string]bool
}

func (v *validator) errorf(path, format string, args ...any) {
	v.ps = append(v.ps, Problem{Path: path, Message: fmt.Sprintf(format, args...), Severity: SeverityError})
}

func (v *validator) warnf(path, format string, args ...any) {
	v.ps = append(v.ps, Problem{Path: path, Message: fmt.Sprintf(format, args...), Severity: SeverityWarning})
}

// header checks apiVersion, kind and metadata.
func (v *validator) header(c *Cluster) {
	if c.APIVersion != APIVersion {
		v.errorf("apiVersion", "%q is not supported: use %s", c.APIVersion, APIVersion)
	}
	if c.Kind != Kind {
		v.errorf("kind", "%q is not supported: use %s", c.Kind, Kind)
	}
	if c.Metadata.Name == "" {
		v.errorf("metadata.name", "the cluster needs a name, such as demo")
		return
	}
	v.dnsLabel("metadata.name", c.Metadata.Name)
}

// version checks a Kubernetes version's syntax and the supported range.
func (v *validator) version(path, k string) {
	if k == "" {
		v.errorf(path, "the Kubernetes version is required, such as %s", DefaultKubernetesVersion)
		return
	}
	minor, err := versions.Minor(k)
	if err != nil {
		v.errorf(path, "%v", err)
		return
	}
	if minor < versions.MinMinor || minor > versions.MaxMinor {
		v.errorf(path, "Kubernetes %s is not supported: use v1.%d to v1.%d", k, versions.MinMinor, versions.MaxMinor)
	}
}

// file checks that a local file named in the spec exists; fix says how to
// make it exist. A path already checked is not reported again.
func (v *validator) file(path, p, what, fix string) {
	if p == "" {
		v.errorf(path, "the %s path is required", what)
		return
	}
	if v.files[p] {
		return
	}
	v.files[p] = true
	if strings.HasPrefix(p, "~") && p != "~" && !strings.HasPrefix(p, "~/") {
		v.errorf(path, "%q: ~user paths are not supported: write the full path", p)
		return
	}
	if strings.HasPrefix(p, "~") && v.opts.HomeDir == "" {
		v.errorf(path, "%q: the home directory is unknown: set HOME or write an absolute path", p)
		return
	}
	if v.opts.StatFile == nil {
		return
	}
	full := ExpandPath(p, v.opts.HomeDir, v.opts.BaseDir)
	if err := v.opts.StatFile(full); errors.Is(err, os.ErrNotExist) {
		v.errorf(path, "%s %s does not exist: %s", what, full, fix)
	} else if err != nil {
		v.errorf(path, "%s %s cannot be read: %v", what, full, err)
	}
}

// pathField joins a parent path and a field name.
func pathField(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// pathIndex appends a list index to a path.
func pathIndex(parent string, i int) string { return fmt.Sprintf("%s[%d]", parent, i) }

// pathKey appends a map key to a path.
func pathKey(parent, k string) string { return fmt.Sprintf("%s[%s]", parent, k) }
