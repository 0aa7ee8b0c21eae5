package host

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"unicode"
)

// sshConfig is what kubeup reads of an OpenSSH client configuration
// (~/.ssh/config): its Host entries' User, Port, IdentityFile and
// ProxyJump. Match blocks are skipped, and Include is not followed.
type sshConfig struct {
	entries []sshConfigEntry
}

// sshConfigEntry is one Host block: its patterns and its settings, keyed
// by the lower-case keyword, in file order.
type sshConfigEntry struct {
	patterns []string
	settings []sshSetting
}

// sshSetting is one keyword line of a Host block.
type sshSetting struct {
	key, value string
	line       int
}

// sshHostConfig is the settings that apply to one host name: for each
// keyword the first value obtained, as OpenSSH; every IdentityFile.
type sshHostConfig struct {
	User          string
	Port          int
	IdentityFiles []string
	ProxyJump     string
}

// loadSSHConfig reads the file at p; a missing file (or an empty p) is an
// empty configuration.
func loadSSHConfig(p string) (*sshConfig, error) {
	if p == "" {
		return &sshConfig{}, nil
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return &sshConfig{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read ssh config: %w", err)
	}
	defer f.Close()
	c, err := parseSSHConfig(f)
	if err != nil {
		return nil, fmt.Errorf("ssh config %s: %w: fix that line", p, err)
	}
	return c, nil
}

// parseSSHConfig parses an OpenSSH client configuration. Lines before the
// first Host apply to every host, as in OpenSSH.
func parseSSHConfig(r io.Reader) (*sshConfig, error) {
	c := &sshConfig{entries: []sshConfigEntry{{patterns: []string{"*"}}}}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		key, args, err := splitConfigLine(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		switch key {
		case "":
		case "host":
			if len(args) == 0 {
				return nil, fmt.Errorf("line %d: Host needs at least one pattern", n)
			}
			c.entries = append(c.entries, sshConfigEntry{patterns: args})
		case "match": // a block kubeup does not evaluate: it never applies
			c.entries = append(c.entries, sshConfigEntry{})
		default:
			if len(args) == 0 {
				return nil, fmt.Errorf("line %d: %s needs a value", n, key)
			}
			e := &c.entries[len(c.entries)-1]
			e.settings = append(e.settings, sshSetting{key: key, value: strings.Join(args, " "), line: n})
		}
	}
	return c, sc.Err()
}

// splitConfigLine returns a line's lower-case keyword and its arguments
// (double quotes group words); "" for a blank line or a comment. The
// keyword may be followed by white space or "=".
func splitConfigLine(line string) (string, []string, error) {
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "#") {
		return "", nil, nil
	}
	end := strings.IndexFunc(line, func(r rune) bool { return unicode.IsSpace(r) || r == '=' })
	if end < 0 {
		return strings.ToLower(line), nil, nil
	}
	key, rest := strings.ToLower(line[:end]), strings.TrimSpace(line[end:])
	rest = strings.TrimSpace(strings.TrimPrefix(rest, "="))
	args, err := splitArgs(rest)
	return key, args, err
}

// splitArgs splits s into words at white space; double-quoted parts may
// hold white space.
func splitArgs(s string) ([]string, error) {
	var args []string
	var cur strings.Builder
	inQuote, inWord := false, false
	for _, r := range s {
		switch {
		case r == '"':
			inQuote, inWord = !inQuote, true
		case unicode.IsSpace(r) && !inQuote:
			if inWord {
				args = append(args, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inQuote {
		return nil, errors.New("a double quote is not closed")
	}
	if inWord {
		args = append(args, cur.String())
	}
	return args, nil
}

// lookup returns the settings for host: each entry whose patterns match
// contributes the keywords not set by an earlier one.
func (c *sshConfig) lookup(host string) (sshHostConfig, error) {
	var out sshHostConfig
	seen := map[string]bool{}
	for _, e := range c.entries {
		if !matchHost(e.patterns, host) {
			continue
		}
		for _, s := range e.settings {
			if err := out.set(s, seen); err != nil {
				return sshHostConfig{}, err
			}
		}
	}
	return out, nil
}

// set applies one setting unless its keyword was set before;
// IdentityFile adds to the list.
func (hc *sshHostConfig) set(s sshSetting, seen map[string]bool) error {
	if s.key == "identityfile" {
		hc.IdentityFiles = append(hc.IdentityFiles, s.value)
		return nil
	}
	if seen[s.key] {
		return nil
	}
	seen[s.key] = true
	switch s.key {
	case "user":
		hc.User = s.value
	case "port":
		p, err := strconv.Atoi(s.value)
		if err != nil || p < 1 || p > 65535 {
			return fmt.Errorf("line %d: Port %q is not a port from 1 to 65535", s.line, s.value)
		}
		hc.Port = p
	case "proxyjump":
		hc.ProxyJump = s.value
	}
	return nil
}

// matchHost reports whether host matches a Host line: some pattern
// matches it and no negated one (!pattern) does.
func matchHost(patterns []string, host string) bool {
	matched := false
	for _, p := range patterns {
		if neg, ok := strings.CutPrefix(p, "!"); ok {
			if matchPattern(neg, host) {
				return false
			}
			continue
		}
		matched = matched || matchPattern(p, host)
	}
	return matched
}

// matchPattern matches s against an OpenSSH pattern, where * is any run
// of characters and ? any one, ignoring case.
func matchPattern(pattern, s string) bool {
	p, t := []rune(strings.ToLower(pattern)), []rune(strings.ToLower(s))
	star, mark := -1, 0
	i, j := 0, 0
	for j < len(t) {
		switch {
		case i < len(p) && (p[i] == '?' || p[i] == t[j]):
			i, j = i+1, j+1
		case i < len(p) && p[i] == '*':
			star, mark = i, j
			i++
		case star >= 0:
			i, mark = star+1, mark+1
			j = mark
		default:
			return false
		}
	}
	for i < len(p) && p[i] == '*' {
		i++
	}
	return i == len(p)
}

// expandIdentity resolves an IdentityFile value: ~ and %d are the home
// directory, %h the host name, %r the remote user, %% a percent sign.
func expandIdentity(p, home, host, user string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		p = home + p[1:]
	}
	return strings.NewReplacer("%%", "%", "%d", home, "%h", host, "%r", user).Replace(p)
}
