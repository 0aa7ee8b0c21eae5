package kubeconfig

import (
	"errors"
	"fmt"

	"k8s.io/client-go/tools/clientcmd/api"

	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/pki"
	"kubeup.dev/kubeup/internal/spec"
	"kubeup.dev/kubeup/internal/state"
)

// BootstrapUser is the user of the kubelet's bootstrap kubeconfig.
const BootstrapUser = "kubelet-bootstrap"

// hostConf declares one kubeconfig file placed on hosts.
type hostConf struct {
	path         string
	user         string // auth info name
	cert         string // the PKI client certificate; empty: bootstrap token
	local        bool   // talks to its own host's API server
	controlPlane bool   // only on control-plane hosts
}

// hostConfs lists the kubeconfig files. Every host is a node (render runs
// kubelet, kube-proxy and flanneld everywhere); control planes add theirs.
func hostConfs() []hostConf {
	return []hostConf{
		{path: layout.AdminConf, user: "kubernetes-admin", cert: pki.Admin, controlPlane: true},
		{path: layout.ControllerManagerConf, user: "system:kube-controller-manager",
			cert: pki.ControllerManager, local: true, controlPlane: true},
		{path: layout.SchedulerConf, user: "system:kube-scheduler", cert: pki.Scheduler,
			local: true, controlPlane: true},
		{path: layout.KubeProxyConf, user: "system:kube-proxy", cert: pki.KubeProxy},
		{path: layout.FlannelConf, user: "system:kube-flannel", cert: pki.Flanneld},
		{path: layout.BootstrapKubeletConf, user: BootstrapUser},
	}
}

// FilesFor returns the kubeconfig files host h receives, all 0600, sorted
// by path: bootstrap-kubelet.conf, kube-proxy.conf and flanneld.conf on
// every host, plus admin.conf, controller-manager.conf and scheduler.conf
// on control-plane hosts.
func FilesFor(c *spec.Cluster, h spec.Host, st *pki.Store, sec *state.Secrets) ([]hostfile.File, error) {
	var out []hostfile.File
	for _, hc := range hostConfs() {
		if hc.controlPlane && !h.HasRole(spec.RoleControlPlane) {
			continue
		}
		b, err := hc.build(c, st, sec)
		if err != nil {
			return nil, fmt.Errorf("host %s: %w", h.Name, err)
		}
		out = append(out, hostfile.File{Path: hc.path, Mode: 0o600, Content: b})
	}
	hostfile.Sort(out)
	return out, nil
}

func (hc hostConf) build(c *spec.Cluster, st *pki.Store, sec *state.Secrets) ([]byte, error) {
	auth, err := hc.auth(st, sec)
	if err != nil {
		return nil, err
	}
	server := c.Spec.APIServerURL()
	if hc.local {
		server = localAPIServer()
	}
	return kubeconfig{cluster: c.Metadata.Name, server: server, caPEM: st.CACert(),
		user: hc.user, auth: auth, context: hc.user + "@" + c.Metadata.Name}.write()
}

func (hc hostConf) auth(st *pki.Store, sec *state.Secrets) (*api.AuthInfo, error) {
	if hc.cert != "" {
		return certAuth(st, hc.cert)
	}
	if sec == nil || sec.BootstrapTokenID == "" || sec.BootstrapTokenSecret == "" {
		return nil, errors.New("bootstrap-kubelet.conf needs the bootstrap token: load the cluster secrets (state.LoadOrCreateSecrets) first")
	}
	return &api.AuthInfo{Token: sec.BootstrapToken()}, nil
}
