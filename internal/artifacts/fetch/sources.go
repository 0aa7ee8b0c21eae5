package fetch

import (
	"fmt"
	"net/url"
	"path"
	"slices"
	"sort"
	"strings"

	"kubeup.dev/kubeup/internal/artifacts/inventory"
	"kubeup.dev/kubeup/internal/spec"
	"kubeup.dev/kubeup/internal/versions"
)

// Source names, as used by --mirror NAME=URL and spec.artifacts.mirrors.
const (
	SourceKubernetes = "kubernetes"  // dl.k8s.io
	SourceEtcd       = "etcd"        // etcd-io/etcd releases
	SourceFlannel    = "flannel"     // flannel-io/flannel releases (flanneld)
	SourceContainerd = "containerd"  // containerd/containerd releases
	SourceCNI        = "cni"         // containernetworking/plugins releases
	SourceFlannelCNI = "flannel-cni" // flannel-io/cni-plugin releases
	SourceRunc       = "runc"        // opencontainers/runc releases
	SourceCriTools   = "cri-tools"   // kubernetes-sigs/cri-tools releases (crictl)
)

// Sources returns every source name in fetch order.
func Sources() []string {
	return []string{SourceKubernetes, SourceEtcd, SourceFlannel, SourceContainerd, SourceCNI, SourceFlannelCNI, SourceRunc, SourceCriTools}
}

// DefaultBases returns the official base URL of every source. A mirror
// replaces a base and must serve the same paths below it.
func DefaultBases() map[string]string {
	return map[string]string{
		SourceKubernetes: "https://dl.k8s.io/release",
		SourceEtcd:       "https://github.com/etcd-io/etcd/releases/download",
		SourceFlannel:    "https://github.com/flannel-io/flannel/releases/download",
		SourceContainerd: "https://github.com/containerd/containerd/releases/download",
		SourceCNI:        "https://github.com/containernetworking/plugins/releases/download",
		SourceFlannelCNI: "https://github.com/flannel-io/cni-plugin/releases/download",
		SourceRunc:       "https://github.com/opencontainers/runc/releases/download",
		SourceCriTools:   "https://github.com/kubernetes-sigs/cri-tools/releases/download",
	}
}

// Bases returns DefaultBases with mirrors (source name to base URL)
// applied, or an error naming an unknown source or a malformed URL.
func Bases(mirrors map[string]string) (map[string]string, error) {
	bases := DefaultBases()
	for name, raw := range mirrors {
		if _, ok := bases[name]; !ok {
			return nil, fmt.Errorf("mirror %q: unknown source: use one of %s", name, strings.Join(Sources(), ", "))
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("mirror %s=%q: not an http(s) URL: use for example %s=https://mirror.example.com/path", name, spec.RedactURL(raw), name)
		}
		bases[name] = strings.TrimRight(raw, "/")
	}
	return bases, nil
}

// ParseMirror splits a --mirror value NAME=URL.
func ParseMirror(s string) (name, base string, err error) {
	name, base, ok := strings.Cut(s, "=")
	if !ok || name == "" || base == "" {
		return "", "", fmt.Errorf("mirror %q: want NAME=URL, for example kubernetes=https://mirror.example.com/release", spec.RedactURL(s))
	}
	return name, base, nil
}

// ParseChecksum splits a --checksum value FILE=SHA256.
func ParseChecksum(s string) (file, sum string, err error) {
	file, sum, ok := strings.Cut(s, "=")
	if !ok || file == "" || !isSHA256(sum) {
		return "", "", fmt.Errorf("checksum %q: want FILE=SHA256 (64 hex digits), for example flannel-v0.26.7-linux-amd64.tar.gz=<sha256>", s)
	}
	return file, strings.ToLower(sum), nil
}

// pinnedChecksums returns the sha256 of release files whose project
// publishes no checksum: flannel's flannel-vX-linux-ARCH.tar.gz has none
// (its Makefile's tar.gz target writes only the archives). An entry may be
// added only after checking the file against the release by other means;
// until a file has one, fetch fails and asks for --checksum FILE=SHA256.
// Options.Checksums takes precedence over this table.
func pinnedChecksums() map[string]string {
	return map[string]string{
		// "flannel-v0.26.7-linux-amd64.tar.gz": "<sha256>",
	}
}

// File is one upstream download and what goes from it into the cache.
type File struct {
	Source  string // SourceKubernetes ...
	Version string // the component's version (v3.6.5, 1.7.28 ...)
	Name    string // upstream file name
	URL     string
	// SumURL is the published checksum file: a bare hash or sha256sum
	// lines. Empty when the source publishes none (Pinned is used).
	SumURL string
	Pinned string // sha256 from the pinned table or Options.Checksums
	// Members maps an archive member path to the binary name in the
	// cache; nil means the download is itself the binary named Binary.
	Members map[string]string
	Binary  string
}

