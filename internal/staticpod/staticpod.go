// Package staticpod states what the renderer and the static-pod
// supervisor agree on about the pods kubeup runs in static-pods mode: the
// label that carries the stamp of a pod's files, and the placeholder a
// staged manifest holds in its place until the supervisor installs it.
package staticpod

import (
	"fmt"
	"strings"
)

// StampLabel is the pod label holding the stamp (a hash of the pod's
// manifest, files and image) it was started with. A new stamp changes the
// manifest, so the kubelet replaces the pod; the container runtime shows
// the label on the pod's sandbox, so the supervisor can tell the new pod
// from the old one.
const StampLabel = "kubeup.dev/stamp"

// StampPlaceholder is the stamp label's value, and StampEnv's, in a
// staged manifest.
const StampPlaceholder = "KUBEUP_STAMP"

// ComponentLabel is the label naming the component (kubeadm's).
const ComponentLabel = "component"

// Stamped returns the manifest to install: staged with stamp, quoted (a
// stamp of digits alone would otherwise be a YAML number), in place of
// every placeholder.
func Stamped(staged []byte, stamp string) []byte {
	return []byte(strings.ReplaceAll(string(staged), StampPlaceholder, `"`+stamp+`"`))
}

// StampCmd is the sed expression that makes the installed manifest from
// the staged one on the host, as Stamped does.
func StampCmd(stamp string) string {
	return `s/` + StampPlaceholder + `/"` + stamp + `"/g`
}

// StampEnv is the environment variable that carries the stamp into the
// pod's process, so that the host can tell, from /proc, whether the
// running process is the one started with the stamp's files.
const StampEnv = "KUBEUP_FILES_STAMP"

// The user and group ids a staged manifest holds for a component that
// runs as a system user of the host (etcd): the ids differ from host to
// host, so the supervisor puts the user's own in their place when it
// installs the manifest. Neither is a valid id (both exceed what 32-bit
// ids allow but for the reserved -1 and -2).
const (
	UIDPlaceholder int64 = 4294967294
	GIDPlaceholder int64 = 4294967293
)

// IDsCmd is the sed expressions (for sed -e, to be double-quoted) that
// put the shell variables $uid and $gid in place of the placeholders.
func IDsCmd() []string {
	return []string{
		fmt.Sprintf(`s/^\( *runAsUser:\) %d$/\1 $uid/`, UIDPlaceholder),
		fmt.Sprintf(`s/^\( *runAsGroup:\) %d$/\1 $gid/`, GIDPlaceholder),
	}
}
