package spec

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
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
	// StatFile describes a local file named in the spec (os.Stat, for
	// example). Nil skips every file check.
	StatFile func(path string) (fs.FileInfo, error)
	// ReadFile returns the content of a small local file named in the spec
	// (SSH keys, certificates). Nil skips the checks of what files hold.
	ReadFile func(path string) ([]byte, error)
	// HomeDir replaces a leading "~" in file paths.
	HomeDir string
	// BaseDir is where relative file paths start (the spec's directory);
	// empty leaves them relative to the working directory.
	BaseDir string
}

// maxReadFile is the most bytes OSOptions reads of a key or certificate.
const maxReadFile = 1 << 20

// OSOptions returns Options that check the real filesystem, with paths
// relative to the directory of the spec at specPath.
func OSOptions(specPath string) Options {
	home, _ := os.UserHomeDir()
	return Options{
		StatFile: os.Stat,
		ReadFile: func(p string) ([]byte, error) { return readSmallFile(p, maxReadFile) },
		HomeDir:  home,
		BaseDir:  filepath.Dir(specPath),
	}
}

// readSmallFile reads at most limit bytes of the file at p; a longer file
// is an error, as no key or certificate is that long.
func readSmallFile(p string, limit int64) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("larger than %d KiB, too large for a key or certificate", limit>>10)
	}
	return b, nil
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
	v.text(c)
	v.header(c)
	v.version("spec.kubernetesVersion", c.Spec.KubernetesVersion)
	v.hosts(&c.Spec)
	v.etcd(&c.Spec)
	v.network(&c.Spec)
	v.controlPlane(&c.Spec)
	v.kubelet(&c.Spec)
	v.upgrade(&c.Spec)
	v.controlPlaneMode(&c.Spec)
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

// errorf adds an error at path. String and Role arguments are values
// from the spec and are clipped (see clipArgs); pass text kubeup wrote as
// a message.
func (v *validator) errorf(path, format string, args ...any) {
	v.ps = append(v.ps, Problem{Path: path, Message: fmt.Sprintf(format, clipArgs(args)...), Severity: SeverityError})
}

// warnf adds a warning at path; its arguments are clipped as errorf's.
func (v *validator) warnf(path, format string, args ...any) {
	v.ps = append(v.ps, Problem{Path: path, Message: fmt.Sprintf(format, clipArgs(args)...), Severity: SeverityWarning})
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

// version checks a Kubernetes version's syntax and that kubeup knows its
// minor; whether it may be deployed today is versions.CheckTarget's
// question, asked by the commands that deploy it.
func (v *validator) version(path, k string) {
	if k == "" {
		v.errorf(path, "the Kubernetes version is required, such as %s", versions.Default())
		return
	}
	if _, err := versions.For(clip(k)); err != nil {
		v.errorf(path, "%v", err)
	}
}

// pathField joins a parent path and a field name (clipped: see clip).
func pathField(parent, name string) string {
	if parent == "" {
		return clip(name)
	}
	return parent + "." + clip(name)
}

// pathIndex appends a list index to a path.
func pathIndex(parent string, i int) string { return fmt.Sprintf("%s[%d]", parent, i) }

// pathKey appends a map key (clipped: see clip) to a path.
func pathKey(parent, k string) string { return fmt.Sprintf("%s[%s]", parent, clip(k)) }
