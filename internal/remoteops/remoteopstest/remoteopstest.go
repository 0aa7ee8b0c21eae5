// Package remoteopstest builds runs of package remoteops on fake hosts
// for the unit tests of apply, reset, status and remoteops itself.
package remoteopstest

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/plan"
	"kubeup.dev/kubeup/internal/remoteops"
	"kubeup.dev/kubeup/internal/spec"
)

// GoodFacts is what the facts script prints on a host that passes every
// preflight check, HOST standing for its hostname and without the clock
// line.
const GoodFacts = `os=debian 12
arch=x86_64
kernel=6.1.0
cgroup=cgroup2fs
systemd=systemd 252 (252.38-1~deb12u1)
hostname=HOST
addrs=127.0.0.1/8 10.0.0.1/24
swaps=0
listen=0.0.0.0:22 users:(("sshd",pid=10,fd=3))
listen=127.0.0.1:2379 users:(("etcd",pid=11,fd=7))
etcddata=
mark=
ipforward=1
containerd=active
euid=0
cni=bridge host-local loopback portmap flannel
cmd=systemctl
cmd=iptables
cmd=ip
cmd=mount
cmd=sha256sum
cmd=nsenter
cmd=ctr
cmd=containerd
cmd=tar
cmd=conntrack
cmd=socat
cmd=ethtool
cmd=ebtables
mod=overlay
mod=br_netfilter
mod=vxlan
`

// NewRun returns a run of the example spec (node1 control plane, etcd and
// worker; node2 and node3 workers) with a fake host for each, connected,
// and a small artifact set.
func NewRun(t *testing.T) (*remoteops.Run, map[string]*host.Fake) {
	t.Helper()
	c, err := spec.Parse(spec.Example())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pc, err := plan.ForCluster(dir, c, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), nil)
	if err != nil {
		t.Fatal(err)
	}
	m, artDir := artifacts(t)
	r := remoteops.New(c, remoteops.Options{StateDir: dir, Plan: pc, Artifacts: m, ArtifactsDir: artDir})
	fakes := map[string]*host.Fake{}
	for _, h := range c.Spec.Hosts {
		f := host.NewFake(h.Name)
		fakes[h.Name] = f
		r.SetHost(h.Name, f)
	}
	return r, fakes
}

// artifacts writes fake binaries: the Kubernetes commands share one
// content, like the multi-call binary.
func artifacts(t *testing.T) (*manifest.Manifest, string) {
	t.Helper()
	dir := t.TempDir()
	m := &manifest.Manifest{KubernetesVersion: "v1.34.4", Arch: "amd64"}
	add := func(name, content string) {
		p := filepath.Join(dir, "bin", filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(content))
		m.Artifacts = append(m.Artifacts, manifest.Artifact{Name: name, Kind: manifest.KindBinary, Version: "v1",
			Path: "bin/" + name, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(content))})
	}
	for _, n := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy", "kubectl"} {
		add(n, "multi-call kubernetes")
	}
	for _, n := range []string{"etcd", "etcdctl", "flanneld", "cni/flannel"} {
		add(n, "binary "+n)
	}
	return m, dir
}

// CommandsLike returns f's commands that match pattern.
func CommandsLike(f *host.Fake, pattern string) []string {
	re := regexp.MustCompile(pattern)
	var out []string
	for _, c := range f.Commands() {
		if re.MatchString(c) {
			out = append(out, c)
		}
	}
	return out
}
