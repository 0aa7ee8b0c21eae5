package spec

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxShown is the most bytes of a spec value that a message repeats: a
// value pasted by mistake (a whole file, megabytes long) is cut short.
const maxShown = 256

// clip returns s, or its first maxShown bytes (whole runes) followed by
// "..." and its length when it is longer; the userinfo of a URL in it is
// redacted first (see RedactURL), so that no message repeats a password.
func clip(s string) string {
	s = RedactURL(s)
	if len(s) <= maxShown {
		return s
	}
	cut := maxShown
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s... (%d bytes)", s[:cut], len(s))
}

// message is text kubeup wrote (a hint, a fix): clipArgs leaves it whole.
type message string

// clipArgs clips the string and Role arguments of a message, the values a
// spec holds, so that no message repeats a huge value whole.
func clipArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch a := a.(type) {
		case string:
			out[i] = clip(a)
		case Role:
			out[i] = clip(string(a))
		default:
			out[i] = a
		}
	}
	return out
}

// text checks every string of the spec (fields, list items, map keys and
// values) for line breaks and other control characters: they would split
// the flags, unit files and YAML kubeup renders from them.
func (v *validator) text(c *Cluster) {
	v.textValue(reflect.ValueOf(c).Elem(), "")
}

// textValue checks the strings in rv, whose field path is path.
func (v *validator) textValue(rv reflect.Value, path string) {
	switch rv.Kind() {
	case reflect.String:
		v.oneLine(path, rv.String())
	case reflect.Pointer:
		if !rv.IsNil() {
			v.textValue(rv.Elem(), path)
		}
	case reflect.Struct:
		for _, f := range yamlFields(rv.Type()) {
			v.textValue(rv.Field(f.index), pathField(path, f.name))
		}
	case reflect.Slice:
		for i := range rv.Len() {
			v.textValue(rv.Index(i), pathIndex(path, i))
		}
	case reflect.Map:
		keys := rv.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			p := pathKey(path, k.String())
			v.oneLine(p, k.String())
			v.textValue(rv.MapIndex(k), p)
		}
	}
}

// oneLine reports a value holding a line break or another control
// character.
func (v *validator) oneLine(path, s string) {
	i := strings.IndexFunc(s, unicode.IsControl)
	if i < 0 {
		return
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	if r == '\n' || r == '\r' {
		v.errorf(path, "%q holds a line break: write the value on one line", s)
		return
	}
	v.errorf(path, "%q holds the control character %U: remove it", s, r)
}