// Binaries returns the cache names of the binaries this file provides.
func (f File) Binaries() []string {
	if f.Members == nil {
		return []string{f.Binary}
	}
	var names []string
	for _, n := range f.Members {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Plan lists the files to download for Kubernetes version k and arch from
// bases (see Bases), restricted to sources (nil: all). checksums maps an
// upstream file name to a sha256 for files without a published checksum.
func Plan(k, arch string, bases map[string]string, sources []string, checksums map[string]string) ([]File, error) {
	set, err := versions.For(k)
	if err != nil {
		return nil, err
	}
	if len(sources) == 0 {
		sources = Sources()
	}
	var files []File
	for _, s := range sources {
		if !slices.Contains(Sources(), s) {
			return nil, fmt.Errorf("source %q: unknown: use one of %s", s, strings.Join(Sources(), ", "))
		}
		files = append(files, planSource(s, set, arch, bases[s])...)
	}
	return pin(files, checksums)
}

// planSource lists the files of one source. The binaries they provide
// are those of the source's project in package inventory.
func planSource(source string, set versions.Set, arch, base string) []File {
	switch source {
	case SourceKubernetes:
		return planKubernetes(set.Kubernetes, arch, base)
	case SourceEtcd:
		v := set.Etcd
		dir := fmt.Sprintf("etcd-%s-linux-%s", v, arch)
		return []File{archive(source, v, base, v, dir+".tar.gz", "SHA256SUMS", members(dir+"/", inventory.Etcd))}
	case SourceFlannel:
		v := set.Flannel
		return []File{archive(source, v, base, v, fmt.Sprintf("flannel-%s-linux-%s.tar.gz", v, arch), "",
			members("", inventory.Flannel))}
	case SourceContainerd:
		v := set.Containerd
		name := fmt.Sprintf("containerd-%s-linux-%s.tar.gz", v, arch)
		return []File{archive(source, v, base, "v"+v, name, name+".sha256sum", members("bin/", inventory.Containerd))}
	case SourceCNI:
		v := set.CNIPlugins
		name := fmt.Sprintf("cni-plugins-linux-%s-%s.tgz", arch, v)
		m := map[string]string{}
		for _, p := range inventory.CNIPluginNames() {
			m[p] = inventory.CNIBinary(p)
		}
		return []File{archive(source, v, base, v, name, name+".sha256", m)}
	case SourceFlannelCNI:
		v := set.FlannelCNI
		name := fmt.Sprintf("cni-plugin-flannel-linux-%s-%s.tgz", arch, v)
		return []File{archive(source, v, base, v, name, name+".sha256",
			map[string]string{"flannel-" + arch: inventory.CNIBinary("flannel")})}
	case SourceRunc:
		// One binary per architecture, and one sha256sum file for all.
		v := set.Runc
		name := "runc." + arch
		return []File{{Source: source, Version: v, Name: name, URL: base + "/" + v + "/" + name,
			SumURL: base + "/" + v + "/runc.sha256sum", Binary: "runc"}}
	case SourceCriTools:
		v := set.CriTools
		name := fmt.Sprintf("crictl-%s-linux-%s.tar.gz", v, arch)
		return []File{archive(source, v, base, v, name, name+".sha256", members("", inventory.CriTools))}
	}
	return nil
}

// members maps each binary of project to the archive member of the same
// name under dir ("" or "dir/").
func members(dir, project string) map[string]string {
	m := map[string]string{}
	for _, name := range inventory.Binaries(project) {
		m[dir+name] = name
	}
	return m
}

// planKubernetes lists dl.k8s.io's binaries, each with NAME.sha256.
func planKubernetes(k, arch, base string) []File {
	var files []File
	for _, name := range inventory.Binaries(inventory.Kubernetes) {
		u := base + "/" + path.Join(k, "bin/linux", arch, name)
		files = append(files, File{Source: SourceKubernetes, Version: k, Name: name, URL: u, SumURL: u + ".sha256", Binary: name})
	}
	return files
}

// archive describes a release archive at base/tag/name whose checksum is
// in base/tag/sumName ("" when the project publishes none).
func archive(source, version, base, tag, name, sumName string, members map[string]string) File {
	f := File{Source: source, Version: version, Name: name, URL: base + "/" + tag + "/" + name, Members: members}
	if sumName != "" {
		f.SumURL = base + "/" + tag + "/" + sumName
	}
	return f
}

// pin fills Pinned for files without a published checksum, or fails
// naming the file and how to supply its checksum.
func pin(files []File, checksums map[string]string) ([]File, error) {
	pinned := pinnedChecksums()
	for name, sum := range checksums {
		pinned[name] = strings.ToLower(sum)
	}
	for i, f := range files {
		if sum, ok := pinned[f.Name]; ok {
			files[i].Pinned = sum
			continue
		}
		if f.SumURL == "" {
			return nil, fmt.Errorf("%s %s publishes no checksum for %s and kubeup has none pinned: "+
				"check the file yourself, then pass --checksum %s=<sha256> (or add it to pinnedChecksums in internal/artifacts/fetch), "+
				"or leave the source out with --sources", f.Source, f.Version, f.Name, f.Name)
		}
	}
	return files, nil
}
