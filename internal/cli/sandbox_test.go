package cli

import (
	"strings"
	"testing"
)

func TestSandboxUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"sandbox", "create"}, "pass --name"},
		{[]string{"sandbox", "create", "--name", "Bad_Name"}, "not a DNS label"},
		{[]string{"sandbox", "delete"}, "pass --name"},
		{[]string{"sandbox", "ssh", "demo"}, "want NAME HOST"},
		{[]string{"sandbox", "ssh", "demo", "node1", "extra", "--", "ls"}, "want NAME HOST"},
		{[]string{"sandbox", "create", "--name", "x", "--nodes", "many"}, "invalid argument"},
	}
	for _, tt := range tests {
		code, _, errOut := runCLI(t, tt.args...)
		if code != ExitUsage || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tt.args, code, errOut, ExitUsage, tt.want)
		}
	}
}

func TestSandboxWithoutDockerSaysHowToFix(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix://"+t.TempDir()+"/docker.sock")
	for _, args := range [][]string{
		{"sandbox", "list"},
		{"sandbox", "delete", "--name", "demo"},
		{"sandbox", "create", "--name", "demo", "--nodes", "1", "-f", t.TempDir() + "/demo.yaml"},
	} {
		code, _, errOut := runCLI(t, args...)
		if code != ExitFailure || !strings.Contains(errOut, "hack/ensure-docker.sh") {
			t.Errorf("%v: exit %d, stderr %q; want %d and the fix", args, code, errOut, ExitFailure)
		}
	}
}
