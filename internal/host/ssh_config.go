package host

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// sshConfig is what kubeup reads of an OpenSSH client configuration
// (~/.ssh/config and the files it includes): the HostName, User, Port,
// IdentityFile and ProxyJump settings, each with the Host and Match
// conditions under which it applies, in the order OpenSSH reads them.
type sshConfig struct {
	settings []sshSetting
	// final is set when a Match uses final: OpenSSH then reads the
	// configuration a second time, final matching only then.
	final bool
}

// sshSetting is one keyword line: the lower-case keyword, its value, where
// it was read and the conditions (the enclosing Host or Match line, and
// those of the lines that included its file) that must all hold.
type sshSetting struct {
	key, value string
	file       string
	line       int
	conds      []*sshCond
}

// sshCond is a Host line (its patterns) or a Match line (its criteria).
type sshCond struct {
	hosts    []string
	criteria []matchCriterion // nil for a Host line
}

// matchCriterion is one criterion of a Match line, such as host a,b or
// !user root.
type matchCriterion struct {
	name   string // lower case: all, host, originalhost, user, localuser, final, ...
	negate bool
	arg    string // comma-separated patterns; empty for all, final, canonical
}

// sshHostConfig is the settings that apply to one host name: for each
// keyword the first value obtained, as OpenSSH; every IdentityFile.
type sshHostConfig struct {
	HostName      string // the address to connect to; empty: the name itself
	User          string
	Port          int
	IdentityFiles []string
	ProxyJump     string
}

// sshMatchEnv is what Match criteria compare with besides the host name.
type sshMatchEnv struct {
	user        string // the user the spec names (as ssh -l), or ""
	defaultUser string // the user connected as when neither spec nor config names one
	localUser   string // the user running kubeup
}

// maxIncludeDepth bounds nested Include lines, as OpenSSH's 16.
const maxIncludeDepth = 16

// loadSSHConfig reads the file at p and the files it includes (a relative
// Include is below home/.ssh, as OpenSSH's for a user configuration); a
// missing file (or an empty p) is an empty configuration.
func loadSSHConfig(p, home string) (*sshConfig, error) {
	c := &sshConfig{}
	if p == "" {
		return c, nil
	}
	if err := c.read(p, home, nil, 0); err != nil {
		return nil, err
	}
	return c, nil
}

// read adds the settings of the file at p under the conditions outer.
func (c *sshConfig) read(p, home string, outer []*sshCond, depth int) error {
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read ssh config: %w", err) // names the file
	}
	defer f.Close()
	return c.parse(f, p, home, outer, depth)
}

// parse reads one configuration file named name. Lines before its first
// Host or Match apply under outer alone (to every host in the top file),
// as in OpenSSH; an Include reads its files under the conditions of the
// block it stands in.
func (c *sshConfig) parse(r io.Reader, name, home string, outer []*sshCond, depth int) error {
	conds := outer
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		at := fmt.Sprintf("ssh config %s: line %d", name, n) // errors end ": fix that line"
		key, args, err := splitConfigLine(sc.Text())
		if err != nil {
			return lineError(at, "%v", err)
		}
		switch key {
		case "":
		case "host":
			if len(args) == 0 {
				return lineError(at, "Host needs at least one pattern")
			}
			conds = append(slices.Clip(outer), &sshCond{hosts: args})
		case "match":
			crit, err := parseMatch(args)
			if err != nil {
				return lineError(at, "%v", err)
			}
			c.final = c.final || slices.ContainsFunc(crit, func(m matchCriterion) bool { return m.name == "final" })
			conds = append(slices.Clip(outer), &sshCond{criteria: crit})
		case "include":
			if err := c.include(args, at, home, conds, depth); err != nil {
				return err
			}
		default:
			if len(args) == 0 {
				return lineError(at, "%s needs a value", key)
			}
			c.settings = append(c.settings, sshSetting{key: key, value: strings.Join(args, " "), file: name, line: n, conds: conds})
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read ssh config %s: %w", name, err)
	}
	return nil
}

// lineError is an error at a line of a configuration file (at names both).
func lineError(at, format string, args ...any) error {
	return fmt.Errorf("%s: %s: fix that line", at, fmt.Sprintf(format, args...))
}

