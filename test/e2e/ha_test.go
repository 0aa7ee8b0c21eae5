//go:build e2e

package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestApplyHA deploys three control-plane and etcd hosts and a worker:
// etcd runs three healthy members, a changed kube-apiserver setting
// restarts kube-apiserver alone, on one control-plane host at a time, and
// switching to static-pods mode converts the cluster host by host,
// keeping its data and workloads.
func TestApplyHA(t *testing.T) {
	kubeup, dir, name, specPath := newSandbox(t, "ha", 4, 3)

	r := must(t, dir, 15*time.Minute, kubeup, "apply", "-f", specPath)
	t.Logf("cold apply of 3 control planes + 1 worker took %.1fs", r.took.Seconds())
	st := must(t, dir, 5*time.Minute, kubeup, "status", "-f", specPath)
	if n := strings.Count(st.out, "etcd healthy"); n != 3 {
		t.Errorf("status shows %d healthy etcd members, want 3:\n%s", n, st.out)
	}

	doc := readFile(t, specPath)
	const endpoint = "  controlPlane:\n    endpoint: \"\"\n"
	if !strings.Contains(doc, endpoint) {
		t.Fatalf("the sandbox spec has no empty controlPlane endpoint:\n%s", doc)
	}
	writeFile(t, specPath, strings.Replace(doc, endpoint, endpoint+"    apiServerExtraArgs:\n      event-ttl: 2h0m0s\n", 1))
	dry := must(t, dir, 5*time.Minute, kubeup, "apply", "-f", specPath, "--dry-run")
	var restarts []string
	for _, h := range dryRunHosts(dry.err) {
		for _, c := range h.changes {
			if strings.HasPrefix(c, "restart ") {
				restarts = append(restarts, h.name+": "+c)
			}
		}
	}
	sort.Strings(restarts)
	var want []string
	for i := 1; i <= 3; i++ {
		want = append(want, fmt.Sprintf("%s-node%d: restart kube-apiserver (its files changed)", name, i))
	}
	if strings.Join(restarts, "\n") != strings.Join(want, "\n") {
		t.Errorf("dry run of an apiserver setting plans restarts:\n%s\nwant:\n%s", strings.Join(restarts, "\n"), strings.Join(want, "\n"))
	}

	started := unitInvocations(t, name, 4)
	js := must(t, dir, 15*time.Minute, kubeup, "apply", "-f", specPath, "-o", "json")
	t.Logf("apply of an apiserver setting took %.1fs", js.took.Seconds())
	restarted := compareInvocations(started, unitInvocations(t, name, 4))
	var wantRestarted []string
	for i := 1; i <= 3; i++ {
		wantRestarted = append(wantRestarted, fmt.Sprintf("%s-node%d/kube-apiserver", name, i))
	}
	if strings.Join(restarted, " ") != strings.Join(wantRestarted, " ") {
		t.Errorf("an apiserver setting restarted %v, want %v", restarted, wantRestarted)
	}
	checkOneAtATime(t, js.out, "restart kube-apiserver")
	checkConversion(t, kubeup, dir, name, specPath, 4, 3)
}

// checkOneAtATime reads apply's JSON events: the changes whose message
// starts with what must not overlap in time.
func checkOneAtATime(t *testing.T, events, what string) {
	t.Helper()
	type span struct{ start, end time.Time }
	var spans []span
	sc := bufio.NewScanner(strings.NewReader(events))
	for sc.Scan() {
		var e struct {
			Kind    string    `json:"kind"`
			Time    time.Time `json:"time"`
			Host    string    `json:"host"`
			Message string    `json:"message"`
			Seconds float64   `json:"seconds"`
		}
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.Kind != "change" || !strings.HasPrefix(e.Message, what) {
			continue
		}
		t.Logf("%s: %s took %.1fs", e.Host, e.Message, e.Seconds)
		spans = append(spans, span{e.Time.Add(-time.Duration(e.Seconds * float64(time.Second))), e.Time})
	}
	if len(spans) != 3 {
		t.Fatalf("%d %q events, want 3", len(spans), what)
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start.Before(spans[j].start) })
	for i := 1; i < len(spans); i++ {
		if spans[i].start.Before(spans[i-1].end) {
			t.Errorf("%q ran on two hosts at once: %v overlaps %v", what, spans[i], spans[i-1])
		}
	}
}
