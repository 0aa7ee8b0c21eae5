package spec

import (
	"fmt"
	"strconv"
	"strings"
)

// syntaxError explains a YAML syntax error in b: a tab in an indentation,
// a quoted value left open and a flow list or mapping never closed are
// named with their own line and the fix, since the parser's words ("found
// character that cannot start any token", "did not find expected key")
// say neither and its line can be another.
func syntaxError(b []byte, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	errLine := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		num, _, _ := strings.Cut(rest, ":")
		errLine, _ = strconv.Atoi(num)
	}
	lines := strings.Split(string(b), "\n")
	tab := tabIndentedLine(lines)
	var sc flowScanner
	for i, l := range lines {
		sc.scan(i+1, l)
	}
	switch {
	case tab > 0 && (tab == errLine || sc.quoteLine == 0 && len(sc.open) == 0):
		return fmt.Errorf("invalid YAML: line %d: a tab indents this line: YAML indents with spaces only, so replace the tab with spaces (the parser says: %s)", tab, msg)
	case sc.quoteLine > 0:
		return fmt.Errorf("invalid YAML: line %d: the value opened with %c is not closed on its line: add the closing %c (the parser says: %s)", sc.quoteLine, sc.quote, sc.quote, msg)
	case len(sc.open) > 0:
		o := sc.open[0]
		return fmt.Errorf("invalid YAML: line %d: the %c opened here is never closed: add the closing %c (the parser says: %s)", o.line, o.c, closer(o.c), msg)
	}
	return fmt.Errorf("invalid YAML: %s", msg)
}

// tabIndentedLine returns the 1-based number of the first line indented
// by a tab, or 0.
func tabIndentedLine(lines []string) int {
	for i, l := range lines {
		rest := strings.TrimLeft(l, " \t")
		if rest != "" && strings.Contains(l[:len(l)-len(rest)], "\t") {
			return i + 1
		}
	}
	return 0
}

// opener is a flow list or mapping bracket and its line.
type opener struct {
	c    byte
	line int
}

// closer returns the bracket that closes c.
func closer(c byte) byte {
	if c == '[' {
		return ']'
	}
	return '}'
}

// flowScanner follows quoted values and flow brackets through a document,
// line by line, outside comments.
type flowScanner struct {
	// quoteLine is the first line on which a quoted value opens and does
	// not close, and quote its quote character.
	quoteLine int
	quote     byte
	// open are the brackets not closed so far, outermost first.
	open []opener
}

// scan reads line n. A quote or bracket opens a value where YAML starts
// one: at the start of a line, after ": ", "- ", "[", "{" or ",", or
// anywhere inside a flow collection for brackets.
func (s *flowScanner) scan(n int, line string) {
	var q byte
	prev := byte(' ') // the last non-blank character outside quotes
	for i := 0; i < len(line); i++ {
		c := line[i]
		valueStart := strings.IndexByte(" :-[{,?", prev) >= 0 && (i == 0 || strings.IndexByte(" \t[{,", line[i-1]) >= 0)
		switch {
		case q == '"' && c == '\\':
			i++
		case q == '\'' && c == '\'' && i+1 < len(line) && line[i+1] == '\'':
			i++
		case q != 0 && c == q:
			q, prev = 0, c
		case q != 0:
		case c == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t'):
			return
		case (c == '"' || c == '\'') && valueStart:
			q = c
		case (c == '[' || c == '{') && (valueStart || len(s.open) > 0):
			s.open = append(s.open, opener{c, n})
			prev = c
		case (c == ']' || c == '}') && len(s.open) > 0 && closer(s.open[len(s.open)-1].c) == c:
			s.open = s.open[:len(s.open)-1]
			prev = c
		case c != ' ' && c != '\t':
			prev = c
		}
	}
	if q != 0 && s.quoteLine == 0 {
		s.quoteLine, s.quote = n, q
	}
}
