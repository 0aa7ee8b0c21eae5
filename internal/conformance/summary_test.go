package conformance

import (
	"os"
	"path/filepath"
	"testing"
)

// a ginkgo JSON report, trimmed to the fields the summary reads.
const reportJSON = `[{"SuiteDescription":"Kubernetes e2e suite","SpecReports":[
 {"LeafNodeType":"SynchronizedBeforeSuite","State":"passed"},
 {"ContainerHierarchyTexts":["[sig-node] Pods"],"LeafNodeText":"should be submitted and removed [Conformance]","LeafNodeType":"It","State":"passed"},
 {"ContainerHierarchyTexts":["[sig-network] DNS"],"LeafNodeText":"should provide DNS for services [Conformance]","LeafNodeType":"It","State":"failed",
  "Failure":{"Message":"\n  Unexpected error:\n  dial tcp: i/o timeout\nmore"}},
 {"ContainerHierarchyTexts":["[sig-apps] Job"],"LeafNodeText":"should run a job [Conformance]","LeafNodeType":"It","State":"timedout","Failure":{"Message":"A spec timeout occurred"}},
 {"ContainerHierarchyTexts":["[sig-cli] Kubectl"],"LeafNodeText":"filtered out","LeafNodeType":"It","State":"skipped"},
 {"ContainerHierarchyTexts":["[sig-cli] Kubectl"],"LeafNodeText":"skipped one","LeafNodeType":"It","State":"skipped","Failure":{"Message":"Only supported for providers [gce]"}},
 {"LeafNodeType":"SynchronizedAfterSuite","State":"failed","Failure":{"Message":"cleanup failed"}}
]}]`

func TestSummarize(t *testing.T) {
	p := filepath.Join(t.TempDir(), "report.json")
	if err := os.WriteFile(p, []byte(reportJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Summarize(p, p)
	if err != nil {
		t.Fatal(err)
	}
	if s.Passed != 2 || s.Failed != 4 || s.Skipped != 2 {
		t.Errorf("passed/failed/skipped = %d/%d/%d, want 2/4/2", s.Passed, s.Failed, s.Skipped)
	}
	if len(s.Skips) != 2 || s.Skips[0].Error != "Only supported for providers [gce]" {
		t.Errorf("skips = %+v, want the runtime skip (twice) with its reason", s.Skips)
	}
	if len(s.Failures) != 6 {
		t.Fatalf("failures = %+v", s.Failures)
	}
	want := Failure{Spec: "[sig-network] DNS should provide DNS for services [Conformance]", State: "failed", Error: "Unexpected error:"}
	if s.Failures[4] != want {
		t.Errorf("failures = %+v, want %+v among them", s.Failures, want)
	}
	if s.Failures[0].Spec != "(suite setup)" || s.Failures[0].Error != "cleanup failed" {
		t.Errorf("suite failure = %+v", s.Failures[0])
	}
	if _, err := Summarize(filepath.Join(t.TempDir(), "none.json")); err == nil {
		t.Error("a missing report is not an error")
	}
}
