// Package podimages states the images of the components that the
// static-pods control-plane mode runs in containers, in kubeadm's layout:
// kube-apiserver, kube-controller-manager, kube-scheduler and etcd as
// static pods, kube-proxy and flannel as DaemonSets. They are made from
// the binaries of a build (package build) or of a release download
// (package fetch), so that no registry is needed, and carry upstream's
// names (versions.Set's KubeAPIServerImage and so on) so that manifests
// written for upstream's images run them.
//
// What is where in the images:
//
//	kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy
//	    layer 1  /kubernetes, the Kubernetes binary
//	    layer 2  /CMD -> kubernetes (a symbolic link)
//	    entrypoint /CMD
//	etcd       /usr/local/bin/etcd, /usr/local/bin/etcdctl; entrypoint
//	           /usr/local/bin/etcd
//	flannel    /flanneld; entrypoint /flanneld
//
// Program states these paths for the renderer, which starts each
// container with an absolute command. The control-plane images also have
// PATH=/, so kubeadm's `command: [kube-apiserver, ...]` finds
// /kube-apiserver, and etcd's has the usual PATH (images.UnixPath), so
// `command: [etcd, ...]` finds /usr/local/bin/etcd.
//
// From a build, the four Kubernetes images hold one multi-call binary that
// runs the command named by the base name of argv[0]: their first layer is
// the same, stored once in the archive and so uploaded once per host. A
// container must start it as /CMD or CMD (through the link), never as
// /kubernetes. From a release download, /kubernetes is each command's own
// binary (and the four first layers differ).
//
// kube-proxy and flannel run iptables. Rather than carrying a copy, their
// DaemonSets mount the node's /usr read-only at /usr and the node's
// /etc/alternatives read-only at /etc/alternatives, so that they run
// exactly the node's iptables, with the node's choice of backend (legacy
// or nft) and the node's libraries. Their images therefore keep their own
// files outside /usr (/kube-proxy and /flanneld, not upstream's
// /usr/local/bin/kube-proxy and /opt/bin/flanneld), hold the merged-/usr links
// bin -> usr/bin, sbin -> usr/sbin, lib -> usr/lib and lib64 -> usr/lib64
// (so that /sbin/iptables and the dynamic loader
// /lib64/ld-linux-x86-64.so.2 resolve into the node's /usr, and the
// node's /lib/modules is there too), and set the usual PATH
// (images.UnixPath), which only reaches the node's tools. Without those
// mounts they have no iptables; on a host whose /usr is not merged (/bin,
// /sbin, /lib real directories) the node's iptables is not all in /usr.
package podimages

import (
	"path"
	"slices"

	"kubeup.dev/kubeup/internal/artifacts/images"
	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/versions"
)

// Archive names: each archive is the image artifact images/NAME.tar and,
// in a build, the component that makes it.
const (
	// KubernetesImages holds kube-apiserver, kube-controller-manager,
	// kube-scheduler and kube-proxy.
	KubernetesImages = "kubernetes-images"
	EtcdImage        = "etcd-image"
	FlannelImage     = "flannel-image"
)

// Archive is one image archive: the images made from one component's
// binaries. It is data (hashed into a build's recipe): changing it makes
// builds write the archive again.
type Archive struct {
	Name    string  `json:"name"`    // artifact name: images/NAME.tar
	Version string  `json:"version"` // the version of the binaries it holds
	Images  []Image `json:"images"`
}

// Image is one image of an archive.
type Image struct {
	Ref        string   `json:"ref"`
	Layers     [][]File `json:"layers"` // bottom first
	Entrypoint []string `json:"entrypoint"`
	Env        []string `json:"env"`
}

// File is one entry of a layer: the file of a binary artifact, or a
// symbolic link.
type File struct {
	Path   string `json:"path"`             // in the image
	Binary string `json:"binary,omitempty"` // a binary artifact's name
	Link   string `json:"link,omitempty"`   // a symbolic link's target
}

// kubernetesPath is where the Kubernetes binary is in its images.
const kubernetesPath = "/kubernetes"

