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
		return exitErr(l.name, l.user, l.sudo, cmd, ee.ExitCode(), stderr)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// Upload implements Host. As root it writes path.tmp-XXXX beside path and
// renames it; otherwise it stages the file in the temporary directory and
// moves it into place with sudo.
func (l *Local) Upload(ctx context.Context, r io.Reader, p string, mode fs.FileMode) error {
	if err := checkPath(p); err != nil {
		return err
	}
	var err error
	if l.sudo {
		err = l.uploadSudo(ctx, r, p, mode)
	} else {
		err = writeAtomic(ctxReader{ctx: ctx, r: r}, p, mode)
	}
	if err != nil {
		return fmt.Errorf("upload %s: %w", p, err)
	}
	return nil
}

func (l *Local) uploadSudo(ctx context.Context, r io.Reader, p string, mode fs.FileMode) error {
	f, err := os.CreateTemp("", ".kubeup-upload-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	_, err = io.Copy(f, ctxReader{ctx: ctx, r: r})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	_, _, err = l.Exec(ctx, moveScript(f.Name(), tmpName(p), p, mode))
	return err
}

// writeAtomic writes r to path.tmp-XXXX (mode set first), syncs it and
// renames it to path, creating parent directories.
func writeAtomic(r io.Reader, p string, mode fs.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	tmp := tmpName(p)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // fails harmlessly after the rename
	err = fillFile(f, r, mode)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

func fillFile(f *os.File, r io.Reader, mode fs.FileMode) error {
	if err := f.Chmod(mode); err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		return err
	}
	return f.Sync()
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
