package engine

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

type probe struct{ socket, daemon bool }

func (p probe) SocketExists(string) bool { return p.socket }
func (p probe) DaemonInstalled() bool    { return p.daemon }

func TestDiagnose(t *testing.T) {
	refused := errors.New("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?")
	tests := []struct {
		name string
		err  error
		host string
		p    probe
		want []string
	}{
		{"not installed", refused, "unix:///var/run/docker.sock", probe{}, []string{"no Docker engine is installed", "run hack/ensure-docker.sh"}},
		{"not running", refused, "unix:///var/run/docker.sock", probe{daemon: true}, []string{"not running", "no socket /var/run/docker.sock", "hack/ensure-docker.sh"}},
		{"hung", refused, "unix:///var/run/docker.sock", probe{daemon: true, socket: true}, []string{"does not answer", "hack/ensure-docker.sh"}},
		{"permission", errors.New("dial unix /var/run/docker.sock: connect: permission denied"), "unix:///var/run/docker.sock", probe{daemon: true, socket: true}, []string{"permission denied", "docker group"}},
		{"remote", refused, "tcp://10.0.0.1:2375", probe{}, []string{"tcp://10.0.0.1:2375", "DOCKER_HOST"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Diagnose(tt.err, tt.host, tt.p)
			var ne *NoEngineError
			if !errors.As(err, &ne) {
				t.Fatalf("%v is not a NoEngineError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
		})
	}
}

func TestTranslate(t *testing.T) {
	c, h, n := translate(ContainerConfig{
		Name: "x", Hostname: "x", Image: "img", StopSignal: "SIGRTMIN+3",
		SecurityOpt:  []string{"seccomp=unconfined", "systempaths=unconfined"},
		CgroupnsMode: "private", Network: "net", IP: "172.30.0.2",
		Tmpfs:             []Tmpfs{{Target: "/run", Options: "rw,exec"}},
		Binds:             []Bind{{Source: "/lib/modules", Target: "/lib/modules", ReadOnly: true}},
		Volumes:           []VolumeMount{{Name: "v", Target: "/var/lib/containerd"}},
		Devices:           []string{"/dev/kmsg"},
		DeviceCgroupRules: []string{"a *:* rwm"},
	})
	if c.StopSignal != "SIGRTMIN+3" || c.Hostname != "x" {
		t.Errorf("config = %+v", c)
	}
	if h.MaskedPaths == nil || len(h.MaskedPaths) != 0 || h.ReadonlyPaths == nil || len(h.ReadonlyPaths) != 0 {
		t.Errorf("systempaths=unconfined must give empty (not nil) masked and read-only paths: %v %v", h.MaskedPaths, h.ReadonlyPaths)
	}
	if len(h.SecurityOpt) != 1 || h.SecurityOpt[0] != "seccomp=unconfined" {
		t.Errorf("security opts = %v", h.SecurityOpt)
	}
	if h.Tmpfs["/run"] != "rw,exec" || len(h.Mounts) != 2 || len(h.Devices) != 1 || string(h.CgroupnsMode) != "private" {
		t.Errorf("host config = %+v", h)
	}
	if len(h.DeviceCgroupRules) != 1 || h.DeviceCgroupRules[0] != "a *:* rwm" {
		t.Errorf("device cgroup rules = %v, want [a *:* rwm]", h.DeviceCgroupRules)
	}
	if ep := n.EndpointsConfig["net"]; ep == nil || ep.IPAMConfig.IPv4Address != "172.30.0.2" || string(h.NetworkMode) != "net" {
		t.Errorf("network = %+v", n)
	}
}

func TestDemuxLogs(t *testing.T) {
	var in bytes.Buffer
	for _, f := range []struct {
		stream byte
		s      string
	}{{1, "hello "}, {2, "world\n"}} {
		in.Write([]byte{f.stream, 0, 0, 0, 0, 0, 0, byte(len(f.s))})
		in.WriteString(f.s)
	}
	var out bytes.Buffer
	if err := demuxLogs(&in, &out); err != nil || out.String() != "hello world\n" {
		t.Errorf("demux = %q, %v", out.String(), err)
	}
}

func TestReadJSONMessages(t *testing.T) {
	if err := readJSONMessages(strings.NewReader(`{"status":"Loading"}{"status":"done"}`)); err != nil {
		t.Errorf("progress without error: %v", err)
	}
	err := readJSONMessages(strings.NewReader(`{"status":"x"}{"errorDetail":{"message":"no space left on device"},"error":"no space"}`))
	if err == nil || err.Error() != "no space left on device" {
		t.Errorf("error = %v", err)
	}
}
