package reset

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
	"kubeup.dev/kubeup/internal/spec"
	"kubeup.dev/kubeup/internal/versions"
)

// ErrNotMarked is returned (wrapped) when reset finds kubeup's kind of
// things on a host that carries no mark of the cluster: the host may not
// be this cluster's, and only --force resets it.
var ErrNotMarked = errors.New("host carries no kubeup mark for this cluster")

// resetTarget is what reset removes on one host, decided once by phase
// inspect: the host's install record, or kubeup's fixed list when the
// host has none.
type resetTarget struct {
	rec *remoteops.InstallRecord
	// from says where rec comes from, for messages.
	from string
	// forced is set when only --force let reset touch the host.
	forced bool
}

// runs reports whether kubeup installed unit on the host.
func (t *resetTarget) runs(unit string) bool { return t.rec.Has(remoteops.RecUnit, unit) }

// pods reports whether the host's pods are kubeup's: its kubelet is, so
// the CRI containers, pod mounts and network namespaces are too.
func (t *resetTarget) pods() bool { return t.runs("kubelet") }

// network reports whether the pod network on the host is kubeup's: the
// CNI interfaces, flannel's routes and the KUBE-* and FLANNEL-* chains.
func (t *resetTarget) network() bool {
	return t.runs("kubelet") || t.runs("kube-proxy") || t.runs("flanneld")
}

// hostState is what phase inspect finds on a host.
type hostState struct {
	mark   string                   // the cluster mark's first line, "" for none
	rec    *remoteops.InstallRecord // nil for none
	exists map[string]bool
}

// signPaths are paths whose presence shows that a host runs or ran
// Kubernetes: an unmarked host holding any is refused without --force.
func signPaths() []string {
	out := []string{layout.KubernetesDir, layout.KubeletDir, layout.EtcdDataDir, layout.KubeupDir, layout.FlannelRunDir,
		layout.FlannelDir, "/sys/class/net/cni0", "/sys/class/net/flannel.1"}
	for _, u := range remoteops.KubeupUnits() {
		out = append(out, layout.Unit(u))
	}
	return out
}

// inspectProbe prints the install record, a separator, the cluster mark
// ("mark NAME") and "exists PATH" for each sign path present.
func inspectProbe() string {
	return remoteops.RecordProbe(signPaths()) + fmt.Sprintf(`; [ -f %[1]s ] && echo "mark $(head -n1 %[1]s)"; true`, layout.ClusterMark)
}

// inspectHost reads the host's install record, mark and signs.
func inspectHost(ctx context.Context, s *phase.Step) (hostState, error) {
	out, _, err := s.Host().Exec(ctx, inspectProbe())
	if err != nil {
		return hostState{}, fmt.Errorf("probe: %w", err)
	}
	text, rest, _ := strings.Cut(string(out), remoteops.ProbeSeparator+"\n")
	st := hostState{exists: map[string]bool{}}
	for _, l := range strings.Split(rest, "\n") {
		if p, ok := strings.CutPrefix(l, "exists "); ok {
			st.exists[p] = true
		}
		if m, ok := strings.CutPrefix(l, "mark "); ok {
			st.mark = strings.TrimSpace(m)
		}
	}
	if strings.TrimSpace(text) != "" {
		if st.rec, err = remoteops.ParseInstallRecord(text); err != nil {
			return hostState{}, err
		}
	}
	return st, nil
}

