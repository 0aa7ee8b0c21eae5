package apply

import (
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
)

// recordHost is a fake host that answers the record probe from its files
// and a set of directories it has.
func recordHost(f *host.Fake, dirs ...string) {
	f.OnFunc(`^cat /var/lib/kubeup/install-record`, func(string, []byte) host.Reply {
		var b strings.Builder
		if ff, ok := f.File(remoteops.InstallRecordPath); ok {
			b.Write(ff.Content)
		}
		b.WriteString(remoteops.ProbeSeparator + "\n")
		for _, d := range dirs {
			b.WriteString("exists " + d + "\n")
		}
		return host.Reply{Stdout: b.String()}
	})
}

func runRecord(t *testing.T, r *remoteops.Run) *phase.Report {
	t.Helper()
	rep, err := runPhases(t, r, false, "record")
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestRecordInstallKeepsWhatTheHostHadOutOfTheRecord(t *testing.T) {
	r, fakes := testRun(t)
	for _, f := range fakes {
		recordHost(f, "/etc", "/usr", "/usr/local", "/usr/local/bin", "/var", "/var/lib", "/var/log", "/etc/systemd", "/etc/systemd/system",
			"/opt", "/run", "/usr/libexec", layout.KubernetesDir, layout.EtcdDataDir, "/var/log/pods")
	}
	runRecord(t, r)
	ff, ok := fakes["node1"].File(remoteops.InstallRecordPath)
	if !ok || ff.Mode.Perm() != 0o600 {
		t.Fatalf("no record written with mode 0600: %v %v", ok, ff.Mode)
	}
	rec, err := remoteops.ParseInstallRecord(string(ff.Content))
	if err != nil {
		t.Fatal(err)
	}
	for _, kept := range []struct{ kind, path string }{{remoteops.RecDir, layout.KubernetesDir}, {remoteops.RecData, layout.EtcdDataDir}, {remoteops.RecData, "/var/log/pods"}, {remoteops.RecDir, "/usr/local/bin"}} {
		if rec.Has(kept.kind, kept.path) {
			t.Errorf("the host had %s before apply, yet the record names it as kubeup's %s", kept.path, kept.kind)
		}
	}
	for _, want := range []struct{ kind, path string }{{remoteops.RecFile, layout.AdminConf}, {remoteops.RecFile, layout.Binary("kubelet")}, {remoteops.RecDir, layout.PKIDir},
		{remoteops.RecData, layout.KubeletDir}, {remoteops.RecData, layout.KubeupDir}, {remoteops.RecUnit, "etcd"}, {remoteops.RecFile, remoteops.InstallRecordPath}} {
		if !rec.Has(want.kind, want.path) {
			t.Errorf("record lacks %s %s:\n%s", want.kind, want.path, rec)
		}
	}
	if rep := runRecord(t, r); rep.Changes() != 0 {
		t.Errorf("a second apply rewrote an unchanged record: %v", changeList(rep))
	}
}

func TestRecordInstallMergesAndOwnsWhatTheRecordOrMarkSays(t *testing.T) {
	r, fakes := testRun(t)
	for _, f := range fakes {
		recordHost(f, layout.KubeletDir, "/var/log/pods")
	}
	f := fakes["node2"]
	f.SetFile(remoteops.InstallRecordPath, []byte("cluster demo\nfile /usr/local/bin/old-tool\ndata /var/lib/kubelet\n"), 0o600)
	runRecord(t, r)
	ff, _ := f.File(remoteops.InstallRecordPath)
	rec, err := remoteops.ParseInstallRecord(string(ff.Content))
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Has(remoteops.RecFile, "/usr/local/bin/old-tool") || !rec.Has(remoteops.RecData, layout.KubeletDir) || rec.Has(remoteops.RecData, "/var/log/pods") {
		t.Errorf("merge: want the old entries kept and /var/log/pods (the host's) left out:\n%s", rec)
	}

	f.SetFile(remoteops.InstallRecordPath, []byte("cluster other\n"), 0o600)
	if _, err := runPhases(t, r, false, "record"); err == nil || !strings.Contains(err.Error(), "belongs to cluster other") {
		t.Errorf("a record of another cluster: want a refusal, got %v", err)
	}

	// a host applied before records were kept: its mark makes the
	// existing directories kubeup's
	r, fakes = testRun(t)
	for name, f := range fakes {
		recordHost(f, layout.KubeletDir, "/var/log/pods")
		mark := map[string]string{"node2": "demo"}[name]
		f.On(`^\. /etc/os-release`, host.Reply{Stdout: "mark=" + mark + "\n"})
	}
	if _, err := runPhases(t, r, false, "facts"); err != nil {
		t.Fatal(err)
	}
	f = fakes["node2"]
	runRecord(t, r)
	ff, _ = f.File(remoteops.InstallRecordPath)
	if rec, _ := remoteops.ParseInstallRecord(string(ff.Content)); !rec.Has(remoteops.RecData, "/var/log/pods") {
		t.Errorf("a marked host without a record: want its existing data directories recorded:\n%s", ff.Content)
	}
}
