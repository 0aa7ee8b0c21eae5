package host

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/spec"
)

// writeSSHConfig writes files (paths relative to a fresh home directory)
// and returns the home directory.
func writeSSHConfig(t *testing.T, files map[string]string) string {
	t.Helper()
	home := t.TempDir()
	for name, doc := range files {
		p := filepath.Join(home, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return home
}

// parseSSHConfig loads doc as ~/.ssh/config of a fresh home directory.
func parseSSHConfig(t *testing.T, doc string) (*sshConfig, error) {
	t.Helper()
	home := writeSSHConfig(t, map[string]string{".ssh/config": doc})
	return loadSSHConfig(filepath.Join(home, ".ssh", "config"), home)
}

// rootEnv is the Match environment of a spec that names no user.
var rootEnv = sshMatchEnv{defaultUser: "root", localUser: "me"}

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
	c, err := parseSSHConfig(t, testSSHConfig)
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
		got, err := c.lookup(tt.host, rootEnv)
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
		c, err := parseSSHConfig(t, doc)
		if err == nil {
			_, err = c.lookup("a", rootEnv)
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

// lookupTest is a host name, the Match environment and the settings
// expected for it.
type lookupTest struct {
	host string
	env  sshMatchEnv
	want sshHostConfig
}

// checkLookups looks up each test's host in c.
func checkLookups(t *testing.T, c *sshConfig, tests []lookupTest) {
	t.Helper()
	for _, tt := range tests {
		got, err := c.lookup(tt.host, tt.env)
		if err != nil {
			t.Errorf("lookup(%s): %v", tt.host, err)
			continue
		}
		if got.HostName != tt.want.HostName || got.User != tt.want.User || got.Port != tt.want.Port ||
			got.ProxyJump != tt.want.ProxyJump || !slices.Equal(got.IdentityFiles, tt.want.IdentityFiles) {
			t.Errorf("lookup(%s, %+v) = %+v\nwant %+v", tt.host, tt.env, got, tt.want)
		}
	}
}

// TestSSHConfigHostName: a Host alias connects to its HostName (%h is the
// alias); Host patterns match the alias, Match host the HostName.
func TestSSHConfigHostName(t *testing.T) {
	c, err := parseSSHConfig(t, `Host prod-cp
  HostName 10.1.0.5
  User admin
Host web-*
  HostName %h.internal.example.com
Host 10.1.0.5
  Port 2200
Match host 10.1.0.5
  IdentityFile ~/.ssh/prod
Host prod-*
  HostName 10.1.0.99
  Port 2201
`)
	if err != nil {
		t.Fatal(err)
	}
	checkLookups(t, c, []lookupTest{
		{"prod-cp", rootEnv, sshHostConfig{HostName: "10.1.0.5", User: "admin", Port: 2201, IdentityFiles: []string{"~/.ssh/prod"}}},
		{"web-1", rootEnv, sshHostConfig{HostName: "web-1.internal.example.com"}},
		{"10.1.0.5", rootEnv, sshHostConfig{Port: 2200, IdentityFiles: []string{"~/.ssh/prod"}}},
		{"prod-db", rootEnv, sshHostConfig{HostName: "10.1.0.99", Port: 2201}},
	})
}

// TestSSHConfigInclude: Include reads files relative to ~/.ssh or from ~,
// globs in name order, in place: lines before an included file's first
// Host apply under the block the Include stands in, and a Host in an
// included file applies only where that block does too.
func TestSSHConfigInclude(t *testing.T) {
	home := writeSSHConfig(t, map[string]string{
		".ssh/config": `Include config.d/*.conf missing/*.conf
Host b
  Include ~/.ssh/b.conf
  Port 2202
Host *
  User fallback
`,
		".ssh/config.d/20-port.conf": "Port 2020\n",
		".ssh/config.d/10-a.conf":    "Host a\n  User alice\n  HostName 10.2.0.1\n  Port 1010\n",
		".ssh/config.d/notes.txt":    "Host *\n  User never\n",
		".ssh/b.conf":                "User bob\nIdentityFile ~/.ssh/b\nHost c\n  User carol\n",
	})
	c, err := loadSSHConfig(filepath.Join(home, ".ssh", "config"), home)
	if err != nil {
		t.Fatal(err)
	}
	checkLookups(t, c, []lookupTest{
		{"a", rootEnv, sshHostConfig{HostName: "10.2.0.1", User: "alice", Port: 1010}},
		{"b", rootEnv, sshHostConfig{User: "bob", Port: 2020, IdentityFiles: []string{"~/.ssh/b"}}},
		{"c", rootEnv, sshHostConfig{User: "fallback", Port: 2020}},
		{"x", rootEnv, sshHostConfig{User: "fallback", Port: 2020}},
	})
}

// TestSSHConfigMatch: Match all, host, originalhost, user, localuser,
// negation and final apply as in OpenSSH; a Match kubeup cannot evaluate
// (exec, canonical, localnetwork ...) is skipped, even negated.
func TestSSHConfigMatch(t *testing.T) {
	c, err := parseSSHConfig(t, `Host fin
  HostName 10.9.0.1
Match exec "true"
  User exec-never
Match !exec "false"
  User exec-never-either
Match canonical all
  User canonical-never
Match localnetwork 10.0.0.0/8
  User network-never
Match originalhost alias1 user root
  Port 3000
Match user deploy,!admin
  Port 4000
Match !localuser me
  IdentityFile ~/.ssh/not-mine
Match localuser m?
  IdentityFile ~/.ssh/mine
Match final host 10.9.*
  ProxyJump finaljump
Host 10.9.0.1
  Port 5000
Match host !alias2,*
  User not-alias2
MATCH All
  User everyone
`)
	if err != nil {
		t.Fatal(err)
	}
	mine := []string{"~/.ssh/mine"}
	checkLookups(t, c, []lookupTest{
		{"alias1", rootEnv, sshHostConfig{Port: 3000, User: "not-alias2", IdentityFiles: mine}},
		{"alias1", sshMatchEnv{user: "deploy", localUser: "you"}, sshHostConfig{Port: 4000, User: "not-alias2", IdentityFiles: []string{"~/.ssh/not-mine"}}},
		{"alias2", sshMatchEnv{user: "admin", localUser: "me"}, sshHostConfig{User: "everyone", IdentityFiles: mine}},
		{"fin", rootEnv, sshHostConfig{HostName: "10.9.0.1", User: "not-alias2", IdentityFiles: mine, ProxyJump: "finaljump", Port: 5000}},
		{"10.9.0.2", rootEnv, sshHostConfig{User: "not-alias2", IdentityFiles: mine, ProxyJump: "finaljump"}},
	})
	// Match user compares the user obtained so far when the spec names none.
	c, err = parseSSHConfig(t, "Host h\n  User deploy\nMatch user deploy\n  Port 4000\nMatch user root\n  Port 22\n")
	if err != nil {
		t.Fatal(err)
	}
	checkLookups(t, c, []lookupTest{
		{"h", rootEnv, sshHostConfig{User: "deploy", Port: 4000}},
		{"other", rootEnv, sshHostConfig{Port: 22}},
	})
}

func TestSSHConfigMatchAndIncludeErrors(t *testing.T) {
	for doc, want := range map[string]string{
		"Match\n":                    "line 1: Match needs a criterion, such as all or host PATTERN",
		"Match host\n":               "line 1: Match host needs an argument",
		"Match all host a\n":         "line 1: Match all cannot be combined with other criteria",
		"Match host a all\n":         "Match all cannot be combined",
		"Match hots a\n":             "line 1: Match hots: unknown criterion",
		"Include\n":                  "line 1: Include needs a file",
		"Include config\n":           "Include nested more than 16 deep (does a file include itself?)",
		"Include [\n":                `Include "`,
		"Include sub\n":              "sub: line 2: Port \"ssh\" is not a port",
		"Match all\n  Port 99999\n":  `config: line 2: Port "99999" is not a port`,
		"Host *\n  Include sub\n":    "sub: line 2: Port",
		"Host a\n  User \"x y\n\n":   "line 2: a double quote is not closed",
		"Host b\nInclude ~/.ssh/q\n": "q: line 1: a double quote is not closed",
	} {
		home := writeSSHConfig(t, map[string]string{".ssh/config": doc, ".ssh/sub": "Host *\n  Port ssh\n", ".ssh/q": "User \"x\n"})
		c, err := loadSSHConfig(filepath.Join(home, ".ssh", "config"), home)
		if err == nil {
			_, err = c.lookup("a", rootEnv)
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", doc, err, want)
		}
	}
}

// TestTargetFromSSHConfigAlias: a host (or a bastion) written as a Host
// alias is dialled at its HostName, with the alias's settings, and %h in
// IdentityFile is the HostName, as OpenSSH; Include and Match feed the
// target like any other line.
func TestTargetFromSSHConfigAlias(t *testing.T) {
	home := writeSSHConfig(t, map[string]string{
		".ssh/config": "Include hosts/*\nMatch host 10.3.*\n  User deploy\n",
		".ssh/hosts/prod": "Host prod-cp\n  HostName 10.3.0.5\n  Port 2222\n  IdentityFile ~/.ssh/id_%h\n  ProxyJump gw\n" +
			"Host gw\n  HostName gw.example.com\n  User gate\n  Port 2200\n",
	})
	d := NewDialer(DialOptions{HomeDir: home, SSHConfigPath: filepath.Join(home, ".ssh", "config")})
	tg := mustTarget(t, d, spec.Host{Name: "cp1", Address: "prod-cp"})
	if tg.addr != "10.3.0.5:2222" || tg.user != "deploy" || tg.proxyJump != "gw" || len(tg.identities) == 0 || tg.identities[0] != home+"/.ssh/id_10.3.0.5" {
		t.Errorf("alias: %+v", tg)
	}
	if want := "host cp1 (10.3.0.5:2222)"; tg.label() != want {
		t.Errorf("label %q, want %q", tg.label(), want)
	}
	hops, err := d.bastionTargets(spec.Host{Name: "cp1"}, tg)
	if err != nil || len(hops) != 1 || hops[0].user+"@"+hops[0].addr != "gate@gw.example.com:2200" {
		t.Errorf("bastion alias: %+v, %v", hops, err)
	}
	tg = mustTarget(t, d, spec.Host{Name: "cp2", Address: "prod-cp", SSH: spec.SSH{User: "root", Port: 22}})
	if tg.addr != "10.3.0.5:22" || tg.user != "root" {
		t.Errorf("the spec must win over the alias's settings: %+v", tg)
	}
}
