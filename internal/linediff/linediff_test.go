package linediff

import (
	"strings"
	"testing"
)

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		name, old, new string
		add, rm        int
		str            string
	}{
		{name: "same", old: "a\nb\n", new: "a\nb\n", str: "no line changed"},
		{name: "one setting", old: "kind: X\nmaxPods: 110\nport: 1\n", new: "kind: X\nmaxPods: 50\nport: 1\n", add: 1, rm: 1,
			str: "+1 -1 lines: - maxPods: 110; + maxPods: 50"},
		{name: "added flag", old: "ExecStart=x \\\n  --a\n", new: "ExecStart=x \\\n  --a \\\n  --b\n", add: 2, rm: 1},
		{name: "from empty", old: "", new: "a\nb\nc\nd\n", add: 4, str: "+4 -0 lines: + a; + b; + c; ..."},
		{name: "to empty", old: "a\n", new: "", rm: 1, str: "+0 -1 lines: - a"},
		{name: "no final newline", old: "a\nb", new: "a\nb\n", str: "no line changed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Compare([]byte(tc.old), []byte(tc.new))
			if s.Added != tc.add || s.Removed != tc.rm {
				t.Errorf("+%d -%d, want +%d -%d (%q)", s.Added, s.Removed, tc.add, tc.rm, s.Lines)
			}
			if tc.str != "" && s.String() != tc.str {
				t.Errorf("String() = %q, want %q", s.String(), tc.str)
			}
		})
	}
}

func TestCompareLargeFallsBackToCounts(t *testing.T) {
	var a, b strings.Builder
	for i := 0; i < 3000; i++ {
		a.WriteString("line\n")
		b.WriteString("line\n")
	}
	b.WriteString("new\n")
	s := Compare([]byte(a.String()), []byte(b.String()))
	if s.Added != 1 || s.Removed != 0 || s.Lines[0] != "+new" {
		t.Errorf("large diff: %+v", s)
	}
}

func TestLongLinesAreClipped(t *testing.T) {
	s := Compare([]byte("x\n"), []byte(strings.Repeat("y", 200)+"\n"))
	if got := s.String(); len(got) > 150 || !strings.Contains(got, "...") {
		t.Errorf("long line not clipped: %q", got)
	}
}
