// Package host runs commands and places files on the machines kubeup
// manages: over SSH (ssh.go), on the local machine (local.go), or in memory
// for unit tests (fake.go). Every command runs as root: hosts reached as
// another user wrap commands in password-less sudo.
package host

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"kubeup.dev/kubeup/internal/hostfile"
)

// Host is one machine kubeup changes. Implementations are safe for
// concurrent use; one Host keeps one connection for the whole run.
type Host interface {
	// Name is the host's name in the spec.
	Name() string
	// Exec runs cmd with sh as root. A non-zero exit is an *ExitError
	// carrying the code and the tail of stderr; cancelling ctx stops it.
	Exec(ctx context.Context, cmd string, opts ...ExecOption) (stdout, stderr []byte, err error)
	// Upload atomically replaces path with r's content and mode: it writes
	// path.tmp-XXXX in the same directory, then renames it, creating
	// parent directories first. Files are owned by root.
	Upload(ctx context.Context, r io.Reader, path string, mode fs.FileMode) error
	// WriteFile uploads f (see Upload).
	WriteFile(ctx context.Context, f hostfile.File) error
	// ReadFile returns path's content; the error wraps fs.ErrNotExist
	// when path does not exist.
	ReadFile(ctx context.Context, path string) ([]byte, error)
	// SHA256 returns the hex sha256 of path's content; the error wraps
	// fs.ErrNotExist when path does not exist.
	SHA256(ctx context.Context, path string) (string, error)
	// Close releases the connection.
	Close() error
}

// ErrNotAnswering is wrapped by the errors of operations on a host that
// stopped answering (no keepalive reply within the timeout).
var ErrNotAnswering = errors.New("host stopped answering")

// ExecOption changes how Exec runs a command.
type ExecOption func(*execConfig)

type execConfig struct {
	stdin     io.Reader
	stdout    io.Writer
	stderr    io.Writer
	sensitive bool
}

func newExecConfig(opts []ExecOption) execConfig {
	var c execConfig
	for _, o := range opts {
		o(&c)
	}
	return c
}

// Stdin feeds r to the command's standard input. Pass secrets this way
// rather than on the command line.
func Stdin(r io.Reader) ExecOption { return func(c *execConfig) { c.stdin = r } }

// Stdout streams the command's standard output to w; Exec then returns
// nil stdout.
func Stdout(w io.Writer) ExecOption { return func(c *execConfig) { c.stdout = w } }

// Stderr streams the command's standard error to w as well; Exec still
// returns it and keeps its tail for *ExitError.
func Stderr(w io.Writer) ExecOption { return func(c *execConfig) { c.stderr = w } }

// Sensitive marks a command line that holds a secret: it is never logged
// nor put in errors.
func Sensitive() ExecOption { return func(c *execConfig) { c.sensitive = true } }

// IsSensitive reports whether opts include Sensitive; wrappers use it to
// decide what they may log.
func IsSensitive(opts []ExecOption) bool { return newExecConfig(opts).sensitive }

// ExitError is a command that ran and exited with a non-zero code.
type ExitError struct {
	Host   string
	Cmd    string // empty when the command was Sensitive
	Code   int
	Stderr string // the last lines of standard error
}

func (e *ExitError) Error() string {
	msg := fmt.Sprintf("command %s exited with code %d", describeCmd(e.Cmd), e.Code)
	if e.Stderr != "" {
		msg += ": " + e.Stderr
	}
	return msg
}

// describeCmd shortens cmd for messages; "" stands for a sensitive one.
func describeCmd(cmd string) string {
	if cmd == "" {
		return "(redacted)"
	}
	cmd = strings.Join(strings.Fields(cmd), " ")
	if len(cmd) > 120 {
		cmd = cmd[:117] + "..."
	}
	return "`" + cmd + "`"
}

func cmdForErrors(cmd string, c execConfig) string {
	if c.sensitive {
		return ""
	}
	return cmd
}

