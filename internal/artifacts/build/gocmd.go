package build

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
)

// goCmd runs the go command with a fixed environment, sending its output
// to log.
type goCmd struct {
	bin string   // "go" or a path
	env []string // full environment
	log io.Writer
}

// run runs go args in dir. A failure's error holds the command, the last
// lines of its output and where the full log is (logName, if not empty).
func (g goCmd) run(ctx context.Context, dir, logName string, args ...string) error {
	_, err := g.output(ctx, dir, logName, args...)
	return err
}

// output is run that also returns stdout, also when the command fails.
func (g goCmd) output(ctx context.Context, dir, logName string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, g.bin, args...)
	cmd.Dir = dir
	cmd.Env = g.env
	var stdout bytes.Buffer
	tail := &tailBuffer{max: 4 << 10}
	cmd.Stdout = io.MultiWriter(&stdout, g.log)
	cmd.Stderr = io.MultiWriter(tail, g.log)
	fmt.Fprintf(g.log, "+ (cd %s && go %s)\n", dir, strings.Join(args, " "))
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return stdout.Bytes(), fmt.Errorf("go %s: %w", args[0], ctx.Err())
		}
		where := ""
		if logName != "" {
			where = "\n(full log: " + logName + ")"
		}
		return stdout.Bytes(), fmt.Errorf("go %s in %s: %w:\n%s%s", strings.Join(args, " "), dir, err, tail.String(), where)
	}
	return stdout.Bytes(), nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = t.buf[over:]
	}
	return len(p), nil
}

// String is the kept output, from the first whole line, trimmed.
func (t *tailBuffer) String() string {
	s := string(t.buf)
	if len(t.buf) == t.max {
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			s = s[i+1:]
		}
	}
	return strings.TrimSpace(s)
}
