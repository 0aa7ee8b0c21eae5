package render

import (
	"maps"
	"slices"
	"strings"
)

// flags merges a component's default flags with the user's extra flags
// (names without "--"): defaults in name order, an extra flag of the same
// name replacing its value in place, the other extra flags appended in name
// order. The result is ready for a systemd ExecStart line.
func flags(defaults, extra map[string]string) []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(defaults)) {
		v := defaults[name]
		if x, ok := extra[name]; ok {
			v = x
		}
		out = append(out, systemdArg("--"+name+"="+v))
	}
	for _, name := range slices.Sorted(maps.Keys(extra)) {
		if _, ok := defaults[name]; !ok {
			out = append(out, systemdArg("--"+name+"="+extra[name]))
		}
	}
	return out
}

// systemdArg escapes one command-line word for ExecStart: specifiers (%) and
// variables ($) are doubled, and a word with blanks, quotes or backslashes
// is double-quoted with C escapes.
func systemdArg(s string) string {
	s = strings.NewReplacer("%", "%%", "$", "$$").Replace(s)
	if !strings.ContainsAny(s, " \t\n\"'\\;") {
		return s
	}
	q := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\t", `\t`).Replace(s)
	return `"` + q + `"`
}

// unitData is what a unit template receives.
type unitData struct {
	Exec string   // absolute path of the binary
	Args []string // escaped command-line words
	Env  []string // KEY=VALUE, escaped
}

// unit renders templates/<name>.service.tmpl.
func unit(name string, d unitData) ([]byte, error) {
	return execute(name+".service.tmpl", d)
}
