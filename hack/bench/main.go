// Command bench measures kubeup on a sandbox and writes the medians to
// bench/results/latest.json with a short table on stdout: cold apply (fresh
// nodes, artifacts and node image cached), re-apply of a healthy cluster,
// and reset, each over several rounds of the same run, in both
// control-plane modes (systemd and static-pods); then the e2e test
// that applies, runs pods and resets a cluster -reset-repeats times in a
// row, recording how many rounds succeeded and the median reset time; and
// the e2e test that upgrades a 1+2 cluster from the minor before the
// default to the default with a client sending requests throughout,
// -upgrade-rounds times (upgrade_minor_s, upgrade_failed_requests).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"kubeup.dev/kubeup/internal/versions"
)

type options struct {
	kubeup, version, out                string
	rounds, resetRepeats, upgradeRounds int
}

// figure is one measured quantity.
type figure struct {
	Median  float64   `json:"median"`
	Samples []float64 `json:"samples"`
	Unit    string    `json:"unit"`
}

func main() {
	var o options
	flag.StringVar(&o.kubeup, "kubeup", "bin/kubeup", "kubeup binary")
	flag.StringVar(&o.version, "kubernetes-version", versions.Default(), "Kubernetes version")
	flag.StringVar(&o.out, "out", "bench/results/latest.json", "results file")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds per figure")
	flag.IntVar(&o.resetRepeats, "reset-repeats", 10, "apply, pods and reset rounds of the repeated reset test (0 skips it)")
	flag.IntVar(&o.upgradeRounds, "upgrade-rounds", 3, "minor upgrades of a 1+2 cluster under load (0 skips them)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	kubeup, err := filepath.Abs(o.kubeup)
	if err != nil {
		return err
	}
	samples := map[string][]float64{}
	// The first build may compile (cold); the ones after it are warm.
	for i := 0; i <= o.rounds; i++ {
		d, err := timed(kubeup, "", "artifacts", "build", "--kubernetes-version", o.version)
		if err != nil {
			return err
		}
		if i > 0 {
			samples["artifacts_build_warm_s"] = append(samples["artifacts_build_warm_s"], d.Seconds())
		}
	}
	for i := 1; i <= o.rounds; i++ {
		for _, mode := range []string{"systemd", "static-pods"} {
			if err := round(kubeup, i, mode, samples); err != nil {
				return fmt.Errorf("round %d (%s): %w", i, mode, err)
			}
		}
	}
	counts := map[string]any{}
	if o.resetRepeats > 0 {
		rr, err := repeatedReset(kubeup, o.resetRepeats)
		if err != nil {
			return err
		}
		if len(rr.ResetSec) > 0 {
			samples["reset_with_pods_s"] = rr.ResetSec
		}
		counts["reset_with_pods_rounds"], counts["reset_with_pods_rounds_ok"] = rr.Rounds, rr.OK
	}
	if err := upgrades(kubeup, o.upgradeRounds, samples, counts); err != nil {
		return err
	}
	return report(o.out, o.version, samples, counts)
}

// upgradeResult is what the e2e test TestUpgradeMinor writes.
type upgradeResult struct {
	Seconds  float64 `json:"upgrade_s"`
	Requests int     `json:"requests"`
	Failed   int     `json:"failed"`
}

// upgrades runs the e2e test TestUpgradeMinor rounds times (each on new
// nodes, the upgrade uninterrupted) and records the upgrade's duration
// and the requests that failed during it, summed over the rounds.
func upgrades(kubeup string, rounds int, samples map[string][]float64, counts map[string]any) error {
	sent, failed := 0, 0
	for i := 1; i <= rounds; i++ {
		var res upgradeResult
		if err := e2eResult(kubeup, "TestUpgradeMinor", "KUBEUP_UPGRADE_RESULTS", nil, &res); err != nil {
			return fmt.Errorf("upgrade round %d: %w", i, err)
		}
		samples["upgrade_minor_s"] = append(samples["upgrade_minor_s"], res.Seconds)
		sent, failed = sent+res.Requests, failed+res.Failed
		fmt.Printf("upgrade round %d: %.1fs, %d of %d requests failed\n", i, res.Seconds, res.Failed, res.Requests)
	}
	if rounds > 0 {
		counts["upgrade_requests"], counts["upgrade_failed_requests"] = sent, failed
	}
	return nil
}

// resetRounds is what the e2e test TestResetRepeatedWithPods writes.
type resetRounds struct {
	Rounds   int       `json:"rounds"`
	OK       int       `json:"ok"`
	ResetSec []float64 `json:"reset_s"`
}

// repeatedReset runs the e2e test TestResetRepeatedWithPods for rounds
// rounds and returns what it recorded; a failed round ends the test, and
// the rounds before it still count.
func repeatedReset(kubeup string, rounds int) (resetRounds, error) {
	res := resetRounds{Rounds: rounds}
	err := e2eResult(kubeup, "TestResetRepeatedWithPods", "KUBEUP_RESET_RESULTS", []string{fmt.Sprintf("KUBEUP_RESET_REPEATS=%d", rounds)}, &res)
	if err != nil {
		return res, err
	}
	fmt.Printf("repeated reset: %d of %d rounds ok\n", res.OK, res.Rounds)
	return res, nil
}

// e2eResult runs the e2e test named test with env, which writes its
// results as JSON to the file named by $resultsVar, and reads them into
// res. What the test recorded counts even when it failed later.
func e2eResult(kubeup, test, resultsVar string, env []string, res any) error {
	f, err := os.CreateTemp("", "kubeup-bench-*.json")
	if err != nil {
		return err
	}
	f.Close()
	defer os.Remove(f.Name())
	cmd := exec.Command("go", "test", "-tags", "e2e", "-count=1", "-v", "-timeout", "120m", "-run", "^"+test+"$", "./test/e2e/")
	cmd.Env = append(append(os.Environ(), "KUBEUP_BIN="+kubeup, resultsVar+"="+f.Name()), env...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	testErr := cmd.Run()
	b, err := os.ReadFile(f.Name())
	if err != nil || len(b) == 0 {
		return fmt.Errorf("%s recorded nothing (%v): %v", test, err, testErr)
	}
	if err := json.Unmarshal(b, res); err != nil {
		return fmt.Errorf("read the results of %s: %w", test, err)
	}
	return nil
}

// modeSuffix names a figure of spec.controlPlane.mode mode.
func modeSuffix(mode string) string { return "_" + strings.ReplaceAll(mode, "-", "_") }

// setMode writes spec.controlPlane.mode into the sandbox's spec.
func setMode(spec, mode string) error {
	b, err := os.ReadFile(spec)
	if err != nil {
		return err
	}
	cp := strings.Index(string(b), "\n  controlPlane:\n")
	at := strings.Index(string(b)[max(cp, 0):], "\n    mode: ")
	if cp < 0 || at < 0 {
		return fmt.Errorf("%s has no spec.controlPlane.mode", spec)
	}
	start := cp + at + len("\n    mode: ")
	end := start + strings.Index(string(b)[start:], "\n")
	doc := string(b)[:start] + mode + string(b)[end:]
	return os.WriteFile(spec, []byte(doc), 0o600)
}

// round creates fresh nodes, applies (cold) in control-plane mode mode,
// re-applies, resets and deletes the nodes. The systemd figures keep their
// names (apply_cold_s, reapply_s, reset_s) and the cold apply of each mode
// is also apply_cold_s_MODE.
func round(kubeup string, i int, mode string, samples map[string][]float64) error {
	dir, err := os.MkdirTemp("", "kubeup-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	name := fmt.Sprintf("bench%d%s", i, map[string]string{"systemd": "", "static-pods": "sp"}[mode])
	spec := filepath.Join(dir, name+".yaml")
	_, _ = timed(kubeup, dir, "sandbox", "delete", "--name", name)
	defer timed(kubeup, dir, "sandbox", "delete", "--name", name)
	d, err := timed(kubeup, dir, "sandbox", "create", "--name", name, "--nodes", "3", "--control-planes", "1", "-f", spec)
	if err != nil {
		return err
	}
	samples["sandbox_create_s"] = append(samples["sandbox_create_s"], d.Seconds())
	if err := setMode(spec, mode); err != nil {
		return err
	}
	suffix := ""
	if mode != "systemd" {
		suffix = modeSuffix(mode)
	}
	steps := []struct {
		keys []string
		args []string
	}{
		{[]string{"apply_cold_s" + suffix, "apply_cold_s" + modeSuffix(mode)}, []string{"apply", "-f", spec}},
		{[]string{"reapply_s" + suffix}, []string{"apply", "-f", spec}},
		{[]string{"reset_s" + suffix}, []string{"reset", "-f", spec, "--yes"}},
	}
	for _, s := range steps {
		d, err := timed(kubeup, dir, s.args...)
		if err != nil {
			return err
		}
		for _, k := range slices.Compact(s.keys) {
			samples[k] = append(samples[k], d.Seconds())
		}
		fmt.Printf("round %d: %s %.1fs\n", i, s.keys[0], d.Seconds())
	}
	d, err = timed(kubeup, dir, "sandbox", "delete", "--name", name)
	if err != nil {
		return err
	}
	samples["sandbox_delete_s"] = append(samples["sandbox_delete_s"], d.Seconds())
	return nil
}

func timed(kubeup, dir string, args ...string) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, kubeup, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("kubeup %s: %w", strings.Join(args, " "), err)
	}
	return time.Since(start), nil
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// report merges the figures and counts into the results file and prints
// a table.
func report(path, version string, samples map[string][]float64, counts map[string]any) error {
	res := map[string]any{}
	if b, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(b, &res)
	}
	keys := make([]string, 0, len(samples))
	for k := range samples {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Printf("\n%-24s %8s  %s\n", "figure", "median", "samples (s)")
	for _, k := range keys {
		f := figure{Median: median(samples[k]), Samples: samples[k], Unit: "s"}
		res[k] = f.Median
		res[k+"_detail"] = f
		fmt.Printf("%-24s %7.1fs  %v\n", k, f.Median, samples[k])
	}
	for k, v := range counts {
		res[k] = v
		fmt.Printf("%-24s %8v\n", k, v)
	}
	res["kubernetes_version"] = version
	res["measured_at"] = time.Now().UTC().Format(time.RFC3339)
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
