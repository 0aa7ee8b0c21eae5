package spec

import (
	"reflect"
	"strings"
)

// RedactedUserinfo replaces the user and password of a URL that holds
// them (https://user:pass@mirror.example.com) wherever kubeup shows or
// stores the URL outside the spec file.
const RedactedUserinfo = "REDACTED"

// RedactURL returns s with the userinfo of every URL in it (the
// user:password@ or token@ after a scheme's //) replaced by
// RedactedUserinfo. It works on text, so that URLs that do not parse (a
// password with a raw / in it), and messages that quote a URL, are
// redacted too: everything from the // to the last @ before the next
// white space or quote goes, which errs towards hiding too much (an @ in
// a URL's path) rather than too little. Text without a URL is returned
// unchanged.
func RedactURL(s string) string {
	if !strings.Contains(s, "@") || !strings.Contains(s, "://") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "://")
		if i < 0 {
			break
		}
		i += len("://")
		end := strings.IndexAny(s[i:], "\"'`<> \t\r\n")
		if end < 0 {
			end = len(s)
		} else {
			end += i
		}
		// One token at a time: its last @ ends the userinfo of the
		// first URL in it, and no @ follows in the token.
		if at := strings.LastIndex(s[i:end], "@"); at >= 0 {
			b.WriteString(s[:i] + RedactedUserinfo)
			b.WriteString(s[i+at : end])
		} else {
			b.WriteString(s[:end])
		}
		s = s[end:]
	}
	b.WriteString(s)
	return b.String()
}

// Redacted returns a copy of c in which every string (each field, list
// item, map key and value) has passed through RedactURL: what kubeup
// writes of the spec to the cluster (the kube-system/kubeup-config
// ConfigMap) and to hosts holds no credential from a URL, whichever field
// the URL is in. c is not changed.
func Redacted(c *Cluster) *Cluster {
	out := redactValue(reflect.ValueOf(c).Elem())
	r := out.Interface().(Cluster)
	return &r
}

// redactValue returns a deep copy of v with RedactURL applied to every
// string in it.
func redactValue(v reflect.Value) reflect.Value {
	out := reflect.New(v.Type()).Elem()
	switch v.Kind() {
	case reflect.String:
		out.SetString(RedactURL(v.String()))
	case reflect.Pointer:
		if !v.IsNil() {
			p := reflect.New(v.Type().Elem())
			p.Elem().Set(redactValue(v.Elem()))
			out.Set(p)
		}
	case reflect.Struct:
		out.Set(v) // unexported fields, and those of other kinds, as they are
		for i := range v.NumField() {
			if out.Field(i).CanSet() {
				out.Field(i).Set(redactValue(v.Field(i)))
			}
		}
	case reflect.Slice:
		if !v.IsNil() {
			s := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
			for i := range v.Len() {
				s.Index(i).Set(redactValue(v.Index(i)))
			}
			out.Set(s)
		}
	case reflect.Map:
		if !v.IsNil() {
			m := reflect.MakeMapWithSize(v.Type(), v.Len())
			for it := v.MapRange(); it.Next(); {
				m.SetMapIndex(redactValue(it.Key()), redactValue(it.Value()))
			}
			out.Set(m)
		}
	default:
		out.Set(v)
	}
	return out
}
