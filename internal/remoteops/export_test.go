package remoteops

import "time"

// ParseFacts exposes parseFacts to the external tests.
func ParseFacts(out string, local time.Time) (*Facts, error) { return parseFacts(out, local) }