// tail returns the last lines of b, at most about 1 KiB.
func tail(b []byte) string {
	s := strings.TrimSpace(string(b))
	const max = 1024
	if len(s) > max {
		s = s[len(s)-max:]
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			s = s[i+1:]
		}
		s = "..." + s
	}
	return s
}

// SudoError says that a non-root user cannot run commands as root.
type SudoError struct {
	Host, User string
	Missing    bool // sudo is not installed
	// NeedsPassword: sudo asked for a password (and none was given).
	NeedsPassword bool
}

func (e *SudoError) Error() string {
	if e.Missing {
		return fmt.Sprintf("host %s: user %s is not root and sudo is not installed: install sudo or connect as root (ssh.user: root)", e.Host, e.User)
	}
	msg := fmt.Sprintf("host %s: user %s needs password-less sudo (add '%s ALL=(ALL) NOPASSWD: ALL' to /etc/sudoers.d/kubeup)", e.Host, e.User, e.User)
	if e.NeedsPassword {
		msg += ", or a sudo password: set ssh.sudoPasswordFile to a file (mode 0600) holding it, or run kubeup on a terminal to be asked once"
	}
	return msg
}

// sudoFailure maps sudo's own failure to a *SudoError, or returns nil when
// the command itself failed.
func sudoFailure(host, user string, code int, stderr []byte) error {
	s := string(stderr)
	if code == 127 && strings.Contains(s, "sudo") && strings.Contains(s, "not found") {
		return &SudoError{Host: host, User: user, Missing: true}
	}
	if code != 1 {
		return nil
	}
	// sudo -n fails before running the command, so its message is the
	// only output besides sshd's own (such as "Could not chdir to home
	// directory").
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(line, "sudo: ") {
			continue
		}
		if strings.Contains(line, "a password is required") {
			return &SudoError{Host: host, User: user, NeedsPassword: true}
		}
		for _, m := range []string{"a terminal is required", "not in the sudoers file", "not allowed to execute"} {
			if strings.Contains(line, m) {
				return &SudoError{Host: host, User: user}
			}
		}
	}
	return nil
}

// asRoot wraps cmd so that it runs as root through sudo when needed.
func asRoot(cmd string, sudo bool) string {
	if !sudo {
		return cmd
	}
	return "sudo -n -- sh -c " + Quote(cmd)
}

// Quote quotes s for a POSIX shell.
func Quote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=@%+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// notExistCode is the exit code the read and hash scripts use for a
// missing file.
const notExistCode = 44

func readScript(path string) string {
	p := Quote(path)
	return fmt.Sprintf("[ -e %s ] || exit %d; exec cat -- %s", p, notExistCode, p)
}

func sha256Script(path string) string {
	p := Quote(path)
	return fmt.Sprintf("[ -e %s ] || exit %d; exec sha256sum -- %s", p, notExistCode, p)
}

// readVia reads path with the read script on h.
func readVia(ctx context.Context, h Host, path string) ([]byte, error) {
	out, _, err := h.Exec(ctx, readScript(path))
	if err != nil {
		return nil, fileErr("read", path, err)
	}
	return out, nil
}

// sha256Via hashes path with the sha256 script on h.
func sha256Via(ctx context.Context, h Host, path string) (string, error) {
	out, _, err := h.Exec(ctx, sha256Script(path))
	if err != nil {
		return "", fileErr("sha256", path, err)
	}
	sum, _, _ := strings.Cut(string(out), " ")
	if len(sum) != 64 {
		return "", fmt.Errorf("sha256 %s: unexpected sha256sum output %q", path, tail(out))
	}
	return sum, nil
}

// fileErr wraps err from a read or hash script, mapping the missing-file
// exit code to fs.ErrNotExist.
func fileErr(op, path string, err error) error {
	var ee *ExitError
	if errors.As(err, &ee) && ee.Code == notExistCode {
		return fmt.Errorf("%s %s: %w", op, path, fs.ErrNotExist)
	}
	return fmt.Errorf("%s %s: %w", op, path, err)
}

// fileUmask is the umask under which a shell redirection (mode 0666)
// creates a file with mode's permission bits, execute bits aside: the file
// is never wider than mode, and a chmod then adds what the umask left out.
func fileUmask(mode fs.FileMode) fs.FileMode { return 0o777 &^ mode.Perm() }

