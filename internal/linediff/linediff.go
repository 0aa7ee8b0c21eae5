// Package linediff summarises how a text file changes: how many lines
// are added and removed, and the first changed lines, for dry runs and
// change reports.
package linediff

import (
	"fmt"
	"strings"
)

// maxCells bounds the longest-common-subsequence table; larger inputs
// are summarised by counting lines that only one side has.
const maxCells = 4 << 20

// Summary is the difference between two versions of a text.
type Summary struct {
	Added, Removed int
	// Lines are the changed lines in order, each prefixed by "-" or "+".
	Lines []string
}

// Compare diffs old against new line by line.
func Compare(old, new []byte) Summary {
	a, b := splitLines(old), splitLines(new)
	if len(a)*len(b) > maxCells {
		return bagDiff(a, b)
	}
	return lcsDiff(a, b)
}

// String is "+A -R lines" followed by up to three changed lines.
func (s Summary) String() string {
	if s.Added == 0 && s.Removed == 0 {
		return "no line changed"
	}
	out := fmt.Sprintf("+%d -%d lines", s.Added, s.Removed)
	const show = 3
	lines := s.Lines
	if len(lines) > show {
		lines = lines[:show]
	}
	for i, l := range lines {
		lines[i] = clip(strings.TrimSpace(l[:1])+" "+strings.TrimSpace(l[1:]), 60)
	}
	if len(lines) == 0 {
		return out
	}
	out += ": " + strings.Join(lines, "; ")
	if len(s.Lines) > show {
		out += "; ..."
	}
	return out
}

func splitLines(b []byte) []string {
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

// lcsDiff walks a longest-common-subsequence table of a and b.
func lcsDiff(a, b []string) Summary {
	n, m := len(a), len(b)
	t := make([][]int32, n+1)
	for i := range t {
		t[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			switch {
			case a[i] == b[j]:
				t[i][j] = t[i+1][j+1] + 1
			case t[i+1][j] >= t[i][j+1]:
				t[i][j] = t[i+1][j]
			default:
				t[i][j] = t[i][j+1]
			}
		}
	}
	var s Summary
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			i, j = i+1, j+1
		case j < m && (i == n || t[i][j+1] > t[i+1][j]):
			s.Added++
			s.Lines = append(s.Lines, "+"+b[j])
			j++
		default:
			s.Removed++
			s.Lines = append(s.Lines, "-"+a[i])
			i++
		}
	}
	return s
}

// bagDiff counts the lines each side has more of than the other.
func bagDiff(a, b []string) Summary {
	count := map[string]int{}
	for _, l := range a {
		count[l]++
	}
	for _, l := range b {
		count[l]--
	}
	var s Summary
	for _, l := range a {
		if count[l] > 0 {
			count[l]--
			s.Removed++
			s.Lines = append(s.Lines, "-"+l)
		}
	}
	for _, l := range b {
		if count[l] < 0 {
			count[l]++
			s.Added++
			s.Lines = append(s.Lines, "+"+l)
		}
	}
	return s
}
