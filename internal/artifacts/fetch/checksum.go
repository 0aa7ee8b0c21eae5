package fetch

import (
	"bufio"
	"bytes"
	"fmt"
	"path"
	"strings"
)

// isSHA256 reports whether s is 64 hex digits.
func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range strings.ToLower(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// parseSums finds the sha256 of file name in a checksum file: either one
// bare hash (dl.k8s.io's NAME.sha256) or sha256sum lines "HASH  NAME" or
// "HASH *NAME" (SHA256SUMS, .sha256sum). A single hash line is taken even
// if its name differs only by directory.
func parseSums(data []byte, name string) (string, error) {
	var found []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || !isSHA256(fields[0]) {
			continue
		}
		sum := strings.ToLower(fields[0])
		if len(fields) == 1 {
			found = append(found, sum)
			continue
		}
		if path.Base(strings.TrimPrefix(fields[1], "*")) == name {
			return sum, nil
		}
	}
	if len(found) == 1 {
		return found[0], nil
	}
	return "", fmt.Errorf("no sha256 for %s in the checksum file", name)
}
