package reset

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
)

// ctrK8s runs containerd's client in the namespace the CRI plugin uses.
const ctrK8s = "ctr -n k8s.io"

// criLabel is the label containerd's CRI plugin puts on every container
// it creates for the kubelet (a pod sandbox or a pod's container); a
// container without it was made by someone else (ctr, nerdctl).
const criLabel = "io.cri-containerd.kind"

// containerdProbe prints whether containerd answers, the k8s.io
// containers the CRI plugin created, the images (reference and digest),
// the test images kubeup conformance run imported, whether the unit is
// active, and the state of its configuration.
func containerdProbe() string {
	return fmt.Sprintf(`if command -v ctr >/dev/null 2>&1; then
  if %[1]s version >/dev/null 2>&1; then
    echo "ctr up"
    %[1]s containers ls -q 'labels."%[4]s"' | sed 's/^/container /'
    %[1]s images ls | awk 'NR > 1 { print "image", $1, $3 }'
  else echo "ctr down"; fi
fi
[ -f %[3]s ] && sed 's/^/testimage /' %[3]s
systemctl is-active -q containerd 2>/dev/null && echo "containerd active"
%[2]s`, ctrK8s, remoteops.ContainerdConfigProbe(), layout.TestImagesList, criLabel)
}

// resetContainerd removes the pod containers of a kubelet kubeup
// installed (those containerd's CRI plugin made; any other container
// stays) and the images kubeup imported, puts back the host's own
// containerd configuration (or removes kubeup's when there was none), and
// restarts containerd when it changed so that its CRI plugin forgets the
// removed pods.
func (x *resetter) resetContainerd(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	got, err := remoteops.ProbeHost(ctx, s.Host(), containerdProbe())
	if err != nil {
		return err
	}
	t := x.targetOf(r, s.HostName())
	if !t.pods() {
		delete(got, "container")
	}
	if remoteops.ProbeHas(got, "ctr", "down") {
		r.Warn(s.HostName(), remoteops.Finding{Check: "containerd", Warning: true,
			Message: "containerd does not answer: its k8s.io containers and images were left; start it (systemctl start containerd) and run reset again"})
	}
	restart, err := removeContainers(ctx, s, got["container"])
	if err != nil {
		return err
	}
	if err := removeImages(ctx, s, kubeupImageRefs(t, got["image"], got["testimage"])); err != nil {
		return err
	}
	changed, err := restoreContainerdConfig(ctx, s, got)
	if err != nil {
		return err
	}
	if (!restart && !changed) || !remoteops.ProbeHas(got, "containerd", "active") {
		return nil
	}
	return remoteops.WetExec(ctx, s, "restart containerd", "systemctl restart containerd")
}

// removeContainers kills the tasks and removes the containers ids of the
// k8s.io namespace (with their snapshots), and reports whether it did.
func removeContainers(ctx context.Context, s *phase.Step, ids [][]string) (bool, error) {
	list := probeValues(map[string][][]string{"id": ids}, "id")
	if len(list) == 0 {
		return false, nil
	}
	what := fmt.Sprintf("kill and remove %d pod containers of containerd's k8s.io namespace (made by the kubelet)", len(list))
	return true, remoteops.WetExec(ctx, s, what, removeContainersCmd(list))
}

// removeContainersCmd force-deletes the tasks of ids, then the containers
// with their snapshots. Tasks are deleted again while any is left:
// deleting a pod's sandbox takes down the shim its other containers
// share, whose tasks containerd then cleans up by itself. A task or
// container that is gone meanwhile is fine.
func removeContainersCmd(ids []string) string {
	return fmt.Sprintf(`ours=%[2]s
left() { %[1]s tasks ls -q | grep -Fx "$ours" | tr '\n' ' '; }
for i in 1 2 3 4 5 6 7 8 9 10; do
  ids=$(left); [ -z "$ids" ] && break
  for id in $ids; do %[1]s tasks rm -f "$id" >/dev/null 2>&1; done
  [ -z "$(left)" ] && break; sleep 1
done
ids=$(left); [ -z "$ids" ] || { echo "tasks left after 10 tries: $ids (see %[1]s tasks ls)" >&2; exit 1; }
for id in $ours; do %[1]s containers rm "$id" 2>/dev/null || ! %[1]s containers ls -q | grep -qFx "$id" || { echo "container $id is still there: see %[1]s containers info $id" >&2; exit 1; }; done`,
		ctrK8s, host.Quote(strings.Join(ids, "\n")))
}

// kubeupImageRefs returns the references of the images kubeup imported
// (the target's, and the test images the host's list names), and every
// other reference to the same content (the CRI plugin adds digest
// references), from the probe's "image REF DIGEST" lines.
func kubeupImageRefs(t *resetTarget, images, testImages [][]string) []string {
	ours := t.rec.List(remoteops.RecImage)
	for _, t := range testImages {
		ours = append(ours, t...)
	}
	digests := map[string]bool{}
	for _, im := range images {
		if len(im) >= 2 && slices.Contains(ours, im[0]) {
			digests[im[1]] = true
		}
	}
	var refs []string
	for _, im := range images {
		if len(im) >= 2 && digests[im[1]] {
			refs = append(refs, im[0])
		}
	}
	return refs
}

func removeImages(ctx context.Context, s *phase.Step, refs []string) error {
	if len(refs) == 0 {
		return nil
	}
	var names []string
	for _, ref := range refs {
		if !strings.HasPrefix(ref, "sha256:") && !strings.Contains(ref, "@") {
			names = append(names, ref)
		}
	}
	what := fmt.Sprintf("remove images %s (%d references)", strings.Join(names, ", "), len(refs))
	return remoteops.WetExec(ctx, s, what, ctrK8s+" images rm --sync "+remoteops.QuoteWords(refs)+" >/dev/null")
}

// restoreContainerdConfig puts back the configuration apply replaced, or
// removes kubeup's when apply kept none (the host had none), and reports
// whether it changed the file.
func restoreContainerdConfig(ctx context.Context, s *phase.Step, got map[string][][]string) (bool, error) {
	switch {
	case remoteops.ProbeHas(got, "config", "backup"):
		what := fmt.Sprintf("restore %s from %s (the host's own, kept by apply)", layout.ContainerdConfig, remoteops.ContainerdConfigBackup)
		cmd := fmt.Sprintf("mv -f %s %s", host.Quote(remoteops.ContainerdConfigBackup), host.Quote(layout.ContainerdConfig))
		return true, remoteops.WetExec(ctx, s, what, cmd)
	case remoteops.ProbeHas(got, "config", "kubeup"):
		what := fmt.Sprintf("remove kubeup's %s (apply kept no earlier configuration)", layout.ContainerdConfig)
		cmd := fmt.Sprintf("rm -f %s; rmdir %s 2>/dev/null; true", host.Quote(layout.ContainerdConfig), host.Quote(layout.ContainerdDir))
		return true, remoteops.WetExec(ctx, s, what, cmd)
	}
	return false, nil
}
