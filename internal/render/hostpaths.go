package render

import (
	"crypto/sha256"
	"encoding/hex"
	"path"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"kubeup.dev/kubeup/internal/layout"
)

// Host paths pods mount that no flag names.
const (
	caCertsDir  = "/etc/ssl/certs"    // the host's trusted CAs (outbound TLS)
	xtablesLock = "/run/xtables.lock" // iptables' lock, shared with the host
	hostUsr     = "/usr"              // the host's iptables and its libraries
	hostAltDir  = "/etc/alternatives" // Debian's links to the iptables backend
)

// hostPath is a host file or directory a pod mounts at the same path.
type hostPath struct {
	name     string // the volume's name
	path     string
	typ      corev1.HostPathType
	writable bool
}

// dir reports whether the host path is a directory.
func (hp hostPath) dir() bool {
	return hp.typ != corev1.HostPathFile && hp.typ != corev1.HostPathFileOrCreate
}

// holds reports whether mounting hp makes host path p visible.
func (hp hostPath) holds(p string) bool {
	return p == hp.path || hp.dir() && strings.HasPrefix(p, hp.path+"/")
}

// knownHostPaths are the host paths pods mount whole, by kubeadm's volume
// names where kubeadm has one. A path below one of these directories is
// mounted through the innermost; any other path, a file, alone and
// read-only.
func knownHostPaths() []hostPath {
	orCreate := corev1.HostPathDirectoryOrCreate
	return []hostPath{
		{"k8s-certs", layout.PKIDir, orCreate, false},
		{"etcd-certs", layout.EtcdPKIDir, orCreate, false},
		{"etcd-data", layout.EtcdDataDir, orCreate, true},
		{"etcd-credentials", layout.EtcdCredentialsDir, corev1.HostPathDirectory, false},
		{"audit-log", path.Dir(layout.AuditLog), orCreate, true},
		{"ca-certs", caCertsDir, orCreate, false},
		{"flannel-cfg", layout.FlannelDir, orCreate, false},
		{"run-flannel", layout.FlannelRunDir, orCreate, true},
		{"xtables-lock", xtablesLock, corev1.HostPathFileOrCreate, true},
		{"usr", hostUsr, corev1.HostPathDirectory, false},
		{"etc-alternatives", hostAltDir, orCreate, false},
	}
}

// hostPathOf is the mount that makes host path p visible.
func hostPathOf(p string) hostPath {
	var best hostPath
	for _, hp := range knownHostPaths() {
		if hp.holds(p) && len(hp.path) > len(best.path) {
			best = hp
		}
	}
	if best.path != "" {
		return best
	}
	return hostPath{name: volumeName(p), path: p, typ: corev1.HostPathFile}
}

// hostPathsFor returns the mounts that make every path visible, once
// each, leaving out those inside another, sorted by name.
func hostPathsFor(paths []string) []hostPath {
	var all []hostPath
	for _, p := range paths {
		hp := hostPathOf(path.Clean(p))
		if !slices.Contains(all, hp) {
			all = append(all, hp)
		}
	}
	out := slices.DeleteFunc(slices.Clone(all), func(hp hostPath) bool {
		return slices.ContainsFunc(all, func(o hostPath) bool { return o.path != hp.path && o.holds(hp.path) })
	})
	slices.SortFunc(out, func(a, b hostPath) int { return strings.Compare(a.name, b.name) })
	return out
}

// flagPaths are the values of "--name=value" words that are absolute
// paths: the host files and directories a program's flags name.
func flagPaths(words []string) []string {
	var out []string
	for _, w := range words {
		if _, v, ok := strings.Cut(w, "="); ok && strings.HasPrefix(v, "/") {
			out = append(out, v)
		}
	}
	return out
}

// volumeName names the volume of a host file after its path, or after its
// path's hash when the path is too long for a volume name.
func volumeName(p string) string {
	name := strings.Trim(strings.Map(func(r rune) rune {
		if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
			return r
		}
		return '-'
	}, strings.ToLower(p)), "-")
	if len(name) > validation.DNS1123LabelMaxLength {
		sum := sha256.Sum256([]byte(p))
		name = "host-file-" + hex.EncodeToString(sum[:8])
	}
	return name
}

// podVolumes are the hostPath volumes of hps.
func podVolumes(hps []hostPath) []corev1.Volume {
	var out []corev1.Volume
	for _, hp := range hps {
		out = append(out, corev1.Volume{Name: hp.name, VolumeSource: corev1.VolumeSource{
			HostPath: &corev1.HostPathVolumeSource{Path: hp.path, Type: ptr(hp.typ)}}})
	}
	return out
}

// volumeMounts mounts hps at their host paths.
func volumeMounts(hps []hostPath) []corev1.VolumeMount {
	var out []corev1.VolumeMount
	for _, hp := range hps {
		out = append(out, corev1.VolumeMount{Name: hp.name, MountPath: hp.path, ReadOnly: !hp.writable})
	}
	return out
}
