package conformance

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	"kubeup.dev/kubeup/internal/atomicfile"
	"kubeup.dev/kubeup/internal/conformance/testimages"
)

// Result is a run's record: conformance/results/latest.json.
type Result struct {
	KubernetesVersion string      `json:"kubernetesVersion"`
	ControlPlaneMode  string      `json:"controlPlaneMode"`
	Focus             string      `json:"focus,omitempty"`
	Parallel          int         `json:"parallel"`
	StartedAt         string      `json:"startedAt"`
	DurationSeconds   float64     `json:"durationSeconds"`
	Passed            int         `json:"passed"`
	Failed            int         `json:"failed"`
	Skipped           int         `json:"skipped"`
	Failures          []Failure   `json:"failures"`
	Skips             []Failure   `json:"skips,omitempty"` // specs that skipped themselves, and why
	ImagesNotMade     []ImageNote `json:"imagesNotMade,omitempty"`
	Reports           []string    `json:"reports"`
}

// ImageNote is an image of e2e.test's list that was not made, and why.
type ImageNote struct {
	Image  string `json:"image"`
	Reason string `json:"reason"`
}

// NewResult fills a Result from a summary.
func NewResult(version, mode string, o Options, started time.Time, s Summary, notMade []testimages.Wanted) Result {
	r := Result{KubernetesVersion: version, ControlPlaneMode: mode, Focus: o.Focus, Parallel: o.Parallel,
		StartedAt: started.UTC().Format(time.RFC3339), DurationSeconds: s.Duration.Seconds(),
		Passed: s.Passed, Failed: s.Failed, Skipped: s.Skipped, Failures: s.Failures, Skips: s.Skips}
	if r.Failures == nil {
		r.Failures = []Failure{}
	}
	for _, p := range o.passes() {
		r.Reports = append(r.Reports, "junit-"+p.name+".xml", "report-"+p.name+".json")
	}
	for _, w := range notMade {
		r.ImagesNotMade = append(r.ImagesNotMade, ImageNote{Image: w.Ref, Reason: w.Reason})
	}
	return r
}

// Write writes r to dir/latest.json.
func (r Result) Write(dir string) (string, error) {
	j, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, "latest.json")
	if err := atomicfile.WriteFile(p, append(j, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("write the conformance summary: %w", err)
	}
	return p, nil
}