// Program returns the path of the program a container of component name
// (its catalog name: kube-apiserver, ..., etcd, flanneld) starts, its
// image's entrypoint; "" for a component without an image. A Kubernetes
// command must be started by its own name (the link), not as /kubernetes.
func Program(name string) string {
	switch name {
	case "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy":
		return "/" + name
	case "etcd":
		return "/usr/local/bin/etcd"
	case "flanneld":
		return "/flanneld"
	}
	return ""
}

// rootPath is the PATH of images whose commands are in /.
const rootPath = "PATH=/"

// Archives returns the archives of set's static-pods images.
func Archives(set versions.Set) []Archive {
	return []Archive{
		{Name: KubernetesImages, Version: set.Kubernetes, Images: []Image{
			kubernetesImage("kube-apiserver", set.KubeAPIServerImage(), false),
			kubernetesImage("kube-controller-manager", set.KubeControllerManagerImage(), false),
			kubernetesImage("kube-scheduler", set.KubeSchedulerImage(), false),
			kubernetesImage("kube-proxy", set.KubeProxyImage(), true),
		}},
		{Name: EtcdImage, Version: set.Etcd, Images: []Image{{
			Ref: set.EtcdImage(),
			Layers: [][]File{{
				{Path: Program("etcd"), Binary: "etcd"},
				{Path: path.Join(path.Dir(Program("etcd")), "etcdctl"), Binary: "etcdctl"},
			}},
			Entrypoint: []string{Program("etcd")},
			Env:        []string{images.UnixPath},
		}}},
		{Name: FlannelImage, Version: set.Flannel, Images: []Image{{
			Ref:        set.FlannelImage(),
			Layers:     [][]File{append([]File{{Path: Program("flanneld"), Binary: "flanneld"}}, nodeUsrLinks()...)},
			Entrypoint: []string{Program("flanneld")},
			Env:        []string{images.UnixPath},
		}}},
	}
}

// kubernetesImage is command cmd's image: the Kubernetes binary (cmd's
// binary artifact, in a build a name of the multi-call binary) in a layer
// of its own and, on top, the link /cmd that names the command, with the
// merged-/usr links when the image runs on the node's /usr.
func kubernetesImage(cmd, ref string, nodeUsr bool) Image {
	top := []File{{Path: Program(cmd), Link: path.Base(kubernetesPath)}}
	env := []string{rootPath}
	if nodeUsr {
		top = append(top, nodeUsrLinks()...)
		env = []string{images.UnixPath}
	}
	return Image{Ref: ref, Layers: [][]File{{{Path: kubernetesPath, Binary: cmd}}, top},
		Entrypoint: []string{Program(cmd)}, Env: env}
}

// nodeUsrLinks are the merged-/usr links of an image that runs with the
// node's /usr mounted at /usr (see the package comment).
func nodeUsrLinks() []File {
	return []File{
		{Path: "/bin", Link: "usr/bin"},
		{Path: "/sbin", Link: "usr/sbin"},
		{Path: "/lib", Link: "usr/lib"},
		{Path: "/lib64", Link: "usr/lib64"},
	}
}

// Binaries returns the names of the binary artifacts a is made of, sorted.
func (a Archive) Binaries() []string {
	var names []string
	for _, img := range a.Images {
		for _, l := range img.Layers {
			for _, f := range l {
				if f.Binary != "" && !slices.Contains(names, f.Binary) {
					names = append(names, f.Binary)
				}
			}
		}
	}
	slices.Sort(names)
	return names
}

// Refs returns the references of a's images.
func (a Archive) Refs() []string {
	refs := make([]string, len(a.Images))
	for i, img := range a.Images {
		refs[i] = img.Ref
	}
	return refs
}

// Artifact is a's manifest entry: made for arch by source (build or
// release), with the archive's sha256 and size.
func (a Archive) Artifact(arch, source, sha256 string, size int64) manifest.Artifact {
	art := manifest.Artifact{Name: a.Name, Kind: manifest.KindImage, Version: a.Version, Arch: arch,
		Path: manifest.ImagePath(a.Name), SHA256: sha256, Size: size, Source: source}
	if refs := a.Refs(); len(refs) == 1 {
		art.Image = refs[0]
	} else {
		art.Images = refs
	}
	return art
}
