package kubeconfig

import (
	"errors"
	"fmt"

	"k8s.io/client-go/tools/clientcmd/api"

	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/pki"
	"kubeup.dev/kubeup/internal/spec"
)

// BootstrapUser is the user of the kubelet's bootstrap kubeconfig.
const BootstrapUser = "kubelet-bootstrap"

// hostConf declares one kubeconfig file placed on hosts.
type hostConf struct {
	path         string
	user         string // auth info name
	cert         string // the PKI client certificate
	reader       string // the component that reads the file; empty: people
	local        bool   // talks to its own host's API server
	controlPlane bool   // only on control-plane hosts
}

// hostConfs lists the kubeconfig files. Every host is a node (render runs
// kubelet, kube-proxy and flanneld everywhere); control planes add theirs.
func hostConfs() []hostConf {
	return []hostConf{
		{path: layout.AdminConf, user: "kubernetes-admin", cert: pki.Admin, controlPlane: true},
		{path: layout.ControllerManagerConf, user: "system:kube-controller-manager",
			cert: pki.ControllerManager, reader: "kube-controller-manager", local: true, controlPlane: true},
		{path: layout.SchedulerConf, user: "system:kube-scheduler", cert: pki.Scheduler, reader: "kube-scheduler",
			local: true, controlPlane: true},
		{path: layout.KubeProxyConf, user: "system:kube-proxy", cert: pki.KubeProxy, reader: "kube-proxy"},
		{path: layout.FlannelConf, user: "system:kube-flannel", cert: pki.Flanneld, reader: "flanneld"},
	}
}

// FilesFor returns the kubeconfig files host h receives, all 0600, sorted
// by path: kube-proxy.conf and flanneld.conf on every host, plus
// admin.conf, controller-manager.conf and scheduler.conf on control-plane
// hosts. The kubelet's bootstrap kubeconfig is not among them: apply
// writes it (see Bootstrap) only while a node joins.
func FilesFor(c *spec.Cluster, h spec.Host, st *pki.Store) ([]hostfile.File, error) {
	var out []hostfile.File
	for _, hc := range hostConfs() {
		if hc.controlPlane && !h.HasRole(spec.RoleControlPlane) {
			continue
		}
		b, err := hc.build(c, st)
		if err != nil {
			return nil, fmt.Errorf("host %s: %w", h.Name, err)
		}
		f := hostfile.File{Path: hc.path, Mode: 0o600, Content: b}
		if hc.reader != "" {
			f.Readers = []string{hc.reader}
		}
		out = append(out, f)
	}
	hostfile.Sort(out)
	return out, nil
}

func (hc hostConf) build(c *spec.Cluster, st *pki.Store) ([]byte, error) {
	auth, err := certAuth(st, hc.cert)
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

// Bootstrap is the kubelet's bootstrap kubeconfig for one join: the API
// server endpoint, the cluster CA and the node's own bootstrap token
// (a secret: write it 0600 and remove it once the node has joined).
func Bootstrap(c *spec.Cluster, caPEM []byte, token string) ([]byte, error) {
	if token == "" {
		return nil, errors.New("bootstrap kubeconfig: no token")
	}
	return kubeconfig{cluster: c.Metadata.Name, server: c.Spec.APIServerURL(), caPEM: caPEM,
		user: BootstrapUser, auth: &api.AuthInfo{Token: token}, context: BootstrapUser + "@" + c.Metadata.Name}.write()
}

// Kubelet is the kubeconfig of the kubelet of host h when it holds a
// client certificate without joining (hosts that run static pods): the
// certificate file the kubelet keeps current, and, on a control-plane
// host, its own API server (the one its static pods run), else the
// cluster endpoint. TLS bootstrap writes the same file on other nodes.
func Kubelet(c *spec.Cluster, h spec.Host, caPEM []byte) ([]byte, error) {
	server := c.Spec.APIServerURL()
	if h.HasRole(spec.RoleControlPlane) {
		server = localAPIServer()
	}
	user := "system:node:" + h.Name
	return kubeconfig{cluster: c.Metadata.Name, server: server, caPEM: caPEM, user: user,
		auth:    &api.AuthInfo{ClientCertificate: layout.KubeletClientCert, ClientKey: layout.KubeletClientCert},
		context: user + "@" + c.Metadata.Name}.write()
}
