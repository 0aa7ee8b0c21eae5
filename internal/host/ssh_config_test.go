package host

import (
	"slices"
	"strings"
	"testing"
)

const testSSHConfig = `# kubeup test
IdentityFile ~/.ssh/global

Host bastion*.example.com
    User jump
    Port=2200

Host 10.0.0.* !10.0.0.9
  User deploy
  Port 2222
  IdentityFile "~/.ssh/my key"
  IdentityFile %d/.ssh/%h_%r
  ProxyJump jump@bastion1.example.com,bastion2.example.com

Match host 10.0.0.1
  User never

Host 10.0.0.?
  User later
  Port 3333

Host *
  User fallback
`

func TestSSHConfigLookup(t *testing.T) {
	c, err := parseSSHConfig(strings.NewReader(testSSHConfig))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		host string
		want sshHostConfig
	}{
		{"10.0.0.1", sshHostConfig{User: "deploy", Port: 2222,
			IdentityFiles: []string{"~/.ssh/global", "~/.ssh/my key", "%d/.ssh/%h_%r"},
			ProxyJump:     "jump@bastion1.example.com,bastion2.example.com"}},
		{"10.0.0.9", sshHostConfig{User: "later", Port: 3333, IdentityFiles: []string{"~/.ssh/global"}}},
		{"10.0.0.10", sshHostConfig{User: "deploy", Port: 2222,
			IdentityFiles: []string{"~/.ssh/global", "~/.ssh/my key", "%d/.ssh/%h_%r"},
			ProxyJump:     "jump@bastion1.example.com,bastion2.example.com"}},
		{"BASTION1.example.com", sshHostConfig{User: "jump", Port: 2200, IdentityFiles: []string{"~/.ssh/global"}}},
		{"other", sshHostConfig{User: "fallback", IdentityFiles: []string{"~/.ssh/global"}}},
	}
	for _, tt := range tests {
		got, err := c.lookup(tt.host)
		if err != nil {
			t.Fatal(err)
		}
		if got.User != tt.want.User || got.Port != tt.want.Port || got.ProxyJump != tt.want.ProxyJump || !slices.Equal(got.IdentityFiles, tt.want.IdentityFiles) {
			t.Errorf("lookup(%s) = %+v\nwant %+v", tt.host, got, tt.want)
		}
	}
}

func TestSSHConfigErrors(t *testing.T) {
	for doc, want := range map[string]string{
		"Host\n":                 "line 1: Host needs at least one pattern",
		"Host a\n  User\n":       "line 2: user needs a value",
		"Host a\n  User \"x y\n": "line 2: a double quote is not closed",
		"Host a\n  Port ssh\n":   `line 2: Port "ssh" is not a port`,
		"Host a\n  Port 70000\n": `line 2: Port "70000" is not a port`,
	} {
		c, err := parseSSHConfig(strings.NewReader(doc))
		if err == nil {
			_, err = c.lookup("a")
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", doc, err, want)
		}
	}
}

func TestMatchPattern(t *testing.T) {
	for _, tt := range []struct {
		p, s string
		want bool
	}{
		{"*", "anything", true}, {"*.example.com", "a.example.com", true}, {"*.example.com", "example.com", false},
		{"node?", "node1", true}, {"node?", "node12", false}, {"10.0.*.1", "10.0.5.1", true}, {"a*b*c", "aXXbYYc", true},
		{"a*b*c", "aXXbYY", false}, {"", "", true}, {"", "a", false}, {"NODE1", "node1", true},
	} {
		if got := matchPattern(tt.p, tt.s); got != tt.want {
			t.Errorf("matchPattern(%q, %q) = %v", tt.p, tt.s, got)
		}
	}
}

func TestExpandIdentity(t *testing.T) {
	if got := expandIdentity("~/.ssh/%h_%r%%", "/home/u", "node1", "root"); got != "/home/u/.ssh/node1_root%" {
		t.Errorf("got %s", got)
	}
	if got := expandIdentity("%d/k", "/home/u", "h", "r"); got != "/home/u/k" {
		t.Errorf("got %s", got)
	}
}