// include reads the files an Include line names: each argument a path
// or glob, ~ the home directory, relative ones below home/.ssh; a pattern
// that matches nothing is no error, as in OpenSSH.
func (c *sshConfig) include(args []string, at, home string, conds []*sshCond, depth int) error {
	if len(args) == 0 {
		return lineError(at, "Include needs a file")
	}
	if depth >= maxIncludeDepth {
		return lineError(at, "Include nested more than %d deep (does a file include itself?)", maxIncludeDepth)
	}
	for _, pattern := range args {
		switch {
		case pattern == "~" || strings.HasPrefix(pattern, "~/"):
			pattern = home + pattern[1:]
		case !filepath.IsAbs(pattern):
			pattern = filepath.Join(home, ".ssh", pattern)
		}
		files, err := filepath.Glob(pattern)
		if err != nil {
			return lineError(at, "Include %q: %v", pattern, err)
		}
		for _, f := range files {
			if err := c.read(f, home, conds, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// parseMatch parses a Match line's criteria. Criteria kubeup does not
// evaluate (exec, localnetwork, tagged, version, canonical ...) never
// match, so a block that needs one is skipped rather than misapplied; an
// unknown criterion is an error, as in OpenSSH.
func parseMatch(args []string) ([]matchCriterion, error) {
	if len(args) == 0 {
		return nil, errors.New("Match needs a criterion, such as all or host PATTERN")
	}
	var out []matchCriterion
	for i := 0; i < len(args); i++ {
		m := matchCriterion{name: strings.ToLower(args[i])}
		m.name, m.negate = strings.CutPrefix(m.name, "!")
		switch m.name {
		case "all", "canonical", "final":
		case "host", "originalhost", "user", "localuser", "exec", "localnetwork", "tagged", "version", "sessiontype", "command":
			if i+1 >= len(args) {
				return nil, fmt.Errorf("Match %s needs an argument", m.name)
			}
			i++
			m.arg = args[i]
		default:
			return nil, fmt.Errorf("Match %s: unknown criterion", m.name)
		}
		out = append(out, m)
	}
	isAll := func(m matchCriterion) bool { return m.name == "all" }
	if slices.ContainsFunc(out, isAll) && slices.ContainsFunc(out, func(m matchCriterion) bool {
		return !isAll(m) && m.name != "canonical" && m.name != "final"
	}) {
		return nil, errors.New("Match all cannot be combined with other criteria but canonical and final")
	}
	return out, nil
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

// lookup returns the settings for host as OpenSSH obtains them: each
// setting whose conditions hold gives its keyword unless an earlier one
// did. Host patterns match the name as written (host), Match host the
// HostName obtained so far. When a Match uses final, a second pass with
// final true follows, as OpenSSH's, in which Host patterns match the
// HostName too.
func (c *sshConfig) lookup(host string, env sshMatchEnv) (sshHostConfig, error) {
	var out sshHostConfig
	seen := map[string]bool{}
	passes := []bool{false}
	if c.final {
		passes = append(passes, true)
	}
	for _, final := range passes {
		st := matchState{original: host, host: host, final: final, env: env, out: &out}
		if final {
			st.host = out.hostName(host)
		}
		for _, s := range c.settings {
			if !st.holds(s.conds) {
				continue
			}
			if err := out.set(s, seen, host); err != nil {
				return sshHostConfig{}, err
			}
		}
	}
	return out, nil
}

// hostName is the address to connect to for host: HostName, else host.
func (hc *sshHostConfig) hostName(host string) string { return cmp.Or(hc.HostName, host) }

// matchState is one pass of a lookup.
type matchState struct {
	original string // the name as written
	host     string // what Host patterns match: original, or HostName in the final pass
	final    bool
	env      sshMatchEnv
	out      *sshHostConfig // the settings obtained so far
}

// holds reports whether every condition holds.
func (st matchState) holds(conds []*sshCond) bool {
	for _, c := range conds {
		if c.criteria == nil && !matchHost(c.hosts, st.host) {
			return false
		}
		for _, m := range c.criteria {
			if ok, known := st.criterion(m); !known || ok == m.negate {
				return false
			}
		}
	}
	return true
}

// criterion evaluates one Match criterion, before negation; known is
// false for a criterion kubeup cannot evaluate, which fails the Match
// negated or not: canonical (kubeup does not canonicalise host names),
// exec (kubeup runs no command from the file) and the rest.
func (st matchState) criterion(m matchCriterion) (ok, known bool) {
	switch m.name {
	case "all":
		return true, true
	case "final":
		return st.final, true
	case "host":
		return matchList(m.arg, st.out.hostName(st.original)), true
	case "originalhost":
		return matchList(m.arg, st.original), true
	case "user":
		return matchList(m.arg, cmp.Or(st.env.user, st.out.User, st.env.defaultUser)), true
	case "localuser":
		return matchList(m.arg, st.env.localUser), st.env.localUser != ""
	}
	return false, false
}

// matchList matches s against a Match argument, comma-separated patterns
// where !pattern excludes.
func matchList(list, s string) bool { return matchHost(strings.Split(list, ","), s) }

// set applies one setting unless its keyword was set before;
// IdentityFile adds to the list (once per file). host expands %h in
// HostName.
func (hc *sshHostConfig) set(s sshSetting, seen map[string]bool, host string) error {
	if s.key == "identityfile" {
		if !slices.Contains(hc.IdentityFiles, s.value) {
			hc.IdentityFiles = append(hc.IdentityFiles, s.value)
		}
		return nil
	}
	if seen[s.key] {
		return nil
	}
	seen[s.key] = true
	switch s.key {
	case "hostname":
		hc.HostName = strings.NewReplacer("%%", "%", "%h", host).Replace(s.value)
	case "user":
		hc.User = s.value
	case "port":
		p, err := strconv.Atoi(s.value)
		if err != nil || p < 1 || p > 65535 {
			return fmt.Errorf("ssh config %s: line %d: Port %q is not a port from 1 to 65535", s.file, s.line, s.value)
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
