package spec

import (
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"
)

// mirrorNames returns the download sources spec.artifacts.mirrors may
// override: package fetch's Sources, which imports this package (its
// tests check that the two agree).
func mirrorNames() []string {
	return []string{"kubernetes", "etcd", "flannel", "containerd", "cni", "flannel-cni", "runc", "cri-tools"}
}

// kubelet checks the node agent settings.
func (v *validator) kubelet(s *Spec) {
	const p = "spec.kubelet"
	if d := s.Kubelet.CgroupDriver; d != "systemd" && d != "cgroupfs" {
		v.errorf(pathField(p, "cgroupDriver"), "unknown cgroup driver %q: use systemd (or cgroupfs on hosts without systemd cgroups)", d)
	}
	if mp := s.Kubelet.MaxPods; mp < 1 || mp > maxMaxPods {
		v.errorf(pathField(p, "maxPods"), "%d is out of range: use 1 to %d (the default is %d)", mp, maxMaxPods, DefaultMaxPods)
	}
	if ttl := s.Kubelet.BootstrapTokenTTL.Duration; ttl < time.Minute || ttl > 24*time.Hour {
		v.errorf(pathField(p, "bootstrapTokenTTL"), "%s is out of range: use 1m to 24h (the default is %s)", shortDuration(ttl), shortDuration(DefaultBootstrapTokenTTL))
	}
	if !s.Kubelet.KernelDefaultsProtected() {
		v.warnf(pathField(p, "protectKernelDefaults"), "false: kubelet changes the kernel settings it needs itself instead of refusing to start when they differ (CIS 4.2.6 of v1.7.0); keep it true on real hosts, only node containers sharing their machine's kernel (kubeup sandbox) need false")
	}
	if s.Kubelet.AllowCgroupV1 {
		v.warnf(pathField(p, "allowCgroupV1"), "true: the kubelet runs on cgroup v1 hosts, which upstream deprecated and refuses by default from Kubernetes 1.35; boot the hosts with cgroup v2 (systemd.unified_cgroup_hierarchy=1) and remove the field")
	}
}

// upgrade checks how apply upgrades a running cluster.
func (v *validator) upgrade(s *Spec) {
	const p = "spec.upgrade"
	if n := s.Upgrade.MaxUnavailable; n < 1 {
		v.errorf(pathField(p, "maxUnavailable"), "%d is out of range: use 1 or more worker hosts (the default is %d)", n, DefaultMaxUnavailable)
	}
	if d := s.Upgrade.DrainTimeout.Duration; d < 10*time.Second || d > 2*time.Hour {
		v.errorf(pathField(p, "drainTimeout"), "%s is out of range: use 10s to 2h (the default is %s)", shortDuration(d), shortDuration(DefaultDrainTimeout))
	}
}

// controlPlaneMode checks how the control plane runs.
func (v *validator) controlPlaneMode(s *Spec) {
	if m := s.ControlPlane.Mode; !slices.Contains(Modes(), m) {
		v.errorf("spec.controlPlane.mode", "unknown mode %q: use %s", m, strings.Join(Modes(), " or "))
	}
}

// pki checks the key algorithm and certificate lifetimes.
func (v *validator) pki(s *Spec) {
	const p = "spec.pki"
	k := &s.PKI
	if k.KeyAlgorithm != "ecdsa" && k.KeyAlgorithm != "rsa" {
		v.errorf(pathField(p, "keyAlgorithm"), "unknown key algorithm %q: use ecdsa (P-256) or rsa (2048 bits)", k.KeyAlgorithm)
	}
	leaf, ca := k.CertificateValidity.Duration, k.CAValidity.Duration
	if ca < time.Hour {
		v.errorf(pathField(p, "caValidity"), "%s is too short: use at least 1h (the default is %s)", shortDuration(ca), shortDuration(DefaultCAValidity))
	}
	switch {
	case leaf < time.Hour:
		v.errorf(pathField(p, "certificateValidity"), "%s is too short: use at least 1h (the default is %s)", shortDuration(leaf), shortDuration(DefaultCertValidity))
	case leaf >= ca && ca >= time.Hour:
		v.errorf(pathField(p, "certificateValidity"), "%s is not shorter than caValidity %s: certificates must expire before their CA", shortDuration(leaf), shortDuration(ca))
	}
}

// shortDuration formats d without trailing zero units ("8760h", "90m").
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "h0m0s") {
		return strings.TrimSuffix(s, "0m0s")
	}
	if strings.HasSuffix(s, "m0s") {
		return strings.TrimSuffix(s, "0s")
	}
	return s
}

// artifacts checks where binaries come from.
func (v *validator) artifacts(s *Spec) {
	const p = "spec.artifacts"
	a := &s.Artifacts
	switch a.Source {
	case "build", "release":
		if a.Bundle != "" {
			v.warnf(pathField(p, "bundle"), "ignored because source is %s: set source: bundle to use it", a.Source)
		}
	case "bundle":
		if a.Bundle == "" {
			v.errorf(pathField(p, "bundle"), "source bundle needs the path of a bundle file: make one with kubeup artifacts bundle")
		} else {
			v.file(pathField(p, "bundle"), a.Bundle, bundleFile())
		}
	default:
		v.errorf(pathField(p, "source"), "unknown source %q: use build, release or bundle", a.Source)
	}
	v.mirrors(pathField(p, "mirrors"), a)
	v.checksums(pathField(p, "checksums"), a)
}

// checksums checks the pinned sha256 of release files.
func (v *validator) checksums(p string, a *Artifacts) {
	if len(a.Checksums) > 0 && a.Source != "release" {
		v.warnf(p, "ignored because source is %s: checksums are used when source is release", a.Source)
	}
	for _, file := range slices.Sorted(maps.Keys(a.Checksums)) {
		sum := a.Checksums[file]
		switch {
		case file == "" || strings.ContainsAny(file, "/\\") || strings.TrimSpace(file) != file:
			v.errorf(pathKey(p, file), "%q is not a release file name: use the name alone, such as flannel-v0.26.7-linux-amd64.tar.gz", file)
		case len(sum) != 64 || strings.Trim(strings.ToLower(sum), "0123456789abcdef") != "":
			v.errorf(pathKey(p, file), "%q is not a sha256: write the 64 hex digits of sha256sum %s", message(sum), file)
		}
	}
}

// mirrors checks mirror names and URLs.
func (v *validator) mirrors(p string, a *Artifacts) {
	if len(a.Mirrors) > 0 && a.Source != "release" {
		v.warnf(p, "ignored because source is %s: mirrors are used when source is release", a.Source)
	}
	for _, name := range slices.Sorted(maps.Keys(a.Mirrors)) {
		if !slices.Contains(mirrorNames(), name) {
			v.errorf(pathKey(p, name), "unknown mirror %q: use %s", name, message(strings.Join(mirrorNames(), ", ")))
			continue
		}
		raw := a.Mirrors[name]
		if u, err := url.Parse(raw); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.errorf(pathKey(p, name), "%q is not an http(s) URL, such as https://mirror.example.com/%s", raw, name)
		}
	}
}

// sandbox checks the settings for sandbox node containers.
func (v *validator) sandbox(s *Spec) {
	if s.Sandbox == nil {
		return
	}
	const p = "spec.sandbox.nameservers"
	for i, ns := range s.Sandbox.Nameservers {
		if _, ok := parseIP(ns); !ok {
			v.errorf(pathIndex(p, i), "%q is not an IP address: resolv.conf needs nameserver addresses, such as 1.1.1.1", ns)
		}
	}
}
