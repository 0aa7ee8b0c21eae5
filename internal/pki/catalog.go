package pki

import (
	"crypto/x509"

	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/spec"
)

// kind is what a catalog entry produces.
type kind int

const (
	kindLeaf    kind = iota // a certificate signed by a CA
	kindCA                  // a self-signed certificate authority
	kindKeyPair             // a bare key pair (the service account key)
)

// to selects the hosts that receive a file.
type to uint8

const (
	toNone         to = 0
	toAll          to = 1 << iota
	toControlPlane    // hosts with the control-plane role
	toEtcd            // hosts with the etcd role
	toOwner           // only the host a per-host certificate belongs to
)

// includes reports whether host h receives a file owned by owner.
func (t to) includes(h spec.Host, owner string) bool {
	return t&toAll != 0 ||
		t&toControlPlane != 0 && h.HasRole(spec.RoleControlPlane) ||
		t&toEtcd != 0 && h.HasRole(spec.RoleEtcd) ||
		t&toOwner != 0 && h.Name == owner
}

// sanFunc returns the subject alternative names (host names or addresses)
// of a certificate; h is the owner of a per-host certificate.
type sanFunc func(c *spec.Cluster, h spec.Host) ([]string, error)

// def declares one certificate, CA or key pair.
type def struct {
	name        string // local name; per-host entries become dir/<host>/base
	kind        kind
	ca          string // the signing CA's name (leaves)
	cn          string // common name; empty on a per-host entry means the host name
	org         []string
	usage       x509.KeyUsage // KeyEncipherment is added for RSA keys
	extUsage    []x509.ExtKeyUsage
	sans        sanFunc
	perEtcdHost bool   // one certificate per etcd host
	etcd        bool   // skipped when etcd is external
	certTo      to     // who receives the certificate (public key for a key pair)
	keyTo       to     // who receives the private key
	hostCert    string // path on hosts; empty: not placed on hosts
	hostKey     string
	certReaders []string // components that read hostCert (restarted when it changes)
	keyReaders  []string // components that read hostKey
}

// catalog is the certificate set: CAs come before the leaves they sign.
func catalog() []def {
	const (
		caUse   = x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature
		leafUse = x509.KeyUsageDigitalSignature
		cp      = toControlPlane
	)
	server := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	client := []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	both := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	masters := []string{"system:masters"}
	apiserver, etcdMember := []string{"kube-apiserver"}, []string{"etcd"}
	return []def{
		{name: CA, kind: kindCA, cn: "kubernetes", usage: caUse,
			certTo: toAll, keyTo: cp, hostCert: layout.CACert, hostKey: layout.CAKey,
			certReaders: []string{"kube-apiserver", "kube-controller-manager", "kubelet"}, keyReaders: []string{"kube-controller-manager"}},
		{name: "apiserver", ca: CA, cn: "kube-apiserver", usage: leafUse, extUsage: server,
			sans: apiServerSANs, certTo: cp, keyTo: cp, hostCert: layout.APIServerCert, hostKey: layout.APIServerKey, certReaders: apiserver, keyReaders: apiserver},
		{name: "apiserver-kubelet-client", ca: CA, cn: "kube-apiserver-kubelet-client", org: masters,
			usage: leafUse, extUsage: client, certTo: cp, keyTo: cp,
			hostCert: layout.APIServerKubeletClientCert, hostKey: layout.APIServerKubeletClientKey,
			certReaders: apiserver, keyReaders: apiserver},
		{name: FrontProxyCA, kind: kindCA, cn: "front-proxy-ca", usage: caUse,
			certTo: cp, keyTo: cp, hostCert: layout.FrontProxyCACert, hostKey: layout.FrontProxyCAKey,
			certReaders: []string{"kube-apiserver", "kube-controller-manager"}},
		{name: "front-proxy-client", ca: FrontProxyCA, cn: "front-proxy-client", usage: leafUse,
			extUsage: client, certTo: cp, keyTo: cp,
			hostCert: layout.FrontProxyClientCert, hostKey: layout.FrontProxyClientKey,
			certReaders: apiserver, keyReaders: apiserver},
		{name: "sa", kind: kindKeyPair, certTo: cp, keyTo: cp,
			hostCert: layout.ServiceAccountPub, hostKey: layout.ServiceAccountKey,
			certReaders: apiserver, keyReaders: []string{"kube-apiserver", "kube-controller-manager"}},
		{name: EtcdCA, kind: kindCA, etcd: true, cn: "etcd-ca", usage: caUse,
			certTo: cp | toEtcd, keyTo: cp, hostCert: layout.EtcdCACert, hostKey: layout.EtcdCAKey,
			certReaders: []string{"etcd", "kube-apiserver"}},
		{name: "etcd/server", ca: EtcdCA, etcd: true, perEtcdHost: true, usage: leafUse,
			extUsage: both, sans: etcdSANs, certTo: toOwner, keyTo: toOwner,
			hostCert: layout.EtcdServerCert, hostKey: layout.EtcdServerKey,
			certReaders: etcdMember, keyReaders: etcdMember},
		{name: "etcd/peer", ca: EtcdCA, etcd: true, perEtcdHost: true, usage: leafUse,
			extUsage: both, sans: etcdSANs, certTo: toOwner, keyTo: toOwner,
			hostCert: layout.EtcdPeerCert, hostKey: layout.EtcdPeerKey,
			certReaders: etcdMember, keyReaders: etcdMember},
		{name: "etcd/healthcheck-client", ca: EtcdCA, etcd: true, cn: "kube-etcd-healthcheck-client",
			usage: leafUse, extUsage: client, certTo: toEtcd, keyTo: toEtcd,
			hostCert: layout.EtcdHealthcheckClientCert, hostKey: layout.EtcdHealthcheckClientKey},
		{name: "apiserver-etcd-client", ca: EtcdCA, etcd: true, cn: "kube-apiserver-etcd-client",
			usage: leafUse, extUsage: client, certTo: cp, keyTo: cp,
			hostCert: layout.APIServerEtcdClientCert, hostKey: layout.APIServerEtcdClientKey,
			certReaders: apiserver, keyReaders: apiserver},
		// Client certificates embedded in kubeconfig files, not placed on
		// hosts as files of their own.
		{name: Admin, ca: CA, cn: "kubernetes-admin", org: masters, usage: leafUse, extUsage: client},
		{name: ControllerManager, ca: CA, cn: "system:kube-controller-manager", usage: leafUse, extUsage: client},
		{name: Scheduler, ca: CA, cn: "system:kube-scheduler", usage: leafUse, extUsage: client},
		{name: KubeProxy, ca: CA, cn: "system:kube-proxy", usage: leafUse, extUsage: client},
		{name: Flanneld, ca: CA, cn: "system:kube-flannel", usage: leafUse, extUsage: client},
	}
}
