package versions

import (
	"strings"
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestReleasesAreOrderedAndComplete(t *testing.T) {
	rs := Releases()
	for i, r := range rs {
		if i > 0 && (r.Minor != rs[i-1].Minor+1 || !r.End().After(rs[i-1].End())) {
			t.Errorf("release 1.%d does not follow 1.%d (minors consecutive, later end of life)", r.Minor, rs[i-1].Minor)
		}
		if m, err := Minor(r.Patch); err != nil || m != r.Minor {
			t.Errorf("release 1.%d: patch %q is not of its minor (%v)", r.Minor, r.Patch, err)
		}
		for name, v := range map[string]string{"etcd": r.Etcd, "coredns": r.CoreDNS, "pause": r.Pause, "flannel": r.Flannel,
			"containerd": r.Containerd, "runc": r.Runc, "cni plugins": r.CNIPlugins, "cri-tools": r.CriTools} {
			if v == "" {
				t.Errorf("release 1.%d has no %s version", r.Minor, name)
			}
		}
		_ = r.End() // panics on a malformed date
	}
	if Default() != "v1.37.2" {
		t.Errorf("Default() = %s, want the newest patch of the newest minor", Default())
	}
}

func TestWindowFollowsEndOfLife(t *testing.T) {
	cases := []struct {
		today string
		want  string
	}{
		{"2026-10-27", "1.34 (until 2026-10-27), 1.35 (until 2027-02-28), 1.36 (until 2027-06-28), 1.37 (until 2027-10-28)"},
		{"2026-10-28", "1.35 (until 2027-02-28), 1.36 (until 2027-06-28), 1.37 (until 2027-10-28)"},
		{"2026-12-07", "1.35 (until 2027-02-28), 1.36 (until 2027-06-28), 1.37 (until 2027-10-28)"},
		{"2027-03-01", "1.36 (until 2027-06-28), 1.37 (until 2027-10-28)"},
	}
	for _, c := range cases {
		if got := DescribeWindow(day(c.today)); got != c.want {
			t.Errorf("%s: window %q, want %q", c.today, got, c.want)
		}
	}
}

func TestCheckTarget(t *testing.T) {
	today := day("2026-12-07")
	cases := []struct {
		version, warn, err string
	}{
		{"v1.37.2", "", ""},
		{"v1.36.0", "", ""},
		{"v1.35.4", "", ""},
		{"v1.34.4", "", "kubernetes 1.34 reached its end of life on 2026-10-27 and is no longer a target: maintained are 1.35 (until 2027-02-28), " +
			"1.36 (until 2027-06-28), 1.37 (until 2027-10-28); a cluster on 1.34 upgrades to v1.35.4 (one minor at a time)"},
		{"v1.33.0", "", "not known to this kubeup"},
		{"v1.38.0", "", "not known to this kubeup"},
		{"1.37.2", "", "must start with v"},
	}
	for _, c := range cases {
		warn, err := CheckTarget(c.version, today)
		if warn != c.warn || (err == nil) != (c.err == "") || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("CheckTarget(%s) = %q, %v; want %q, %q", c.version, warn, err, c.warn, c.err)
		}
	}
	warn, err := CheckTarget("v1.35.4", day("2027-01-15"))
	if err != nil || warn != "Kubernetes 1.35 reaches its end of life on 2027-02-28 (in 45 days): plan the upgrade to v1.36.3" {
		t.Errorf("1.35 six weeks before its end = %q, %v", warn, err)
	}
	if warn, _ := CheckTarget("v1.37.2", day("2027-10-01")); !strings.Contains(warn, "the next minor (with a newer kubeup)") {
		t.Errorf("1.37 near its end = %q", warn)
	}
}

func TestCheckUpgrade(t *testing.T) {
	cases := []struct {
		from, to, warn, err string
	}{
		{"", "v1.37.2", "", ""},
		{"v1.36.3", "v1.37.2", "", ""},
		{"v1.34.4", "v1.35.4", "", ""},
		{"v1.37.1", "v1.37.2", "", ""},
		{"v1.37.2", "v1.37.2", "", ""},
		{"v1.37.2", "v1.37.1", "v1.37.2 to v1.37.1 goes back a patch release", ""},
		{"v1.35.4", "v1.37.2", "", "v1.35.4 to v1.37.2 skips 1.36: Kubernetes upgrades one minor at a time: set spec.kubernetesVersion to v1.36.3, apply, then go on to v1.37.2"},
		{"v1.37.2", "v1.36.3", "", "goes back a minor, which Kubernetes does not support: keep spec.kubernetesVersion at 1.37 or newer"},
		{"v1.36.3-dirty", "v1.37.2", "", "read the installed version"},
	}
	for _, c := range cases {
		warn, err := CheckUpgrade(c.from, c.to)
		if warn != c.warn || (err == nil) != (c.err == "") || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("CheckUpgrade(%q, %q) = %q, %v; want %q, %q", c.from, c.to, warn, err, c.warn, c.err)
		}
	}
}

func TestPrevious(t *testing.T) {
	if r, err := Previous("v1.37.2"); err != nil || r.Patch != "v1.36.3" {
		t.Errorf("Previous(v1.37.2) = %v, %v", r.Patch, err)
	}
	if _, err := Previous("v1.34.4"); err == nil || !strings.Contains(err.Error(), "no minor before v1.34.4's") {
		t.Errorf("Previous(v1.34.4) = %v", err)
	}
}
