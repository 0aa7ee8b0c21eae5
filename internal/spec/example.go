package spec

import _ "embed"

//go:embed example.yaml
var example []byte

// Example returns a commented example spec that validates.
func Example() []byte { return append([]byte(nil), example...) }
