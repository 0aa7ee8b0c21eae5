package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"

	"go.yaml.in/yaml/v3"
)

// Load reads, strictly decodes and defaults the spec at path. It does not
// validate: call Validate for that.
func Load(path string) (*Cluster, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read spec: %w", err)
	}
	c, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("spec %s: %w", path, err)
	}
	return c, nil
}

// Parse strictly decodes a spec document: unknown fields, values of the
// wrong type, empty list items and explicit zeros that a default would
// replace are errors that carry their field paths and lines (see
// DecodeProblems). Defaults are applied.
func Parse(b []byte) (*Cluster, error) {
	doc, err := oneDocument(b)
	if err != nil {
		return nil, err
	}
	if ps := nodeProblems(doc); ps.HasErrors() {
		return nil, problemsError(ps)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var c Cluster
	if err := dec.Decode(&c); err != nil {
		return nil, friendlyYAMLError(err)
	}
	SetDefaults(&c)
	return &c, nil
}

// oneDocument parses b, which must be exactly one YAML document.
func oneDocument(b []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var doc yaml.Node
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return nil, errors.New("the spec is empty: run 'kubeup init' for an example")
	} else if err != nil {
		return nil, syntaxError(b, err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
		return &doc, nil
	case err != nil:
		return nil, syntaxError(b, err)
	}
	return nil, errors.New("the spec holds more than one YAML document: keep one Cluster per file")
}

// problemsError joins the errors among ps, one per line.
func problemsError(ps Problems) error {
	msg := "invalid spec:"
	for _, p := range ps.Errors() {
		msg += "\n  " + p.text()
	}
	return errors.New(msg)
}

var goTypeName = regexp.MustCompile(` in type spec\.(\w+)`)

// friendlyYAMLError rewrites the decoder's Go type names into words a user
// knows and lists every problem it found.
func friendlyYAMLError(err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return fmt.Errorf("invalid YAML: %w", err)
	}
	msg := "invalid spec:"
	for _, e := range te.Errors {
		msg += "\n  " + goTypeName.ReplaceAllString(e, " (not a field of $1)")
	}
	return errors.New(msg)
}

// Marshal renders c as YAML.
func Marshal(c *Cluster) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return nil, err
	}
	return buf.Bytes(), enc.Close()
}
