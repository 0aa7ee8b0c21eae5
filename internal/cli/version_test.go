package cli

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionLine(t *testing.T) {
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	tests := []struct {
		name   string
		linked buildStamp
		bi     *debug.BuildInfo
		want   string
	}{
		{"make build", buildStamp{"v0.3.0-4-g6c9e8d7", "6c9e8d7a1b2c3d4e"}, &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("6c9e8d7a1b2c3d4e", "false")},
			"kubeup v0.3.0-4-g6c9e8d7 (commit 6c9e8d7a1b2c3d4e; default Kubernetes v1.37.2)"},
		{"make build without VCS stamping", buildStamp{"v0.0.0-6c9e8d7-dirty", "6c9e8d7a1b2c3d4e"}, &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}},
			"kubeup v0.0.0-6c9e8d7-dirty (commit 6c9e8d7a1b2c3d4e; default Kubernetes v1.37.2)"},
		{"local changes", buildStamp{version: "v0.3.0-dirty"}, &debug.BuildInfo{Settings: vcs("6c9e8d7", "true")},
			"kubeup v0.3.0-dirty (commit 6c9e8d7 with local changes; default Kubernetes"},
		{"go build stamps a pseudo-version", buildStamp{}, &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20260101120000-6c9e8d7a1b2c+dirty"}, Settings: vcs("6c9e8d7a1b2c", "true")},
			"kubeup v0.0.0-20260101120000-6c9e8d7a1b2c+dirty (commit 6c9e8d7a1b2c with local changes;"},
		{"go install module@version", buildStamp{}, &debug.BuildInfo{Main: debug.Module{Version: "v0.3.0"}}, "kubeup v0.3.0 (unknown commit;"},
		{"nothing stamped", buildStamp{}, &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "kubeup unversioned (build with make build to stamp a version) (unknown commit;"},
		{"no build info", buildStamp{}, nil, "kubeup unversioned"},
	}
	for _, tt := range tests {
		got := versionLine(tt.linked, tt.bi)
		if !strings.HasPrefix(got, tt.want) || strings.Contains(got, "(devel)") {
			t.Errorf("%s: %q, want it to start %q", tt.name, got, tt.want)
		}
	}
}

func TestVersionCommand(t *testing.T) {
	code, out, _ := runCLI(t, "version")
	if code != ExitOK || !strings.HasPrefix(out, "kubeup ") || !strings.Contains(out, "default Kubernetes v1.37.2") || strings.Contains(out, "(devel)") {
		t.Errorf("exit %d: %q", code, out)
	}
}

func TestCompletion(t *testing.T) {
	for shell, want := range map[string]string{
		"bash": "__start_kubeup",
		"zsh":  "#compdef kubeup",
		"fish": "complete -c kubeup",
	} {
		code, out, errOut := runCLI(t, "completion", shell)
		if code != ExitOK || !strings.Contains(out, want) {
			t.Errorf("completion %s: exit %d, stdout lacks %q (%d bytes), stderr %q", shell, code, want, len(out), errOut)
		}
	}
	for _, args := range [][]string{{"completion"}, {"completion", "tcsh"}, {"completion", "bash", "zsh"}} {
		if code, _, errOut := runCLI(t, args...); code != ExitUsage || !strings.Contains(errOut, "bash, zsh") {
			t.Errorf("%v: exit %d, stderr %q; want %d naming the shells", args, code, errOut, ExitUsage)
		}
	}
	// The scripts call kubeup __complete, which must know the commands.
	if code, out, _ := runCLI(t, "__complete", "val"); code != ExitOK || !strings.Contains(out, "validate") {
		t.Errorf("__complete val: exit %d: %q", code, out)
	}
}
