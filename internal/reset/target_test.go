package reset

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/remoteops"
	"kubeup.dev/kubeup/internal/remoteops/remoteopstest"
)

func TestDecideTarget(t *testing.T) {
	r, _ := remoteopstest.NewRun(t)
	fixed := fixedRecord(r, r.SpecHost("node1"))
	own := remoteops.NewInstallRecord("demo")
	own.Add(remoteops.RecUnit, "kubelet")
	signs := map[string]bool{layout.KubernetesDir: true}
	for _, tc := range []struct {
		name  string
		force bool
		st    hostState
		from  string
		err   string
	}{
		{name: "marked with record", st: hostState{mark: "demo", rec: own}, from: remoteops.InstallRecordPath},
		{name: "record before mark (apply stopped early)", st: hostState{rec: own, exists: signs}, from: remoteops.InstallRecordPath},
		{name: "marked, no record (older kubeup)", st: hostState{mark: "demo", exists: signs}, from: "fixed list (the host has no install record)"},
		{name: "clean host", st: hostState{}, from: "nothing"},
		{name: "unmarked with Kubernetes", st: hostState{exists: signs}, err: "node1: host carries no kubeup mark for this cluster demo"},
		{name: "unmarked, forced", force: true, st: hostState{exists: signs}, from: "--force"},
		{name: "another cluster's mark", st: hostState{mark: "other", rec: own, exists: signs}, err: "belongs to cluster other"},
		{name: "another cluster's record", st: hostState{rec: remoteops.NewInstallRecord("other")}, err: "belongs to cluster other"},
		{name: "another cluster, forced", force: true, st: hostState{mark: "other"}, from: "--force"},
	} {
		tg, err := decideTarget("demo", "node1", tc.force, tc.st, fixed)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "--force") {
				t.Errorf("%s: want error %q naming --force, got %v", tc.name, tc.err, err)
			}
		case err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case !strings.Contains(tg.from, tc.from):
			t.Errorf("%s: target from %q, want %q", tc.name, tg.from, tc.from)
		case tc.force && (tg.rec.Has(remoteops.RecData, layout.EtcdDataDir) || !tg.forced):
			t.Errorf("%s: a forced reset removes %s of a member that is not ours", tc.name, layout.EtcdDataDir)
		}
	}
	if _, err := decideTarget("demo", "node1", false, hostState{exists: signs}, fixed); !errors.Is(err, ErrNotMarked) {
		t.Errorf("the refusal of an unmarked host does not wrap ErrNotMarked: %v", err)
	}
	if !fixed.Has(remoteops.RecData, layout.EtcdDataDir) {
		t.Error("the fixed list of a marked etcd host does not remove its data")
	}
}

func TestResetRefusesUnmarkedHostAndChangesNothing(t *testing.T) {
	r, fakes, ds := resetRun(t)
	ds["node3"].left["mark"] = "--- kubeup probe ---\nexists /etc/kubernetes\n"
	_, err := runReset(t, r, Options{}, false)
	if !errors.Is(err, ErrNotMarked) || !strings.Contains(err.Error(), "node3") {
		t.Fatalf("want ErrNotMarked for node3, got %v", err)
	}
	for name, f := range fakes {
		if cmds := changeCommands(f); len(cmds) > 0 {
			t.Errorf("%s changed although node3 was refused: %q", name, cmds)
		}
	}
}

func TestResetForceSaysWhatItRemovesAndKeepsEtcdData(t *testing.T) {
	r, fakes, ds := resetRun(t)
	ds["node1"].left["mark"] = "--- kubeup probe ---\nexists /var/lib/etcd\n"
	if _, err := runReset(t, r, Options{Force: true}, true); err != nil {
		t.Fatal(err)
	}
	w := strings.Join(r.Warnings(), "\n")
	if !strings.Contains(w, "--force: remove only what kubeup installs") || !strings.Contains(w, "/var/lib/etcd is kept") {
		t.Errorf("a forced reset does not say what it removes: %q", w)
	}
	for _, c := range fakes["node1"].Commands() {
		if strings.Contains(c, `echo "path`) && strings.Contains(c, " "+layout.EtcdDataDir+" ") {
			t.Errorf("a forced reset looks for %s to remove: %q", layout.EtcdDataDir, c)
		}
	}
}

