package apply

import (
	"context"
	"crypto/rand"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/kubeconfig"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
	"kubeup.dev/kubeup/internal/render"
)

// staticPodHosts are the connected hosts that run static pods: their
// kubelet starts before etcd and the control plane, which it runs.
func staticPodHosts(r *remoteops.Run) []host.Host {
	var out []host.Host
	for _, hh := range r.AllHosts() {
		if len(r.StaticPodsOn(r.SpecHost(hh.Name()))) > 0 {
			out = append(out, hh)
		}
	}
	return out
}

// issuedClientPair is the file holding the kubelet client certificate
// apply issues; kubelet-client-current.pem links to it until the kubelet
// rotates the certificate.
const issuedClientPair = layout.KubeletPKIDir + "/kubelet-client-issued.pem"

// issueKubeletIdentity gives the kubelet of a host that runs static pods
// a client certificate for its node from the cluster CA, and the
// kubeconfig that names it, then starts the kubelet: that kubelet starts
// the API server, so it cannot join through it as other nodes do.
func issueKubeletIdentity(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	h := r.SpecHost(s.HostName())
	conf, err := kubeconfig.Kubelet(r.Cluster, h, r.Plan.PKI.CACert())
	if err != nil {
		return err
	}
	what := fmt.Sprintf("issue the kubelet client certificate of node %s from the cluster CA (%s, 0600) and write %s",
		h.Name, layout.KubeletClientCert, layout.KubeletConf)
	err = s.Wet(what, func(hh host.Host) error {
		pair, err := r.Plan.PKI.NodeClient(r.Cluster, h.Name, r.Now(), rand.Reader)
		if err != nil {
			return err
		}
		if err := hh.WriteFile(ctx, hostfile.File{Path: issuedClientPair, Mode: 0o600, Content: pair}); err != nil {
			return err
		}
		link := fmt.Sprintf("ln -sfn %s %s", path.Base(issuedClientPair), host.Quote(layout.KubeletClientCert))
		if _, _, err := hh.Exec(ctx, link); err != nil {
			return fmt.Errorf("link %s: %w", layout.KubeletClientCert, err)
		}
		return hh.WriteFile(ctx, hostfile.File{Path: layout.KubeletConf, Mode: 0o600, Content: conf})
	})
	if err != nil {
		return err
	}
	return ensureUnits(ctx, r, s, "kubelet")
}

// etcdDataDirCmd makes etcd's data directory etcd:etcd 0700 (CIS 1.1.11
// and 1.1.12) where systemd's StateDirectory= does not: in static-pods
// mode the kubelet would create it root 0755.
func etcdDataDirCmd() string {
	u := host.Quote(render.EtcdUser)
	return fmt.Sprintf("install -d -o %[1]s -g %[1]s -m 0700 %[2]s && chown %[1]s:%[1]s %[2]s && chmod 0700 %[2]s", u, layout.EtcdDataDir)
}

// prepareEtcdDataDir is etcdDataDirCmd when the directory is not so yet.
func prepareEtcdDataDir(ctx context.Context, s *phase.Step) error {
	probe := fmt.Sprintf(`[ "$(stat -c '%%U:%%G %%a' %s 2>/dev/null)" = "%s:%s 700" ]`, layout.EtcdDataDir, render.EtcdUser, render.EtcdUser)
	return ensureByProbe(ctx, s, probe, fmt.Sprintf("make %s %s:%s 0700", layout.EtcdDataDir, render.EtcdUser, render.EtcdUser), etcdDataDirCmd())
}

// etcdCredentialsCmd copies etcd's certificates and keys into
// layout.EtcdCredentialsDir, readable by the etcd user alone (0400 in a
// 0500 directory), as systemd's LoadCredential= does for the unit: the
// files in /etc/kubernetes/pki stay root's.
func etcdCredentialsCmd() (probe, cmd string) {
	u, dir := host.Quote(render.EtcdUser), layout.EtcdCredentialsDir
	creds := render.EtcdCredentials()
	var same, copies []string
	for _, name := range slices.Sorted(maps.Keys(creds)) {
		src, dst := host.Quote(creds[name]), host.Quote(dir+"/"+name)
		same = append(same, fmt.Sprintf("cmp -s %s %s", src, dst))
		copies = append(copies, fmt.Sprintf("{ cmp -s %[1]s %[2]s || install -o %[3]s -g %[3]s -m 0400 %[1]s %[2]s; }", src, dst, u))
	}
	owned := fmt.Sprintf(`[ "$(stat -c '%%U %%a' %[1]s %[1]s/* 2>/dev/null | sort -u | tr '\n' ' ')" = "%[2]s 400 %[2]s 500 " ]`, dir, render.EtcdUser)
	probe = strings.Join(same, " && ") + " && " + owned
	cmd = fmt.Sprintf("install -d -o %[1]s -g %[1]s -m 0500 %[2]s && chown %[1]s:%[1]s %[2]s && chmod 0500 %[2]s && ", u, dir) +
		strings.Join(copies, " && ") + fmt.Sprintf(" && chown %[1]s:%[1]s %[2]s/* && chmod 0400 %[2]s/*", u, dir)
	return probe, cmd
}

// syncEtcdCredentials brings the etcd user's copies up to date.
func syncEtcdCredentials(ctx context.Context, s *phase.Step) error {
	probe, cmd := etcdCredentialsCmd()
	return ensureByProbe(ctx, s, probe, "copy etcd's certificates and keys to "+layout.EtcdCredentialsDir+" (readable by "+render.EtcdUser+" only)", cmd)
}
