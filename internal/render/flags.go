package render

import (
	"maps"
	"slices"
	"strings"

	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
)

// mergeFlags merges a component's default flags with the user's extra
// flags (names without "--") into "--name=value" words: defaults in name
// order, an extra flag of the same name replacing its value in place, the
// other extra flags appended in name order. Units and pods both take their
// command lines from it.
func mergeFlags(defaults, extra map[string]string) []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(defaults)) {
		v := defaults[name]
		if x, ok := extra[name]; ok {
			v = x
		}
		out = append(out, "--"+name+"="+v)
	}
	for _, name := range slices.Sorted(maps.Keys(extra)) {
		if _, ok := defaults[name]; !ok {
			out = append(out, "--"+name+"="+extra[name])
		}
	}
	return out
}

// flags is mergeFlags escaped for a systemd ExecStart line.
func flags(defaults, extra map[string]string) []string {
	out := mergeFlags(defaults, extra)
	for i, w := range out {
		out[i] = systemdArg(w)
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

// unitFile renders the unit of component name at its path, root-only
// (CIS 1.1.1 to 1.1.8 and 4.1.1 ask 0600 of unit files).
func unitFile(name string, d unitData) (hostfile.File, error) {
	b, err := unit(name, d)
	if err != nil {
		return hostfile.File{}, err
	}
	return rootOnly(layout.Unit(name), b), nil
}

// runFiles renders how component name runs on the host: its staged static
// pod manifest when it runs as one, else its unit running the host binary,
// both with the same merged flags.
func runFiles(in *input, name string, defaults, extra map[string]string) ([]hostfile.File, error) {
	if in.runsAs(name) == catalog.StaticPod {
		f, err := staticPodFile(in, name, defaults, extra)
		if err != nil {
			return nil, err
		}
		return []hostfile.File{f}, nil
	}
	return unitFiles(in, name, unitData{Exec: layout.Binary(name), Args: flags(defaults, extra)})
}

// unitFiles renders component name's unit when it runs as one, and no file
// when a pod runs it.
func unitFiles(in *input, name string, d unitData) ([]hostfile.File, error) {
	if in.runsAs(name) != catalog.Unit {
		return nil, nil
	}
	u, err := unitFile(name, d)
	if err != nil {
		return nil, err
	}
	return []hostfile.File{u}, nil
}
