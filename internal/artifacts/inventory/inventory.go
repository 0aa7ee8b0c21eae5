// Package inventory states what a complete artifact set of one Kubernetes
// version holds, whichever way the cache was filled (package build
// compiles it, package fetch downloads it, package bundle carries it): the
// binaries the hosts run, grouped by the upstream project that makes
// them, under their manifest names. The images are versions.Set.Images.
//
// Every list of these binaries derives from Groups: build's recipes and
// fetch's plan provide exactly them (their tests check it), and bundle
// lint and inspect require them.
package inventory

import "strings"

// Upstream projects, as build names its components (the cache directory
// components/NAME) and as versions.Release holds their versions.
const (
	Kubernetes = "kubernetes"
	Etcd       = "etcd"
	Flannel    = "flannel"
	// FlannelCNI is flannel's CNI plugin, a project of its own.
	FlannelCNI = "flannel-cni"
	Containerd = "containerd"
	Runc       = "runc"
	// CNIPlugins is containernetworking/plugins: the reference CNI plugins.
	CNIPlugins = "cni-plugins"
	// CriTools is kubernetes-sigs/cri-tools, which makes crictl.
	CriTools = "cri-tools"
)

// Group is the binaries one upstream project provides.
type Group struct {
	Project  string
	Binaries []string // manifest names, stored at bin/NAME
}

// Groups returns every project's binaries, in the order of the table
// below: the cluster's components, then the container runtime.
func Groups() []Group {
	return []Group{
		{Kubernetes, []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy", "kubectl"}},
		{Etcd, []string{"etcd", "etcdctl"}},
		{Flannel, []string{"flanneld"}},
		{FlannelCNI, []string{CNIBinary("flannel")}},
		{Containerd, []string{"containerd", "containerd-shim-runc-v2", "ctr"}},
		{Runc, []string{"runc"}},
		{CNIPlugins, cniBinaries(CNIPluginNames())},
		{CriTools, []string{"crictl"}},
	}
}

// CNIPluginNames are the reference CNI plugins kubeup ships: the bridge
// and host-local plugins with loopback and portmap, what containerd's
// default CNI configuration and hostPort pods use.
func CNIPluginNames() []string {
	return []string{"bridge", "host-local", "loopback", "portmap"}
}

// Binaries returns the binaries of project, or nil for a project not in
// Groups.
func Binaries(project string) []string {
	for _, g := range Groups() {
		if g.Project == project {
			return g.Binaries
		}
	}
	return nil
}

// HostBinaries returns every binary of Groups, in their order: what a
// complete artifact set must hold.
func HostBinaries() []string {
	var names []string
	for _, g := range Groups() {
		names = append(names, g.Binaries...)
	}
	return names
}

// CNIBinary is the manifest name of CNI plugin p: "cni/p", stored at
// bin/cni/p and installed as /opt/cni/bin/p (the flannel CNI plugin is
// also called flannel: CNI plugins keep apart from flanneld).
func CNIBinary(p string) string { return cniPrefix + p }

// CNIPlugin returns the plugin name of a CNI plugin's manifest name
// ("cni/bridge" -> "bridge"), or false for another binary.
func CNIPlugin(name string) (string, bool) { return strings.CutPrefix(name, cniPrefix) }

const cniPrefix = "cni/"

// cniBinaries maps CNIBinary over plugins.
func cniBinaries(plugins []string) []string {
	names := make([]string, len(plugins))
	for i, p := range plugins {
		names[i] = CNIBinary(p)
	}
	return names
}