// decideTarget chooses what reset removes on host h (spec name) of
// cluster from what the host holds:
//   - marked for this cluster: its install record, or the fixed list
//     (a host applied by a kubeup that kept no record);
//   - nothing of Kubernetes and no mark: nothing;
//   - marked for another cluster, or unmarked with signs of Kubernetes:
//     refused, unless force; then the fixed list without the etcd data,
//     which belongs to whoever runs that member.
func decideTarget(cluster, h string, force bool, st hostState, fixed *remoteops.InstallRecord) (*resetTarget, error) {
	other := ""
	switch {
	case st.mark != "" && st.mark != cluster:
		other = st.mark
	case st.rec != nil && st.rec.Cluster != cluster:
		other = st.rec.Cluster
	}
	ours := other == "" && (st.mark == cluster || st.rec != nil)
	switch {
	case ours && st.rec != nil:
		return &resetTarget{rec: st.rec, from: remoteops.InstallRecordPath}, nil
	case ours:
		return &resetTarget{rec: fixed, from: "kubeup's fixed list (the host has no install record)"}, nil
	case other == "" && len(st.exists) == 0:
		return &resetTarget{rec: remoteops.NewInstallRecord(cluster), from: "nothing (no kubeup mark and nothing of Kubernetes)"}, nil
	case other != "" && !force:
		return nil, fmt.Errorf("%s belongs to cluster %s (%s), not %s: reset it with that cluster's spec, or pass --force to remove what kubeup installs (its etcd data stays)",
			h, other, layout.ClusterMark, cluster)
	case !force:
		return nil, fmt.Errorf("%s: %w %s (no %s) but holds %s: check its address in the spec; to remove what kubeup installs anyway pass --force (--force --dry-run lists it)",
			h, ErrNotMarked, cluster, layout.ClusterMark, remoteops.ListedNames(slices.Sorted(maps.Keys(st.exists)), 4))
	}
	rec := remoteops.NewInstallRecord(cluster)
	rec.Merge(fixed)
	rec.Remove(remoteops.RecData, layout.EtcdDataDir)
	return &resetTarget{rec: rec, forced: true, from: "kubeup's fixed list (--force on a host without this cluster's mark; " + layout.EtcdDataDir + " is kept)"}, nil
}

// forceSummary says what a forced reset removes on the host.
func forceSummary(t *resetTarget) string {
	return fmt.Sprintf("--force: remove only what kubeup installs, from %s: units %s; %d files (%s); data directories %s; pod containers, mounts and network namespaces of the kubelet; the CNI interfaces, flannel's routes and the %s chains",
		t.from, strings.Join(t.rec.List(remoteops.RecUnit), ", "), len(t.rec.List(remoteops.RecFile)), remoteops.ListedNames(t.rec.List(remoteops.RecFile), 6),
		strings.Join(t.rec.List(remoteops.RecData), ", "), chainNames())
}

// inspect decides, on every selected host, what reset removes there,
// before anything is changed anywhere.
func (x *resetter) inspect(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	st, err := inspectHost(ctx, s)
	if err != nil {
		return err
	}
	h := r.SpecHost(s.HostName())
	t, err := decideTarget(r.Cluster.Metadata.Name, h.Name, x.Force, st, fixedRecord(r, h))
	if err != nil {
		return err
	}
	x.setTarget(h.Name, t)
	if t.forced {
		msg := forceSummary(t)
		r.Warn(h.Name, remoteops.Finding{Check: "force", Warning: true, Message: msg})
		return s.Do(msg, func() error { return nil })
	}
	return nil
}

// fixedRecord is what kubeup installs on host h by the spec alone, for a
// host that kept no record: the directories it counts as kubeup's are
// those only kubeup and its components use.
func fixedRecord(r *remoteops.Run, h spec.Host) *remoteops.InstallRecord {
	owned := append([]string{layout.KubernetesDir, layout.FlannelDir, layout.EtcdEnvironmentDir, layout.CNIBinDir}, remoteops.DataDirs(r.Cluster, h)...)
	rec := remoteops.PlannedRecord(r, h, func(d string) bool {
		return d != path.Dir(layout.CNIBinDir) && !slices.ContainsFunc(owned, func(o string) bool { return d == o || strings.HasPrefix(d, o+"/") })
	})
	if set, err := versions.For(r.Cluster.Spec.KubernetesVersion); err == nil {
		rec.Add(remoteops.RecImage, set.Images()...)
	}
	return rec
}

// targetOf returns what reset removes on host name; a host phase
// inspect did not see (a test running single phases) gets the fixed list.
func (x *resetter) targetOf(r *remoteops.Run, name string) *resetTarget {
	x.mu.Lock()
	t := x.targets[name]
	x.mu.Unlock()
	if t != nil {
		return t
	}
	return &resetTarget{rec: fixedRecord(r, r.SpecHost(name)), from: "kubeup's fixed list"}
}

func (x *resetter) setTarget(name string, t *resetTarget) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.targets[name] = t
}
