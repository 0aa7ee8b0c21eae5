package engine

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/docker/docker/client"
)

// EnsureScript is what kubeup's messages tell users to run when the engine
// is missing or stopped.
const EnsureScript = "hack/ensure-docker.sh"

// Connect opens a client to the engine at DOCKER_HOST (default
// unix:///var/run/docker.sock), negotiates the API version and checks that
// the engine answers. Its errors say how to get an engine running.
func Connect(ctx context.Context) (*Docker, error) {
	c, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("docker client: %w (check DOCKER_HOST)", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := c.Ping(pctx); err != nil {
		c.Close()
		return nil, Diagnose(err, c.DaemonHost(), localProbe{})
	}
	c.NegotiateAPIVersion(ctx)
	return &Docker{c: c}, nil
}

// Probe answers the questions Diagnose asks about the local machine.
type Probe interface {
	// SocketExists reports whether the unix socket path exists.
	SocketExists(path string) bool
	// DaemonInstalled reports whether dockerd is installed.
	DaemonInstalled() bool
}

type localProbe struct{}

func (localProbe) SocketExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil || !errors.Is(err, fs.ErrNotExist)
}

func (localProbe) DaemonInstalled() bool {
	for _, p := range []string{"dockerd", "/usr/sbin/dockerd", "/usr/bin/dockerd"} {
		if _, err := exec.LookPath(p); err == nil {
			return true
		}
	}
	return false
}

// NoEngineError means no Docker engine answers; its message says why and
// how to fix it.
type NoEngineError struct{ Msg string }

func (e *NoEngineError) Error() string { return e.Msg }

func noEngine(format string, args ...any) error {
	return &NoEngineError{Msg: fmt.Sprintf(format, args...)}
}

// Diagnose turns a failed ping of host into an error that says what is
// wrong and how to fix it.
func Diagnose(pingErr error, host string, p Probe) error {
	u, _ := url.Parse(host)
	local := u != nil && u.Scheme == "unix"
	msg := pingErr.Error()
	switch {
	case local && strings.Contains(msg, "permission denied"):
		return noEngine("cannot use %s: permission denied: run kubeup as root or add your user to the docker group", host)
	case local && !p.DaemonInstalled():
		return noEngine("no Docker engine is installed on this machine (dockerd is missing): run %s", EnsureScript)
	case local && !p.SocketExists(u.Path):
		return noEngine("the Docker engine is not running (no socket %s): run %s to start dockerd", u.Path, EnsureScript)
	case local:
		return noEngine("the Docker engine at %s does not answer (%v): run %s to (re)start dockerd", host, pingErr, EnsureScript)
	}
	return noEngine("the Docker engine at %s does not answer (%v): check DOCKER_HOST and that the engine runs", host, pingErr)
}

// jsonMessage is one line of the engine's progress stream.
type jsonMessage struct {
	Status      string `json:"status"`
	Error       string `json:"error"`
	ErrorDetail *struct {
		Message string `json:"message"`
	} `json:"errorDetail"`
}

// readJSONMessages drains a progress stream and returns the first error it
// carries.
func readJSONMessages(r io.Reader) error {
	dec := json.NewDecoder(r)
	for {
		var m jsonMessage
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("read engine progress: %w", err)
		}
		if m.ErrorDetail != nil && m.ErrorDetail.Message != "" {
			return errors.New(m.ErrorDetail.Message)
		}
		if m.Error != "" {
			return errors.New(m.Error)
		}
	}
}

// demuxLogs copies a multiplexed (non-TTY) log stream to w: frames of an
// 8-byte header (stream, 3 zero bytes, big-endian length) and a payload.
func demuxLogs(r io.Reader, w io.Writer) error {
	var hdr [8]byte
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("read container output: %w", err)
		}
		n := int64(binary.BigEndian.Uint32(hdr[4:]))
		if _, err := io.CopyN(w, r, n); err != nil {
			return fmt.Errorf("read container output: %w", err)
		}
	}
}
