package versions

import (
	"fmt"
	"strings"
	"time"
)

// Release is one Kubernetes minor release kubeup deploys: its newest
// patch, upstream's end of maintenance, and the versions of everything
// deployed with it. kubeadm's choices for the minor are followed where the
// module proxy serves them (etcd, CoreDNS, pause).
type Release struct {
	Minor     int    `json:"minor"`
	Patch     string `json:"patch"`     // newest patch, the default of the minor: v1.37.2
	EndOfLife string `json:"endOfLife"` // upstream's end of maintenance, YYYY-MM-DD (UTC)
	Etcd      string `json:"etcd"`
	CoreDNS   string `json:"coredns"`
	Pause     string `json:"pause"`
	Flannel   string `json:"flannel"`
	// The container runtime kubeup ships with the release.
	Containerd string `json:"containerd"` // without v, as containerd names its releases
	Runc       string `json:"runc"`
	CNIPlugins string `json:"cniPlugins"`
	CriTools   string `json:"criTools"`
}

// Releases is every minor kubeup knows, oldest first. The oldest is past
// its end of life and kept only as an upgrade source: clusters made on it
// can be upgraded to the next minor, inspected and reset.
func Releases() []Release {
	// shared fills what every minor has in common today.
	shared := func(r Release) Release {
		r.Pause, r.Flannel = "3.10.1", "v0.26.7"
		r.Containerd, r.Runc, r.CNIPlugins, r.CriTools = "2.4.2", "v1.5.3", "v1.10.0", "v1.37.0"
		return r
	}
	return []Release{
		shared(Release{Minor: 34, Patch: "v1.34.4", EndOfLife: "2026-10-27", Etcd: "v3.6.5", CoreDNS: "v1.12.4"}),
		shared(Release{Minor: 35, Patch: "v1.35.4", EndOfLife: "2027-02-28", Etcd: "v3.6.6", CoreDNS: "v1.13.1"}),
		shared(Release{Minor: 36, Patch: "v1.36.3", EndOfLife: "2027-06-28", Etcd: "v3.6.8", CoreDNS: "v1.14.2"}),
		shared(Release{Minor: 37, Patch: "v1.37.2", EndOfLife: "2027-10-28", Etcd: "v3.7.0", CoreDNS: "v1.14.6"}),
	}
}

// WarnBeforeEndOfLife is how long before a minor's end of life apply warns
// that it is near.
const WarnBeforeEndOfLife = 60 * 24 * time.Hour

// Default is the Kubernetes version kubeup deploys when none is named: the
// newest patch of the newest minor.
func Default() string {
	rs := Releases()
	return rs[len(rs)-1].Patch
}

// ReleaseOf returns the release of minor, or false when kubeup does not
// know it.
func ReleaseOf(minor int) (Release, bool) {
	for _, r := range Releases() {
		if r.Minor == minor {
			return r, true
		}
	}
	return Release{}, false
}

// End is the instant the release's maintenance ends: the end of its
// end-of-life day, UTC.
func (r Release) End() time.Time {
	t, err := time.Parse(time.DateOnly, r.EndOfLife)
	if err != nil {
		panic(fmt.Sprintf("versions: release 1.%d has end of life %q, not YYYY-MM-DD", r.Minor, r.EndOfLife))
	}
	return t.Add(24 * time.Hour)
}

// Supported reports whether upstream still maintains the release at now.
func (r Release) Supported(now time.Time) bool { return now.Before(r.End()) }

// Window returns the releases upstream maintains at now, oldest first.
func Window(now time.Time) []Release {
	var w []Release
	for _, r := range Releases() {
		if r.Supported(now) {
			w = append(w, r)
		}
	}
	return w
}

// DescribeWindow names the maintained minors with their end-of-life dates,
// for messages: "1.35 (until 2027-02-28), 1.36 (until 2027-06-28)".
func DescribeWindow(now time.Time) string {
	var parts []string
	for _, r := range Window(now) {
		parts = append(parts, fmt.Sprintf("1.%d (until %s)", r.Minor, r.EndOfLife))
	}
	return strings.Join(parts, ", ")
}

// CheckTarget says whether Kubernetes k may be deployed or upgraded to at
// now: an error for a version outside upstream's window (naming the
// window, its dates and the fix), a warning for one within
// WarnBeforeEndOfLife of its end of life, and neither otherwise.
func CheckTarget(k string, now time.Time) (warning string, err error) {
	r, err := releaseOfVersion(k)
	if err != nil {
		return "", err
	}
	if !r.Supported(now) {
		return "", fmt.Errorf("kubernetes 1.%d reached its end of life on %s and is no longer a target: maintained are %s; "+
			"a cluster on 1.%d upgrades to %s (one minor at a time)", r.Minor, r.EndOfLife, DescribeWindow(now), r.Minor, nextPatch(r.Minor))
	}
	if left := r.End().Sub(now); left < WarnBeforeEndOfLife {
		return fmt.Sprintf("Kubernetes 1.%d reaches its end of life on %s (in %d days): plan the upgrade to %s",
			r.Minor, r.EndOfLife, int(left.Hours()/24), nextPatch(r.Minor)), nil
	}
	return "", nil
}

// nextPatch is the default patch of the minor after minor, or "a newer
// kubeup" when kubeup knows none.
func nextPatch(minor int) string {
	if n, ok := ReleaseOf(minor + 1); ok {
		return n.Patch
	}
	return "the next minor (with a newer kubeup)"
}

// releaseOfVersion is the release of Kubernetes version k, or an error
// naming what kubeup knows.
func releaseOfVersion(k string) (Release, error) {
	minor, err := Minor(k)
	if err != nil {
		return Release{}, err
	}
	r, ok := ReleaseOf(minor)
	if !ok {
		rs := Releases()
		return Release{}, fmt.Errorf("kubernetes %s is not known to this kubeup: it knows 1.%d to 1.%d (default %s)",
			k, rs[0].Minor, rs[len(rs)-1].Minor, Default())
	}
	return r, nil
}

// CheckUpgrade says whether a host on Kubernetes from may move to to, as
// upstream's version skew policy allows: within its minor, or to the next
// minor. Skipping a minor or going back one is an error naming the way
// forward; going back a patch is a warning. An empty from (nothing
// installed yet) is always fine.
func CheckUpgrade(from, to string) (warning string, err error) {
	if from == "" {
		return "", nil
	}
	fm, fp, err := minorPatch(from)
	if err != nil {
		return "", fmt.Errorf("read the installed version: %w", err)
	}
	tm, tp, err := minorPatch(to)
	if err != nil {
		return "", err
	}
	switch {
	case tm > fm+1:
		return "", fmt.Errorf("%s to %s skips 1.%d: Kubernetes upgrades one minor at a time: set spec.kubernetesVersion to %s, apply, then go on to %s",
			from, to, fm+1, nextPatch(fm), to)
	case tm < fm:
		return "", fmt.Errorf("%s to %s goes back a minor, which Kubernetes does not support: keep spec.kubernetesVersion at 1.%d or newer", from, to, fm)
	case tm == fm && tp < fp:
		return fmt.Sprintf("%s to %s goes back a patch release", from, to), nil
	}
	return "", nil
}

// Previous returns the release of the minor before Kubernetes k's: the
// version a cluster upgrades from to reach k.
func Previous(k string) (Release, error) {
	minor, err := Minor(k)
	if err != nil {
		return Release{}, err
	}
	r, ok := ReleaseOf(minor - 1)
	if !ok {
		return Release{}, fmt.Errorf("kubeup knows no minor before %s's", k)
	}
	return r, nil
}
