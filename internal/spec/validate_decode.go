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
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil
	}
	return nodeProblems(&doc)
}

// nodeProblems is DecodeProblems on a parsed document.
func nodeProblems(doc *yaml.Node) Problems {
	if len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	if p, ok := headerProblem(root); ok {
		return Problems{p}
	}
	w := &decodeWalker{}
	w.walk(root, reflect.TypeFor[Cluster](), "")
	return w.ps
}

// headerProblem reports a document of another kind or API version (a Pod,
// a Cluster API Cluster): its fields are not worth listing one by one.
func headerProblem(root *yaml.Node) (Problem, bool) {
	kind, apiVersion := topScalar(root, "kind"), topScalar(root, "apiVersion")
	switch {
	case kind != nil && kind.Value != Kind:
		return Problem{Path: "kind", Severity: SeverityError, Message: fmt.Sprintf(
			"line %d: kind %s is not supported: kubeup reads kind %s (apiVersion %s); is this the right file? kubeup init writes an example",
			kind.Line, clip(kind.Value), Kind, APIVersion)}, true
	case apiVersion != nil && apiVersion.Value != APIVersion:
		return Problem{Path: "apiVersion", Severity: SeverityError, Message: fmt.Sprintf(
			"line %d: apiVersion %s is not supported: use %s", apiVersion.Line, clip(apiVersion.Value), APIVersion)}, true
	}
	return Problem{}, false
}

// topScalar returns the non-null scalar value of key in the mapping root,
// or nil.
func topScalar(root *yaml.Node, key string) *yaml.Node {
	if root.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if v := root.Content[i+1]; root.Content[i].Value == key && v.Kind == yaml.ScalarNode && v.Tag != "!!null" {
			return v
		}
	}
	return nil
}

// decodeWalker compares a YAML node tree with the Go types it decodes into.
type decodeWalker struct {
	ps Problems
}

// errorf adds an error at path, naming n's line; its arguments are
// clipped as validator.errorf's.
func (w *decodeWalker) errorf(path string, n *yaml.Node, format string, args ...any) {
	msg := fmt.Sprintf("line %d: ", n.Line) + fmt.Sprintf(format, clipArgs(args)...)
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
		w.errorf(path, n, "expected fields (%s), not %s", message(strings.Join(fieldNames(fields), ", ")), nodeKind(n))
		return
	}
	for k, val := range w.pairs(n, path) {
		ft, ok := lookupField(fields, k.Value)
		if !ok {
			w.errorf(pathField(path, k.Value), k, "unknown field%s", message(suggest(k.Value, fieldNames(fields))))
			continue
		}
		w.walk(val, ft, pathField(path, k.Value))
		w.explicitZero(val, ft, zeroHint(t, k.Value), pathField(path, k.Value))
	}
}

// explicitZero reports a zero written out (port: 0, caValidity: 0s) in a
// field that SetDefaults fills when it is zero: the value would be
// replaced silently. hint says what to write instead; "" skips the check.
func (w *decodeWalker) explicitZero(n *yaml.Node, t reflect.Type, hint, path string) {
	if hint == "" || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return
	}
	v := reflect.New(t)
	if err := n.Decode(v.Interface()); err == nil && v.Elem().IsZero() {
		w.errorf(path, n, "%q makes no sense here: %s", n.Value, message(hint))
	}
}

// sequence checks a list and each of its items.
func (w *decodeWalker) sequence(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind != yaml.SequenceNode {
		w.errorf(path, n, "expected a list, such as [a, b], not %s", nodeKind(n))
		return
	}
	for i, item := range n.Content {
		if item.Kind == yaml.ScalarNode && item.Tag == "!!null" {
			w.errorf(pathIndex(path, i), item, "an empty list item (- null or a lone -) would be dropped: remove it or fill it in")
			continue
		}
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
	if isInteger(t) && n.Kind == yaml.ScalarNode && n.Tag == "!!float" {
		w.errorf(path, n, "%q is not %s", n.Value, kindName(t)) // the decoder would drop the fraction
		return
	}
	err := n.Decode(reflect.New(t).Interface())
	if err == nil {
		return
	}
	if reflect.PointerTo(t).Implements(reflect.TypeFor[yaml.Unmarshaler]()) {
		msg := err.Error()
		if _, rest, ok := strings.Cut(msg, ": "); ok && strings.HasPrefix(msg, "line ") {
			msg = rest
		}
		w.errorf(path, n, "%s", message(msg)) // the value in it is clipped
		return
	}
	if n.Kind != yaml.ScalarNode {
		w.errorf(path, n, "expected %s, not %s", kindName(t), nodeKind(n))
		return
	}
	w.errorf(path, n, "%q is not %s", n.Value, kindName(t))
}

// isInteger reports whether t is a signed or unsigned integer type.
func isInteger(t reflect.Type) bool {
	return t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64
}

// yamlField is a struct field as YAML names it.
type yamlField struct {
	name  string
	typ   reflect.Type
	index int // the field's index in its struct
}

// yamlFields returns a struct's YAML fields in declaration order.
func yamlFields(t reflect.Type) []yamlField {
	var out []yamlField
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name != "" && name != "-" && f.IsExported() {
			out = append(out, yamlField{name, f.Type, i})
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
	}
	if isInteger(t) {
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
		if len(name) > len(k)+bestDist {
			continue // too far apart: spare the distance of a huge name
		}
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
