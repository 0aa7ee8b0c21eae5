package render

import (
	"slices"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/layout"
)

func TestFlagsMergeExtra(t *testing.T) {
	got := flags(map[string]string{"b": "1", "a": "2", "c": "3"}, map[string]string{"z": "9", "b": "x", "m": "y"})
	want := []string{"--a=2", "--b=x", "--c=3", "--m=y", "--z=9"}
	if !slices.Equal(got, want) {
		t.Errorf("flags = %v, want %v", got, want)
	}
}

func TestSystemdArg(t *testing.T) {
	for in, want := range map[string]string{
		"--a=b":          "--a=b",
		"--a=50%":        "--a=50%%",
		"--a=$HOME":      "--a=$$HOME",
		"--a=x y":        `"--a=x y"`,
		`--a="q"`:        `"--a=\"q\""`,
		`--a=c:\d`:       `"--a=c:\\d"`,
		"--a=*,b,c":      "--a=*,b,c",
		"NODE_NAME=node": "NODE_NAME=node",
	} {
		if got := systemdArg(in); got != want {
			t.Errorf("systemdArg(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestExtraArgsInUnits: an extra flag replaces a default in place, new
// ones follow the defaults in name order, and each appears once.
func TestExtraArgsInUnits(t *testing.T) {
	files := renderHosts(t, "ha")["cp1"]
	api := string(fileAt(t, files, layout.Unit("kube-apiserver")).Content)
	if strings.Count(api, "--audit-log-maxage=") != 1 || !strings.Contains(api, "--audit-log-maxage=7 \\") {
		t.Errorf("audit-log-maxage not overridden once:\n%s", api)
	}
	last := strings.Index(api, "--tls-private-key-file=")
	ttl, ports := strings.Index(api, "--event-ttl=2h"), strings.Index(api, "--service-node-port-range=30000-31999")
	if ttl < last || ports < ttl {
		t.Errorf("extra flags not appended in order after the defaults:\n%s", api)
	}
	cm := string(fileAt(t, files, layout.Unit("kube-controller-manager")).Content)
	sched := string(fileAt(t, files, layout.Unit("kube-scheduler")).Content)
	if !strings.Contains(cm, "--terminated-pod-gc-threshold=500") || !strings.Contains(sched, "--v=2") {
		t.Error("controller-manager or scheduler extra args missing")
	}
}

// TestUnsafeExtraArgsInUnits: the unsafe maps are rendered after the safe
// ones, so an unsafe flag takes effect, and anonymous-auth there takes
// anonymous access over as it does in apiServerExtraArgs.
func TestUnsafeExtraArgsInUnits(t *testing.T) {
	c := loadSpec(t, "basic")
	cp := &c.Spec.ControlPlane
	cp.APIServerExtraArgs = map[string]string{"v": "2"}
	cp.APIServerUnsafeExtraArgs = map[string]string{"anonymous-auth": "true", "authorization-mode": "AlwaysAllow"}
	cp.ControllerManagerUnsafeExtraArgs = map[string]string{"bind-address": "0.0.0.0", "profiling": "true"}
	cp.SchedulerUnsafeExtraArgs = map[string]string{"profiling": "true"}
	files, err := HostFiles(c, c.Spec.Hosts[0], testSecrets())
	if err != nil {
		t.Fatal(err)
	}
	for unit, want := range map[string][]string{
		"kube-apiserver":          {"--anonymous-auth=true", "--authorization-mode=AlwaysAllow \\", "--v=2"},
		"kube-controller-manager": {"--bind-address=0.0.0.0 \\", "--profiling=true"},
		"kube-scheduler":          {"--profiling=true"},
	} {
		got := string(fileAt(t, files, layout.Unit(unit)).Content)
		for _, w := range want {
			if strings.Count(got, w) != 1 {
				t.Errorf("%s: want %q once:\n%s", unit, w, got)
			}
		}
		if unit != "kube-apiserver" && strings.Contains(got, "--profiling=false") {
			t.Errorf("%s: the safe default is still there:\n%s", unit, got)
		}
	}
	api := string(fileAt(t, files, layout.Unit("kube-apiserver")).Content)
	if strings.Contains(api, "--authentication-config") {
		t.Errorf("anonymous-auth in the unsafe map must take anonymous access over:\n%s", api)
	}
}
