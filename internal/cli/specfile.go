package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"kubeup.dev/kubeup/internal/spec"
	"kubeup.dev/kubeup/internal/versions"
)

// specError is a spec file with problems, each with its field path.
type specError struct {
	path     string
	problems spec.Problems
}

func (e *specError) Error() string {
	errs := e.problems.Errors()
	if len(errs) == 1 {
		return fmt.Sprintf("%s: %s", e.path, strings.TrimPrefix(errs[0].String(), "error: "))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s has %d errors (kubeup validate -f %s lists them too):", e.path, len(errs), e.path)
	for _, p := range errs {
		b.WriteString("\n  " + strings.TrimPrefix(p.String(), "error: "))
	}
	return b.String()
}

// loadSpec reads the spec at path strictly (unknown fields are errors),
// applies the defaults and makes relative file paths start at the spec's
// directory (see resolvePaths); it does not validate. Every problem is an
// *ExitError: ExitUsage without a path, ExitInvalid otherwise (wrapping a
// *specError when fields are at fault).
func loadSpec(path string) (*spec.Cluster, error) {
	if path == "" {
		return nil, &ExitError{Code: ExitUsage, Err: errors.New("no spec file: pass -f cluster.yaml (kubeup init -f cluster.yaml writes an example)")}
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &ExitError{Code: ExitInvalid, Err: fmt.Errorf("spec %s does not exist: write one with kubeup init -f %s", path, path)}
	}
	if err != nil {
		return nil, &ExitError{Code: ExitInvalid, Err: fmt.Errorf("read spec: %w", err)}
	}
	c, err := spec.Parse(b)
	if err == nil {
		resolvePaths(c, path)
		return c, nil
	}
	if ps := spec.DecodeProblems(b); ps.HasErrors() {
		return nil, &ExitError{Code: ExitInvalid, Err: &specError{path: path, problems: ps}}
	}
	return nil, &ExitError{Code: ExitInvalid, Err: fmt.Errorf("spec %s: %w", path, err)}
}

// loadValidSpec is loadSpec followed by spec.Validate against the local
// filesystem. It writes the warnings to w, one per line, and returns the
// errors as an *ExitError{Code: ExitInvalid} wrapping a *specError.
func loadValidSpec(w io.Writer, path string) (*spec.Cluster, error) {
	c, err := loadSpec(path)
	if err != nil {
		return nil, err
	}
	ps := spec.Validate(c, spec.OSOptions(path))
	for _, p := range ps.Warnings() {
		fmt.Fprintln(w, p)
	}
	if ps.HasErrors() {
		return nil, &ExitError{Code: ExitInvalid, Err: &specError{path: path, problems: ps}}
	}
	return c, nil
}

// loadTargetSpec is loadValidSpec for the commands that deploy the spec's
// Kubernetes version (apply, plan): a version upstream no longer
// maintains is refused (ExitInvalid) and one near its end of life warned
// about, as of now.
func loadTargetSpec(w io.Writer, path string, now time.Time) (*spec.Cluster, error) {
	c, err := loadValidSpec(w, path)
	if err != nil {
		return nil, err
	}
	warn, err := versions.CheckTarget(c.Spec.KubernetesVersion, now)
	if err != nil {
		return nil, &ExitError{Code: ExitInvalid, Err: fmt.Errorf("spec %s: spec.kubernetesVersion: %w", path, err)}
	}
	if warn != "" {
		fmt.Fprintf(w, "warning: spec.kubernetesVersion: %s\n", warn)
	}
	return c, nil
}

// resolvePaths rewrites the relative local file paths of c (SSH keys and
// known_hosts, external etcd files, the bundle) to start at the directory
// of the spec file, so that every command finds the same files wherever it
// runs. Paths starting with "~" are left for the home directory.
func resolvePaths(c *spec.Cluster, specPath string) {
	dir, err := filepath.Abs(filepath.Dir(specPath))
	if err != nil {
		return
	}
	fix := func(p *string) {
		if *p != "" && !strings.HasPrefix(*p, "~") && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	for i := range c.Spec.Hosts {
		fix(&c.Spec.Hosts[i].SSH.KeyPath)
		fix(&c.Spec.Hosts[i].SSH.KnownHostsPath)
		fix(&c.Spec.Hosts[i].SSH.SudoPasswordFile)
	}
	if ext := c.Spec.Etcd.External; ext != nil {
		fix(&ext.CAFile)
		fix(&ext.CertFile)
		fix(&ext.KeyFile)
	}
	fix(&c.Spec.Artifacts.Bundle)
}
