package spec

import (
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// DecodeProblems explains, field by field, why Parse rejected b: unknown
// fields (with the closest known name), keys set twice and values of the
// wrong type, each with its field path and line. It returns nil when b is
// not YAML at all or no field is at fault; Parse's error says why then.
func DecodeProblems(b []byte) Problems {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil || len(doc.Content) == 0 {
		return nil
	}
	w := &decodeWalker{}
	w.walk(doc.Content[0], reflect.TypeFor[Cluster](), "")
	return w.ps
}

// decodeWalker compares a YAML node tree with the Go types it decodes into.
type decodeWalker struct {
	ps Problems
}

func (w *decodeWalker) errorf(path string, n *yaml.Node, format string, args ...any) {
	msg := fmt.Sprintf("line %d: ", n.Line) + fmt.Sprintf(format, args...)
	w.ps = append(w.ps, Problem{Path: path, Message: msg, Severity: SeverityError})
}

// walk checks node n against type t at path.
func (w *decodeWalker) walk(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	if reflect.PointerTo(t).Implements(reflect.TypeFor[yaml.Unmarshaler]()) {
		w.leaf(n, t, path)
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		w.walk(n, t.Elem(), path)
	case reflect.Struct:
		w.mapping(n, t, path)
	case reflect.Slice:
		w.sequence(n, t, path)
	case reflect.Map:
		w.dict(n, t, path)
	default:
		w.leaf(n, t, path)
	}
}

// mapping checks a struct's fields: each key must be a known field.
func (w *decodeWalker) mapping(n *yaml.Node, t reflect.Type, path string) {
	fields := yamlFields(t)
	if n.Kind != yaml.MappingNode {
		w.errorf(path, n, "expected fields (%s), not %s", strings.Join(fieldNames(fields), ", "), nodeKind(n))
		return
	}
	for k, val := range w.pairs(n, path) {
		ft, ok := lookupField(fields, k.Value)
		if !ok {
			w.errorf(pathField(path, k.Value), k, "unknown field%s", suggest(k.Value, fieldNames(fields)))
			continue
		}
		w.walk(val, ft, pathField(path, k.Value))
	}
}

// sequence checks a list and each of its items.
func (w *decodeWalker) sequence(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind != yaml.SequenceNode {
		w.errorf(path, n, "expected a list, such as [a, b], not %s", nodeKind(n))
		return
	}
	for i, item := range n.Content {
		w.walk(item, t.Elem(), pathIndex(path, i))
	}
}

// dict checks a map of names to values.
func (w *decodeWalker) dict(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind != yaml.MappingNode {
		w.errorf(path, n, "expected name: value pairs, not %s", nodeKind(n))
		return
	}
	for k, val := range w.pairs(n, path) {
		w.walk(val, t.Elem(), pathKey(path, k.Value))
	}
}

// pairs yields a mapping's key and value nodes, reporting keys set twice
// and skipping merge keys.
func (w *decodeWalker) pairs(n *yaml.Node, path string) func(func(*yaml.Node, *yaml.Node) bool) {
	return func(yield func(*yaml.Node, *yaml.Node) bool) {
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Value == "<<" {
				continue
			}
			if line, dup := seen[k.Value]; dup {
				w.errorf(pathField(path, k.Value), k, "set again (first on line %d): keep one", line)
				continue
			}
			seen[k.Value] = k.Line
			if !yield(k, n.Content[i+1]) {
				return
			}
		}
	}
}

// leaf decodes a scalar value into t and reports a value of the wrong type.
func (w *decodeWalker) leaf(n *yaml.Node, t reflect.Type, path string) {
	err := n.Decode(reflect.New(t).Interface())
	if err == nil {
		return
	}
	if reflect.PointerTo(t).Implements(reflect.TypeFor[yaml.Unmarshaler]()) {
		msg := err.Error()
		if _, rest, ok := strings.Cut(msg, ": "); ok && strings.HasPrefix(msg, "line ") {
			msg = rest
		}
		w.errorf(path, n, "%s", msg)
		return
	}
	if n.Kind != yaml.ScalarNode {
		w.errorf(path, n, "expected %s, not %s", kindName(t), nodeKind(n))
		return
	}
	w.errorf(path, n, "%q is not %s", n.Value, kindName(t))
}

// yamlField is a struct field as YAML names it.
type yamlField struct {
	name string
	typ  reflect.Type
}

// yamlFields returns a struct's YAML fields in declaration order.
func yamlFields(t reflect.Type) []yamlField {
	var out []yamlField
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name != "" && name != "-" && f.IsExported() {
			out = append(out, yamlField{name, f.Type})
		}
	}
	return out
}

// lookupField finds the field named name.
func lookupField(fields []yamlField, name string) (reflect.Type, bool) {
	for _, f := range fields {
		if f.name == name {
			return f.typ, true
		}
	}
	return nil, false
}

// fieldNames returns the names of fields.
func fieldNames(fields []yamlField) []string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	return names
}

// kindName describes what a Go type accepts.
func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	}
	return "a " + t.Kind().String()
}

// nodeKind describes a YAML node for messages.
func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return fmt.Sprintf("%q", n.Value)
}

// suggest names the known field closest to name, or lists them all.
func suggest(name string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if d := editDistance(strings.ToLower(name), strings.ToLower(k)); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best != "" {
		return fmt.Sprintf(": did you mean %q?", best)
	}
	return ": known fields are " + strings.Join(known, ", ")
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
