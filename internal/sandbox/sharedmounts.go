package sandbox

import _ "embed"

// systemd makes every mount shared when it boots a real machine, but not
// in a container, and Docker mounts a node's /run private. A unit with
// LoadCredential= (etcd, which reads its root-only certificates that way)
// then finds its credentials directory empty: systemd mounts it in a
// namespace of its own and relies on /run propagating the mount back
// (systemd issue 38103). Each node therefore makes its mounts shared early
// at boot, as systemd does on a real host: a unit the sandbox puts on the
// node with its SSH files, outside what apply manages.

// sharedMountsUnit is the unit's name on the nodes.
const sharedMountsUnit = "kubeup-sandbox-shared-mounts.service"

//go:embed shared-mounts.service
var sharedMountsBody []byte

// sharedMountsEntries are the unit file and its enabling link, as entries
// below "/" of a node.
func sharedMountsEntries() []nodeEntry {
	unit := "etc/systemd/system/" + sharedMountsUnit
	return []nodeEntry{
		{name: unit, mode: 0o644, body: sharedMountsBody},
		{name: "etc/systemd/system/sysinit.target.wants/" + sharedMountsUnit, link: "/" + unit},
	}
}
