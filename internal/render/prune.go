package render

import (
	"encoding/json"
	"reflect"
	"strings"
)

// pruneZero deletes from m, the decoded JSON form of v, every member whose
// Go field is not a pointer and holds its zero value. The component and API
// types emit such fields ("syncFrequency: 0s", "bindAddress: \"\"") although
// their consumers cannot tell zero from absent and default both alike;
// pointer fields carry meaning when zero (maxPerCore: 0) and are kept.
func pruneZero(v reflect.Value, m map[string]any) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return
	}
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, inline := jsonName(sf)
		if name == "-" {
			continue
		}
		fv := v.Field(i)
		if inline {
			pruneZero(fv, m)
			continue
		}
		if fv.Kind() != reflect.Pointer && fv.Kind() != reflect.Interface && fv.IsZero() {
			delete(m, name)
			continue
		}
		pruneValue(fv, m[name])
	}
}

// pruneValue recurses into a struct member or a list of structs unless the
// type encodes itself (durations, quantities, int-or-string).
func pruneValue(v reflect.Value, j any) {
	if marshalsItself(v) {
		return
	}
	switch jt := j.(type) {
	case map[string]any:
		pruneZero(v, jt)
	case []any:
		if v.Kind() != reflect.Slice && v.Kind() != reflect.Array {
			return
		}
		for i := 0; i < v.Len() && i < len(jt); i++ {
			if m, ok := jt[i].(map[string]any); ok && !marshalsItself(v.Index(i)) {
				pruneZero(v.Index(i), m)
			}
		}
	}
}

func marshalsItself(v reflect.Value) bool {
	m, t := reflect.TypeFor[json.Marshaler](), v.Type()
	return t.Implements(m) || reflect.PointerTo(t).Implements(m)
}

// jsonName returns a field's JSON member name and whether its members are
// inlined into the parent object.
func jsonName(sf reflect.StructField) (string, bool) {
	tag := sf.Tag.Get("json")
	name, opts, _ := strings.Cut(tag, ",")
	if name == "-" && opts == "" {
		return "-", false
	}
	if sf.Anonymous && name == "" {
		return "", true
	}
	if strings.Contains(","+opts+",", ",inline,") {
		return "", true
	}
	if name == "" {
		name = sf.Name
	}
	return name, false
}
