// Package kubeconfig builds the kubeconfig files kubeup places on hosts
// (admin, controller-manager, scheduler, kube-proxy, flanneld and the
// kubelet's bootstrap kubeconfig) and the admin kubeconfig it hands to the
// user, with client-go's clientcmd API types. Client certificates come from
// the PKI store and are embedded, so every file stands alone.
package kubeconfig

import (
	"fmt"
	"net"
	"strconv"

	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/clientcmd/api"

	"kubeup.dev/kubeup/internal/pki"
	"kubeup.dev/kubeup/internal/spec"
)

// localAPIServer is the server of the control-plane components' kubeconfigs
// (controller-manager, scheduler): their own host's API server over
// loopback. kubeadm uses the host's advertise address instead; loopback is
// chosen because it never leaves the host, works whatever address kubeup
// reaches the host by (a NAT or public address need not be bound locally),
// keeps the components up when the load balancer or a peer is down, and is
// in the API server certificate's SANs. The API server listens on all
// addresses (render sets no --bind-address).
func localAPIServer() string {
	return "https://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(spec.DefaultAPIServerPort))
}

// kubeconfig is one file's content before serialisation.
type kubeconfig struct {
	cluster string // cluster entry name
	server  string
	caPEM   []byte
	user    string // auth info name
	auth    *api.AuthInfo
	context string
}

// write serialises k with a single cluster, user and current context.
func (k kubeconfig) write() ([]byte, error) {
	cfg := api.NewConfig()
	cfg.Clusters[k.cluster] = &api.Cluster{Server: k.server, CertificateAuthorityData: k.caPEM}
	cfg.AuthInfos[k.user] = k.auth
	cfg.Contexts[k.context] = &api.Context{Cluster: k.cluster, AuthInfo: k.user}
	cfg.CurrentContext = k.context
	b, err := clientcmd.Write(*cfg)
	if err != nil {
		return nil, fmt.Errorf("write kubeconfig for %s: %w", k.user, err)
	}
	return b, nil
}

// certAuth returns an auth info with the PKI store's client certificate
// and key called name embedded.
func certAuth(st *pki.Store, name string) (*api.AuthInfo, error) {
	certPEM, keyPEM, err := st.KeyPair(name)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig client certificate: %w", err)
	}
	return &api.AuthInfo{ClientCertificateData: certPEM, ClientKeyData: keyPEM}, nil
}

// Admin returns the admin kubeconfig for the user's workstation: cluster,
// user ("<cluster>-admin") and context named after the cluster so that it
// merges into an existing kubeconfig without clashing, pointing at the
// API server endpoint.
func Admin(c *spec.Cluster, st *pki.Store) ([]byte, error) {
	auth, err := certAuth(st, pki.Admin)
	if err != nil {
		return nil, err
	}
	name := c.Metadata.Name
	return kubeconfig{cluster: name, server: c.Spec.APIServerURL(), caPEM: st.CACert(),
		user: name + "-admin", auth: auth, context: name}.write()
}
