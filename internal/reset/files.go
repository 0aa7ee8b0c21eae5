package reset

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
)

// resetRemoval is what phase files removes on a host, in order: files
// and data directories, then the directories kubeup created when they
// are left empty, then kubeup's own directory (the install record and
// cluster mark go last, so that a reset that stops early can resume).
type resetRemoval struct {
	paths []string // files, and data directories removed with their content
	dirs  []string // removed when empty, deepest first
	own   []string // kubeup's own directory, or what of it is recorded
}

// removal sorts a target's record into what phase files removes.
func removal(t *resetTarget) resetRemoval {
	set := map[string]bool{}
	var own []string
	for _, p := range append(t.rec.List(remoteops.RecFile), t.rec.List(remoteops.RecData)...) {
		if p == layout.KubeupDir || strings.HasPrefix(p, layout.KubeupDir+"/") {
			own = append(own, p)
			continue
		}
		set[p] = true
	}
	dirs := t.rec.List(remoteops.RecDir)
	slices.SortFunc(dirs, func(a, b string) int { return strings.Count(b, "/") - strings.Count(a, "/") })
	return resetRemoval{paths: outermost(set), dirs: dirs, own: outermostList(own)}
}

// outermost returns the sorted paths of set that are not inside another.
func outermost(set map[string]bool) []string {
	var out []string
	for p := range set {
		inside := false
		for d := path.Dir(p); d != "/" && d != "."; d = path.Dir(d) {
			if set[d] {
				inside = true
				break
			}
		}
		if !inside {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

func outermostList(paths []string) []string {
	set := map[string]bool{}
	for _, p := range paths {
		set[p] = true
	}
	return outermost(set)
}

// kubeletCgroupRoot is the sandbox kubelet's own cgroup root on host name.
func kubeletCgroupRoot(name string) string { return "kubeup-" + name }

// filesProbe prints "path P" for every path of paths that exists, "dir
// D" for every directory of dirs, "user U" for every system user kubeup
// created (layout.CreatedUsers) that still exists, and in a sandbox the
// host's kubelet cgroup roots.
func filesProbe(r *remoteops.Run, name string, paths, dirs []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `for p in %s; do if [ -e "$p" ] || [ -L "$p" ]; then echo "path $p"; fi; done
for d in %s; do [ -d "$d" ] && echo "dir $d"; done
if [ -f %[3]s ]; then while read -r u; do [ -n "$u" ] && id -u "$u" >/dev/null 2>&1 && echo "user $u"; done < %[3]s; fi`,
		remoteops.QuoteWords(paths), remoteops.QuoteWords(dirs), host.Quote(layout.CreatedUsers))
	if sandboxCgroupRoot(r) {
		fmt.Fprintf(&b, "\nfor d in /sys/fs/cgroup/*/%[1]s /sys/fs/cgroup/%[1]s; do [ -d \"$d\" ] && echo \"cgroup $d\"; done", kubeletCgroupRoot(name))
	}
	return b.String() + "; true"
}

func sandboxCgroupRoot(r *remoteops.Run) bool {
	sb := r.Cluster.Spec.Sandbox
	return sb != nil && sb.PerNodeCgroupRoot && r.Cluster.Spec.Kubelet.CgroupDriver == "cgroupfs"
}

// resetFiles removes the files and data directories kubeup recorded, the
// directories it created once they are empty, in a sandbox the kubelet's
// cgroup root, and last kubeup's own directory.
func (x *resetter) resetFiles(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	rm := removal(x.targetOf(r, s.HostName()))
	got, err := remoteops.ProbeHost(ctx, s.Host(), filesProbe(r, s.HostName(), append(slices.Clone(rm.paths), rm.own...), rm.dirs))
	if err != nil {
		return err
	}
	present := probeValues(got, "path")
	if ps := withoutAny(present, rm.own); len(ps) > 0 {
		if err := remoteops.WetExec(ctx, s, "remove "+strings.Join(ps, ", "), removePathsCmd(ps)); err != nil {
			return err
		}
	}
	if ds := probeValues(got, "dir"); len(ds) > 0 {
		if err := remoteops.WetExec(ctx, s, "remove the directories kubeup created that are left empty: "+strings.Join(ds, ", "), rmdirCmd(ds)); err != nil {
			return err
		}
	}
	if len(got["cgroup"]) > 0 {
		what := fmt.Sprintf("remove cgroup root /%s (sandbox)", kubeletCgroupRoot(s.HostName()))
		if err := remoteops.WetExec(ctx, s, what, cgroupCmd(got["cgroup"])); err != nil {
			return err
		}
	}
	if users := probeValues(got, "user"); len(users) > 0 {
		what := "remove system users kubeup created: " + strings.Join(users, ", ")
		if err := remoteops.WetExec(ctx, s, what, userdelCmd(users)); err != nil {
			return err
		}
	}
	if own := onlyIn(present, rm.own); len(own) > 0 {
		return remoteops.WetExec(ctx, s, "remove "+strings.Join(own, ", ")+" (kubeup's install record and cluster mark)", removePathsCmd(own))
	}
	return nil
}

// probeValues returns the first field of the probe's lines of key.
func probeValues(got map[string][][]string, key string) []string {
	var out []string
	for _, f := range got[key] {
		if len(f) > 0 {
			out = append(out, f[0])
		}
	}
	return out
}

// withoutAny returns the paths of ps that are not in drop.
func withoutAny(ps, drop []string) []string {
	return slices.DeleteFunc(slices.Clone(ps), func(p string) bool { return slices.Contains(drop, p) })
}

// onlyIn returns the paths of ps that are in keep.
func onlyIn(ps, keep []string) []string {
	return slices.DeleteFunc(slices.Clone(ps), func(p string) bool { return !slices.Contains(keep, p) })
}

// removePathsCmd removes paths; a mount left inside one (the kubelet
// may have mounted again, a pod's volume outlived its container) is
// unmounted first, deepest first, lazily when busy, and a mount that is
// gone by then is fine.
func removePathsCmd(paths []string) string {
	q := remoteops.QuoteWords(paths)
	return fmt.Sprintf(`for p in %s; do awk -v p="$p/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do %s; done || exit 1; done
for p in %s; do if awk -v p="$p/" 'index($2, p) == 1 { found = 1 } END { exit !found }' /proc/mounts; then echo "$p still has mounts inside after umount: see grep $p /proc/mounts" >&2; exit 1; fi; done
rm -rf --one-file-system -- %s`, q, tolerantUmount("$m"), q, q)
}

// tolerantUmount unmounts m (a shell word), lazily when busy, and fails
// only when m is still mounted afterwards: a mount that vanished on its
// own (containerd's restart takes its sandboxes' shm) is what was wanted.
func tolerantUmount(m string) string {
	return fmt.Sprintf(`umount %[1]s 2>/dev/null || umount -l %[1]s 2>/dev/null || ! awk -v m=%[1]s '$2 == m { found = 1 } END { exit !found }' /proc/mounts || { echo "umount %[1]s failed and it is still mounted" >&2; exit 1; }`, `"`+m+`"`)
}

// userdelCmd removes system users (and their groups, which useradd
// --user-group made); the services running as them are stopped by then.
func userdelCmd(users []string) string {
	return fmt.Sprintf(`for u in %s; do userdel -- "$u" || exit 1; done`, remoteops.QuoteWords(users))
}

// rmdirCmd removes each directory that is empty, deepest first; one that
// is not (it holds what kubeup did not make) stays.
func rmdirCmd(dirs []string) string {
	return fmt.Sprintf(`for d in %s; do rmdir -- "$d" 2>/dev/null; done; true`, remoteops.QuoteWords(dirs))
}

// cgroupCmd removes cgroup directories bottom-up, retrying while the
// killed containers' processes go away.
func cgroupCmd(dirs [][]string) string {
	var ds []string
	for _, d := range dirs {
		ds = append(ds, d[0])
	}
	return fmt.Sprintf(`for i in 1 2 3 4 5 6 7 8 9 10; do ok=1; for d in %s; do [ -d "$d" ] || continue; find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || ok=0; done; [ $ok = 1 ] && exit 0; sleep 1; done
echo "cgroups are still in use: find the processes with cat $(find %s -name cgroup.procs)" >&2; exit 1`, remoteops.QuoteWords(ds), remoteops.QuoteWords(ds))
}
