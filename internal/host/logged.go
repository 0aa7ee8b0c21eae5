package host

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"time"

	"kubeup.dev/kubeup/internal/hostfile"
)

// WithLog returns h with every operation logged to log at debug level:
// commands (unless Sensitive), paths, modes, sizes, durations and errors.
// File content is never logged.
func WithLog(h Host, log *slog.Logger) Host { return &logged{h: h, log: log} }

type logged struct {
	h   Host
	log *slog.Logger
}

func (l *logged) Name() string { return l.h.Name() }

func (l *logged) Exec(ctx context.Context, cmd string, opts ...ExecOption) ([]byte, []byte, error) {
	start := time.Now()
	stdout, stderr, err := l.h.Exec(ctx, cmd, opts...)
	shown := cmd
	if IsSensitive(opts) {
		shown = "(redacted)"
	}
	l.log.LogAttrs(ctx, slog.LevelDebug, "exec", slog.String("cmd", shown), slog.Duration("took", time.Since(start)),
		slog.Int("exit", exitCode(err)), slog.Int("stdout_bytes", len(stdout)), errAttr(err))
	return stdout, stderr, err
}

func (l *logged) Upload(ctx context.Context, r io.Reader, path string, mode fs.FileMode) error {
	start := time.Now()
	cr := &countingReader{r: r}
	err := l.h.Upload(ctx, cr, path, mode)
	l.log.LogAttrs(ctx, slog.LevelDebug, "upload", slog.String("path", path), slog.String("mode", mode.String()),
		slog.Int64("bytes", cr.n), slog.Duration("took", time.Since(start)), errAttr(err))
	return err
}

func (l *logged) WriteFile(ctx context.Context, f hostfile.File) error {
	start := time.Now()
	err := l.h.WriteFile(ctx, f)
	attrs := []slog.Attr{slog.String("path", f.Path), slog.String("mode", f.Mode.String()),
		slog.Int("bytes", len(f.Content)), slog.Duration("took", time.Since(start)), errAttr(err)}
	if !f.Secret() {
		attrs = append(attrs, slog.String("sha256", f.SHA256()))
	}
	l.log.LogAttrs(ctx, slog.LevelDebug, "write", attrs...)
	return err
}

func (l *logged) ReadFile(ctx context.Context, path string) ([]byte, error) {
	start := time.Now()
	b, err := l.h.ReadFile(ctx, path)
	l.log.LogAttrs(ctx, slog.LevelDebug, "read", slog.String("path", path), slog.Int("bytes", len(b)),
		slog.Duration("took", time.Since(start)), errAttr(err))
	return b, err
}

func (l *logged) SHA256(ctx context.Context, path string) (string, error) {
	start := time.Now()
	sum, err := l.h.SHA256(ctx, path)
	l.log.LogAttrs(ctx, slog.LevelDebug, "sha256", slog.String("path", path), slog.String("sha256", sum),
		slog.Duration("took", time.Since(start)), errAttr(err))
	return sum, err
}

func (l *logged) Close() error {
	err := l.h.Close()
	l.log.LogAttrs(context.Background(), slog.LevelDebug, "close", errAttr(err))
	return err
}

func errAttr(err error) slog.Attr {
	if err == nil {
		return slog.Attr{}
	}
	return slog.String("err", err.Error())
}

func exitCode(err error) int {
	var ee *ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.Code
	}
	return -1
}

type countingReader struct {
	r io.Reader
	n int64
}

// remaining is the size of what is left to read, when the reader it
// wraps knows it (see remaining).
func (c *countingReader) remaining() (int64, bool) { return remaining(c.r) }

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