// createScript creates tmp, empty and new (set -C: never through an
// existing file or link), with its final mode from the start, creating
// path's directory (0755) first. Upload then fills tmp and renames it.
func createScript(tmp, path string, mode fs.FileMode) string {
	return fmt.Sprintf("set -e; umask 022; mkdir -p -- %s; umask %04o; set -C; : > %s",
		Quote(dirOf(path)), fileUmask(mode), Quote(tmp))
}

// installScript writes the size bytes of its stdin to tmp, created new
// with its final mode beside path, checks that all of them came, sets the
// exact mode and renames tmp to path; on any failure it removes tmp. It
// stages nothing elsewhere (no /tmp), so sudo users upload secrets as
// safely as root.
func installScript(tmp, path string, mode fs.FileMode, size int64) string {
	t := Quote(tmp)
	return fmt.Sprintf("set -e; umask 022; mkdir -p -- %[1]s; trap 'rm -f -- %[2]s' EXIT; umask %04[3]o; set -C; head -c %[4]d > %[2]s; "+
		"[ $(($(wc -c < %[2]s))) -eq %[4]d ] || { echo \"upload cut short: want %[4]d bytes\" >&2; exit 1; }; chmod %04[5]o %[2]s; mv -f -- %[2]s %[6]s",
		Quote(dirOf(path)), t, fileUmask(mode), size, mode&0o7777, Quote(path))
}

// remaining is how many bytes r has left when it can tell without being
// read: from Len, a regular file's size and offset, or a wrapper that
// asks the reader it wraps.
func remaining(r io.Reader) (int64, bool) {
	switch v := r.(type) {
	case interface{ Len() int }:
		return int64(v.Len()), true
	case interface{ remaining() (int64, bool) }:
		return v.remaining()
	case *os.File:
		st, err := v.Stat()
		if err != nil || !st.Mode().IsRegular() {
			return 0, false
		}
		off, err := v.Seek(0, io.SeekCurrent)
		return st.Size() - off, err == nil
	}
	return 0, false
}

// dirOf is the directory part of an absolute host path, with its slash.
func dirOf(path string) string { return path[:strings.LastIndexByte(path, '/')+1] }

// uploadViaStdin is Upload through installScript: the content goes to the
// command's stdin, so a host that needs sudo writes as root straight into
// the target directory.
func uploadViaStdin(ctx context.Context, h Host, r io.Reader, p string, mode fs.FileMode) error {
	body, size, err := sized(r)
	if err != nil {
		return err
	}
	in := io.LimitReader(ctxReader{ctx: ctx, r: body}, size)
	_, _, err = h.Exec(ctx, installScript(tmpName(p), p, mode, size), Stdin(in))
	return err
}

// sized returns r and the number of bytes it holds (see remaining), else
// reads it all into memory to count them.
func sized(r io.Reader) (io.Reader, int64, error) {
	if n, ok := remaining(r); ok {
		return r, n, nil
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, 0, err
	}
	return bytes.NewReader(b), int64(len(b)), nil
}

// writeFile is WriteFile in terms of Upload.
func writeFile(ctx context.Context, h Host, f hostfile.File) error {
	return h.Upload(ctx, bytes.NewReader(f.Content), f.Path, f.Mode)
}

// checkPath rejects relative paths, which would depend on the remote
// working directory.
func checkPath(path string) error {
	if !strings.HasPrefix(path, "/") {
		return fmt.Errorf("path %q is not absolute: host paths must start with /", path)
	}
	return nil
}

// ctxReader stops reading once ctx is done. Size reports an unknown size
// so that SFTP still writes concurrently.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, context.Cause(c.ctx)
	}
	return c.r.Read(p)
}

func (c ctxReader) Size() int64 { return -1 }

// tmpName returns path.tmp-XXXXXXXX, the temporary name Upload writes
// before renaming.
func tmpName(path string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return path + ".tmp-" + hex.EncodeToString(b[:])
}
