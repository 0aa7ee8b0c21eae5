package apply

import (
	"context"
	"fmt"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
)

// recordInstall is apply's first change to a host: it adds to the
// host's install record everything this apply may install there, before
// any of it is created. A directory the host already had is not
// kubeup's, unless the record or the cluster mark (a host applied by a
// kubeup that kept no record) says it is.
func recordInstall(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	h := r.SpecHost(s.HostName())
	want := remoteops.PlannedRecord(r, h, func(string) bool { return false })
	have, exists, err := remoteops.ReadRecord(ctx, s.Host(), remoteops.CandidateDirs(want))
	if err != nil {
		return err
	}
	name := r.Cluster.Metadata.Name
	if have != nil && have.Cluster != name {
		return fmt.Errorf("%s belongs to cluster %s: reset the host with that cluster's spec first", remoteops.InstallRecordPath, have.Cluster)
	}
	legacy := have == nil && r.Facts(s.HostName()) != nil && r.Facts(s.HostName()).ClusterMark == name
	existed := func(d string) bool {
		return exists[d] && !legacy && (have == nil || !(have.Has(remoteops.RecDir, d) || have.Has(remoteops.RecData, d)))
	}
	rec := remoteops.PlannedRecord(r, h, existed)
	if have != nil {
		rec.Merge(have)
		if rec.String() == have.String() {
			return nil
		}
	}
	what := fmt.Sprintf("record what kubeup installs in %s (%d files, %d directories, %d units)",
		remoteops.InstallRecordPath, len(rec.List(remoteops.RecFile)), len(rec.List(remoteops.RecDir))+len(rec.List(remoteops.RecData)), len(rec.List(remoteops.RecUnit)))
	content := rec.String()
	return s.Wet(what, func(hh host.Host) error {
		return hh.WriteFile(ctx, hostfile.File{Path: remoteops.InstallRecordPath, Mode: 0o600, Content: []byte(content)})
	})
}
