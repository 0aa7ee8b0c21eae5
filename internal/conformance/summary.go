package conformance

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"
)

// Summary is what a run of the suite found.
type Summary struct {
	Passed   int           `json:"passed"`
	Failed   int           `json:"failed"`
	Skipped  int           `json:"skipped"`
	Duration time.Duration `json:"-"`
	Failures []Failure     `json:"failures"`
	Skips    []Failure     `json:"skips,omitempty"` // specs that skipped themselves, and why
}

// Failure is one spec that did not pass.
type Failure struct {
	Spec  string `json:"spec"`
	State string `json:"state"` // failed, panicked, timedout, interrupted, aborted
	Error string `json:"error"` // the first line of its failure message
}

// report is the part of ginkgo's JSON report (an array of suite reports)
// the summary reads.
type report struct {
	SpecReports []struct {
		ContainerHierarchyTexts []string
		LeafNodeText            string
		LeafNodeType            string
		State                   string
		Failure                 struct{ Message string }
	}
}

// Summarize reads ginkgo JSON reports and counts their specs. Suite-level
// nodes (BeforeSuite and the like) count only when they fail. A spec
// counts as skipped only when it skipped itself while running (it says
// why); the specs the label filter and focus left out are not counted.
func Summarize(paths ...string) (Summary, error) {
	var s Summary
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return s, fmt.Errorf("read the conformance report: %w", err)
		}
		var suites []report
		if err := json.Unmarshal(data, &suites); err != nil {
			return s, fmt.Errorf("conformance report %s: %w", p, err)
		}
		for _, suite := range suites {
			for _, r := range suite.SpecReports {
				name := strings.TrimSpace(strings.Join(append(append([]string{}, r.ContainerHierarchyTexts...), r.LeafNodeText), " "))
				s.count(r.LeafNodeType == "It", name, r.State, r.Failure.Message)
			}
		}
	}
	sort.Slice(s.Failures, func(i, j int) bool { return s.Failures[i].Spec < s.Failures[j].Spec })
	return s, nil
}

// count adds one spec report to s.
func (s *Summary) count(isSpec bool, name, state, message string) {
	switch {
	case state == "passed" && isSpec:
		s.Passed++
	case state == "skipped" || state == "pending":
		if isSpec && message != "" {
			s.Skipped++
			s.Skips = append(s.Skips, Failure{Spec: name, State: state, Error: firstLine(message)})
		}
	case state == "passed":
	default:
		if isSpec {
			s.Failed++
		}
		if name == "" {
			name = "(suite setup)"
		}
		s.Failures = append(s.Failures, Failure{Spec: name, State: state, Error: firstLine(message)})
	}
}

// firstLine is the first non-blank line of msg, at most 300 characters.
func firstLine(msg string) string {
	for _, l := range strings.Split(msg, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			if len(l) > 300 {
				l = l[:300] + "…"
			}
			return l
		}
	}
	return ""
}
