package host

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"slices"
	"sync"
	"time"

	"kubeup.dev/kubeup/internal/hostfile"
)

// Fake is an in-memory Host for unit tests. Commands are answered by
// rules that match them by regular expression (the last rule added that
// matches wins), never by call order; files live in a map; every call is
// recorded. A command no rule matches fails, so tests notice unexpected
// commands.
type Fake struct {
	name string

	mu     sync.Mutex
	rules  []fakeRule
	files  map[string]FakeFile
	calls  []Call
	closed bool
}

// FakeFile is a file in a Fake's file system.
type FakeFile struct {
	Content []byte
	Mode    fs.FileMode
}

// Reply is a Fake's answer to a command.
type Reply struct {
	Stdout, Stderr string
	// Code is the exit code; non-zero makes Exec return an *ExitError.
	Code int
	// Err is returned as is, like a connection failure.
	Err error
	// Delay is waited (or until ctx is done) before replying.
	Delay time.Duration
}

type fakeRule struct {
	re *regexp.Regexp
	fn func(cmd string, stdin []byte) Reply
}

// Op names a recorded Fake call.
type Op string

// The operations a Fake records.
const (
	OpExec      Op = "exec"
	OpUpload    Op = "upload"
	OpWriteFile Op = "write"
	OpReadFile  Op = "read"
	OpSHA256    Op = "sha256"
	OpClose     Op = "close"
)

// Call is one recorded operation on a Fake.
type Call struct {
	Op   Op
	Cmd  string      // OpExec
	Path string      // file operations
	Mode fs.FileMode // OpUpload, OpWriteFile
	Data []byte      // stdin of OpExec; content of OpUpload and OpWriteFile
}

// NewFake returns a Fake host named name with no rules and no files.
func NewFake(name string) *Fake {
	return &Fake{name: name, files: map[string]FakeFile{}}
}

// On answers commands matching pattern (a regular expression) with r.
func (f *Fake) On(pattern string, r Reply) *Fake {
	return f.OnFunc(pattern, func(string, []byte) Reply { return r })
}

// OnFunc answers commands matching pattern with fn's reply.
func (f *Fake) OnFunc(pattern string, fn func(cmd string, stdin []byte) Reply) *Fake {
	re := regexp.MustCompile(pattern)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = append(f.rules, fakeRule{re: re, fn: fn})
	return f
}

// SetFile puts a file in the Fake's file system.
func (f *Fake) SetFile(path string, content []byte, mode fs.FileMode) *Fake {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files[path] = FakeFile{Content: bytes.Clone(content), Mode: mode}
	return f
}

// File returns the file at path.
func (f *Fake) File(path string) (FakeFile, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ff, ok := f.files[path]
	return ff, ok
}

// Paths returns the paths of all files, sorted.
func (f *Fake) Paths() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ps []string
	for p := range f.files {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}

// Calls returns every recorded call in order.
func (f *Fake) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// Commands returns the commands run so far, in order.
func (f *Fake) Commands() []string {
	var out []string
	for _, c := range f.Calls() {
		if c.Op == OpExec {
			out = append(out, c.Cmd)
		}
	}
	return out
}

// Changed reports whether any call changed a file.
func (f *Fake) Changed() bool {
	for _, c := range f.Calls() {
		if c.Op == OpUpload || c.Op == OpWriteFile {
			return true
		}
	}
	return false
}

// Closed reports whether Close was called.
func (f *Fake) Closed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closed
}

func (f *Fake) record(c Call) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, c)
}

// Name implements Host.
func (f *Fake) Name() string { return f.name }

// Exec implements Host.
func (f *Fake) Exec(ctx context.Context, cmd string, opts ...ExecOption) ([]byte, []byte, error) {
	c := newExecConfig(opts)
	var stdin []byte
	if c.stdin != nil {
		var err error
		if stdin, err = io.ReadAll(c.stdin); err != nil {
			return nil, nil, fmt.Errorf("fake host %s: read stdin: %w", f.name, err)
		}
	}
	f.record(Call{Op: OpExec, Cmd: cmd, Data: stdin})
	r, ok := f.match(cmd, stdin)
	if !ok {
		return nil, nil, fmt.Errorf("fake host %s: no rule matches command %q: add one with On", f.name, cmd)
	}
	if err := sleep(ctx, r.Delay); err != nil {
		return nil, nil, fmt.Errorf("exec %s: %w", describeCmd(cmdForErrors(cmd, c)), err)
	}
	return f.reply(c, cmd, r)
}

func (f *Fake) match(cmd string, stdin []byte) (Reply, bool) {
	f.mu.Lock()
	rules := slices.Clone(f.rules)
	f.mu.Unlock()
	for _, r := range slices.Backward(rules) {
		if r.re.MatchString(cmd) {
			return r.fn(cmd, stdin), true
		}
	}
	return Reply{}, false
}

func (f *Fake) reply(c execConfig, cmd string, r Reply) ([]byte, []byte, error) {
	stdout, stderr := []byte(r.Stdout), []byte(r.Stderr)
	if c.stdout != nil {
		c.stdout.Write(stdout)
		stdout = nil
	}
	if c.stderr != nil {
		c.stderr.Write(stderr)
	}
	switch {
	case r.Err != nil:
		return stdout, stderr, r.Err
	case r.Code != 0:
		return stdout, stderr, &ExitError{Host: f.name, Cmd: cmdForErrors(cmd, c), Code: r.Code, Stderr: tail(stderr)}
	}
	return stdout, stderr, nil
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// Upload implements Host.
func (f *Fake) Upload(ctx context.Context, r io.Reader, path string, mode fs.FileMode) error {
	b, err := io.ReadAll(ctxReader{ctx: ctx, r: r})
	if err != nil {
		return fmt.Errorf("upload %s: %w", path, err)
	}
	return f.put(Call{Op: OpUpload, Path: path, Mode: mode, Data: b})
}

// WriteFile implements Host.
func (f *Fake) WriteFile(ctx context.Context, hf hostfile.File) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("write %s: %w", hf.Path, err)
	}
	return f.put(Call{Op: OpWriteFile, Path: hf.Path, Mode: hf.Mode, Data: bytes.Clone(hf.Content)})
}

func (f *Fake) put(c Call) error {
	if err := checkPath(c.Path); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, c)
	f.files[c.Path] = FakeFile{Content: c.Data, Mode: c.Mode}
	return nil
}

// ReadFile implements Host.
func (f *Fake) ReadFile(ctx context.Context, path string) ([]byte, error) {
	f.record(Call{Op: OpReadFile, Path: path})
	ff, ok := f.File(path)
	if !ok {
		return nil, fmt.Errorf("read %s: %w", path, fs.ErrNotExist)
	}
	return bytes.Clone(ff.Content), ctx.Err()
}

// SHA256 implements Host.
func (f *Fake) SHA256(ctx context.Context, path string) (string, error) {
	f.record(Call{Op: OpSHA256, Path: path})
	ff, ok := f.File(path)
	if !ok {
		return "", fmt.Errorf("sha256 %s: %w", path, fs.ErrNotExist)
	}
	s := sha256.Sum256(ff.Content)
	return hex.EncodeToString(s[:]), ctx.Err()
}

// Close implements Host.
func (f *Fake) Close() error {
	f.record(Call{Op: OpClose})
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	return nil
}
