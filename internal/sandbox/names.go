// Package sandbox creates, lists, enters and deletes kubeup sandboxes: a
// Docker network and node containers that run systemd, sshd and
// containerd, so that kubeup can deploy onto them over SSH like onto real
// hosts. Everything it creates carries the label dev.kubeup.sandbox=NAME.
package sandbox

import (
	"fmt"
	"strconv"
)

// Labels on every Docker object of a sandbox.
const (
	// LabelSandbox names the sandbox an object belongs to.
	LabelSandbox = "dev.kubeup.sandbox"
	// LabelNode is a node container's host name.
	LabelNode = "dev.kubeup.sandbox.node"
	// LabelIndex is a node's 1-based position.
	LabelIndex = "dev.kubeup.sandbox.index"
	// LabelRoles is a node's comma separated roles.
	LabelRoles = "dev.kubeup.sandbox.roles"
	// LabelSubnet is the sandbox network's subnet.
	LabelSubnet = "dev.kubeup.sandbox.subnet"
	// LabelSpec is the absolute path of the spec written for the sandbox.
	LabelSpec = "dev.kubeup.sandbox.spec"
	// LabelKey and LabelKnownHosts are the absolute paths of the SSH key
	// and known_hosts file that reach the nodes.
	LabelKey        = "dev.kubeup.sandbox.ssh-key"
	LabelKnownHosts = "dev.kubeup.sandbox.known-hosts"
)

// maxNameLen keeps node host names ("NAME-node12") within a DNS label.
const maxNameLen = 40

// isDNSLabel reports whether s is lowercase letters, digits and inner
// dashes.
func isDNSLabel(s string) bool {
	for i, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' && i > 0 && i < len(s)-1:
		default:
			return false
		}
	}
	return s != ""
}

// ValidateName checks that name can name a sandbox, its network and its
// node host names.
func ValidateName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("a sandbox needs a name: pass --name, for example --name demo")
	case len(name) > maxNameLen:
		return fmt.Errorf("sandbox name %q is longer than %d characters: choose a shorter --name", name, maxNameLen)
	case !isDNSLabel(name):
		return fmt.Errorf("sandbox name %q is not a DNS label: use lowercase letters, digits and '-' (for example --name demo)", name)
	}
	return nil
}

// NetworkName is the Docker network of sandbox name.
func NetworkName(name string) string { return "kubeup-" + name }

// NodeName is the container and host name of node i (1-based).
func NodeName(name string, i int) string { return name + "-node" + strconv.Itoa(i) }

// VolumeName is the volume that holds node's /var/lib/containerd.
func VolumeName(node string) string { return node + "-containerd" }

// selector is the label filter that finds every object of sandbox name.
func selector(name string) string { return LabelSandbox + "=" + name }