func TestFlannelRoutesKeepForeignRoutes(t *testing.T) {
	hosts := []string{"10.0.0.2", "10.0.0.3"}
	lines := [][]string{
		strings.Fields("10.244.0.0/16 10.244.1.0/24 via 10.0.0.3 dev eth0"),
		strings.Fields("10.244.0.0/16 10.244.7.0/24 via 10.0.0.99 dev eth0"),
		strings.Fields("10.244.0.0/16 blackhole 10.244.201.0/24"),
		strings.Fields("10.244.0.0/16 10.244.200.7 dev eth0 scope link"),
		strings.Fields("10.244.0.0/16 10.244.9.0/25 via 10.0.0.2 dev eth0"),
	}
	got := flannelRoutes(lines, hosts)
	if len(got) != 1 || strings.Join(got[0].route, " ") != "10.244.1.0/24 via 10.0.0.3 dev eth0" {
		t.Errorf("flannel's routes: %v, want only the host-gw route through 10.0.0.3", got)
	}
	if cmd := deleteRouteCmd("10.244.0.0/16", got[0].route); !strings.HasPrefix(cmd, "ip -4 route del 10.244.1.0/24 via 10.0.0.3 dev eth0 2>/dev/null ||") {
		t.Errorf("route delete: %s", cmd)
	}
}

// shellWith runs script with sh, the fake commands bin (name -> script)
// first on PATH and /proc/mounts replaced by mounts.
func shellWith(t *testing.T, script, mounts string, bin map[string]string) (string, error) {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	dir := t.TempDir()
	for name, body := range bin {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	mf := filepath.Join(dir, "mounts")
	if err := os.WriteFile(mf, []byte(mounts), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(sh, "-c", strings.ReplaceAll(script, "/proc/mounts", mf))
	cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestUnmountToleratesMountsThatVanished(t *testing.T) {
	shm := "/run/containerd/io.containerd.grpc.v1.cri/sandboxes/abc/shm"
	failing := map[string]string{"umount": `echo "umount: $*: no mount point specified" >&2; exit 32`}
	// the probe saw the mount, but it is gone when umount runs
	script := strings.Replace(unmountPodsCmd(), "awk '{ print $2 }' /proc/mounts", "echo "+shm, 1)
	if out, err := shellWith(t, script, "", failing); err != nil {
		t.Errorf("a vanished mount fails the unmount: %v\n%s", err, out)
	}
	if out, err := shellWith(t, script, "shm "+shm+" tmpfs rw 0 0\n", failing); err == nil || !strings.Contains(out, "still mounted") {
		t.Errorf("a mount that stays mounted passes: %v\n%s", err, out)
	}
	rm := removePathsCmd([]string{"/nonexistent/kubeup-test"})
	if out, err := shellWith(t, rm, "tmpfs /nonexistent/kubeup-test/pods/x tmpfs rw 0 0\n", map[string]string{"umount": "exit 0"}); err == nil || !strings.Contains(out, "still has mounts") {
		t.Errorf("rm -rf of a directory with a mount left inside: %v\n%s", err, out)
	}
}

func TestRemoveContainersToleratesContainersThatVanished(t *testing.T) {
	ctr := `case "$3 $4" in
"tasks ls") ;;
"containers rm") exit 1 ;;
"containers ls") echo stuck ;;
esac`
	if out, err := shellWith(t, removeContainersCmd([]string{"gone1", "gone2"}), "", map[string]string{"ctr": ctr}); err != nil {
		t.Errorf("containers gone meanwhile fail the removal: %v\n%s", err, out)
	}
	out, err := shellWith(t, removeContainersCmd([]string{"gone1", "stuck"}), "", map[string]string{"ctr": ctr})
	if err == nil || !strings.Contains(out, "container stuck is still there") {
		t.Errorf("a container that stays passes: %v\n%s", err, out)
	}
}

func TestRemovalKeepsKubeupsOwnDirectoryForLast(t *testing.T) {
	rec := remoteops.NewInstallRecord("demo")
	rec.Add(remoteops.RecFile, layout.AdminConf, layout.KubeletConfig, remoteops.InstallRecordPath, layout.ClusterMark)
	rec.Add(remoteops.RecData, layout.KubeletDir, layout.KubeupDir)
	rec.Add(remoteops.RecDir, layout.KubernetesDir, layout.PKIDir, layout.EtcdPKIDir)
	rm := removal(&resetTarget{rec: rec})
	if !slices.Equal(rm.paths, []string{layout.AdminConf, layout.KubeletDir}) || !slices.Equal(rm.own, []string{layout.KubeupDir}) {
		t.Errorf("removal: paths %v own %v", rm.paths, rm.own)
	}
	if !slices.Equal(rm.dirs, []string{layout.EtcdPKIDir, layout.PKIDir, layout.KubernetesDir}) {
		t.Errorf("directories not deepest first: %v", rm.dirs)
	}
}
