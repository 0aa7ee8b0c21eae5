package host

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"kubeup.dev/kubeup/internal/atomicfile"
	"kubeup.dev/kubeup/internal/hostfile"
)

// Local is the machine kubeup runs on (a host whose address is
// localhost). Commands run with sh -c; as a non-root user they and all
// file operations go through password-less sudo.
type Local struct {
	name string
	user string
	sudo bool
}

// NewLocal returns the local host named name. It uses sudo unless the
// process runs as root.
func NewLocal(name string) *Local {
	uid := os.Geteuid()
	userName := strconv.Itoa(uid)
	if u, err := user.Current(); err == nil {
		userName = u.Username
	}
	return &Local{name: name, user: userName, sudo: uid != 0}
}

// Name implements Host.
func (l *Local) Name() string { return l.name }

// Exec implements Host. Cancelling ctx kills the command's process group.
func (l *Local) Exec(ctx context.Context, cmd string, opts ...ExecOption) ([]byte, []byte, error) {
	c := newExecConfig(opts)
	o := newOutputs(c)
	ec := exec.CommandContext(ctx, "sh", "-c", asRoot(cmd, l.sudo))
	ec.Stdin, ec.Stdout, ec.Stderr = c.stdin, o.stdout, o.stderr
	ec.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	ec.Cancel = func() error { return syscall.Kill(-ec.Process.Pid, syscall.SIGKILL) }
	ec.WaitDelay = 5 * time.Second
	err := ec.Run()
	return o.stdoutBytes(), o.err.Bytes(), l.execErr(ctx, cmdForErrors(cmd, c), err, o.err.Bytes())
}

func (l *Local) execErr(ctx context.Context, cmd string, err error, stderr []byte) error {
	if err == nil {
		return nil
	}
	op := "exec " + describeCmd(cmd)
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", op, context.Cause(ctx))
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.Exited() {
		err := exitErr(l.name, l.user, l.sudo, cmd, ee.ExitCode(), stderr)
		var se *SudoError
		if errors.As(err, &se) {
			se.NeedsPassword = false // the local host asks for none: sudo -v first, or password-less sudo
		}
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}

// Upload implements Host. As root it creates a temporary file beside path
// with its final mode, writes and renames it (see atomicfile.CreateTemp);
// otherwise the sudo install script reads the content from stdin straight
// into the target directory (see installScript): nothing is staged in /tmp.
func (l *Local) Upload(ctx context.Context, r io.Reader, p string, mode fs.FileMode) error {
	if err := checkPath(p); err != nil {
		return err
	}
	var err error
	if l.sudo {
		err = uploadViaStdin(ctx, l, r, p, mode)
	} else {
		err = writeAtomic(os.OpenFile, ctxReader{ctx: ctx, r: r}, p, mode)
	}
	if err != nil {
		return fmt.Errorf("upload %s: %w", p, err)
	}
	return nil
}

// writeAtomic writes r to a new temporary file beside p, created by open
// with mode, syncs it and renames it to p, creating parent directories.
func writeAtomic(open atomicfile.OpenFunc, r io.Reader, p string, mode fs.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := atomicfile.CreateTemp(open, p, mode)
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // fails harmlessly after the rename
	_, err = io.Copy(f, r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

// WriteFile implements Host.
func (l *Local) WriteFile(ctx context.Context, f hostfile.File) error { return writeFile(ctx, l, f) }

// ReadFile implements Host.
func (l *Local) ReadFile(ctx context.Context, p string) ([]byte, error) {
	if l.sudo {
		return readVia(ctx, l, p)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, unwrapPathErr(err))
	}
	return b, nil
}

// SHA256 implements Host.
func (l *Local) SHA256(ctx context.Context, p string) (string, error) {
	if l.sudo {
		return sha256Via(ctx, l, p)
	}
	f, err := os.Open(p)
	if err != nil {
		return "", fmt.Errorf("sha256 %s: %w", p, unwrapPathErr(err))
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, ctxReader{ctx: ctx, r: f}); err != nil {
		return "", fmt.Errorf("sha256 %s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// unwrapPathErr drops *fs.PathError's repetition of the path.
func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Close implements Host.
func (l *Local) Close() error { return nil }

// outputs collects a command's output, optionally streaming it.
type outputs struct {
	out, err       bytes.Buffer
	stdout, stderr io.Writer
	streamed       bool
}

func newOutputs(c execConfig) *outputs {
	o := &outputs{}
	o.stdout, o.stderr = &o.out, &o.err
	if c.stdout != nil {
		o.stdout, o.streamed = c.stdout, true
	}
	if c.stderr != nil {
		o.stderr = io.MultiWriter(&o.err, c.stderr)
	}
	return o
}

// stdoutBytes is the collected stdout, nil when it was streamed.
func (o *outputs) stdoutBytes() []byte {
	if o.streamed {
		return nil
	}
	return o.out.Bytes()
}
