package render

import (
	"strings"

	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
)

// etcd ports.
const (
	etcdClientPort  = "2379"
	etcdPeerPort    = "2380"
	etcdMetricsAddr = "http://127.0.0.1:2381"
)

// EtcdUser is the system user (and group) etcd runs as: kubeup creates it
// on etcd hosts. It owns etcd's data directory (CIS 1.1.11, 1.1.12).
const EtcdUser = "etcd"

// etcdCredential is a root-only file etcd reads: systemd copies it, at
// each start, to /run/credentials/etcd.service/<name>, readable by the
// etcd user alone (LoadCredential=). The files in /etc/kubernetes/pki stay
// root:root 0600 (CIS 1.1.19 to 1.1.21), and the API server's etcd client
// key is never readable by etcd.
type etcdCredential struct {
	flags []string // the etcd flags that name the file
	name  string   // the credential's name
	path  string   // the file on the host
}

// etcdCredentialsDir is where systemd puts the etcd unit's credentials.
const etcdCredentialsDir = "/run/credentials/etcd.service"

func etcdCredentials() []etcdCredential {
	return []etcdCredential{
		{[]string{"trusted-ca-file", "peer-trusted-ca-file"}, "ca.crt", layout.EtcdCACert},
		{[]string{"cert-file"}, "server.crt", layout.EtcdServerCert},
		{[]string{"key-file"}, "server.key", layout.EtcdServerKey},
		{[]string{"peer-cert-file"}, "peer.crt", layout.EtcdPeerCert},
		{[]string{"peer-key-file"}, "peer.key", layout.EtcdPeerKey},
	}
}

// etcdUnitData adds what only the etcd unit has: its user, its state
// directory and its credentials.
type etcdUnitData struct {
	unitData
	User           string
	StateDirectory string   // below /var/lib
	Credentials    []string // name:path
}

// etcdFiles renders the etcd unit of an etcd host: TLS with client
// certificates for clients and peers, and an initial cluster of every etcd
// host in the spec. etcd runs as the etcd user; systemd makes its data
// directory etcd:etcd 0700 (StateDirectory=) and hands it its certificates
// and keys. As a static pod, etcd runs as root and reads its files in
// place; its data directory's owner and mode are apply's to set (the
// kubelet would create it 0755).
func etcdFiles(in *input) ([]hostfile.File, error) {
	if in.runsAs("etcd") == catalog.StaticPod {
		return runFiles(in, "etcd", etcdFlags(in), nil)
	}
	d := etcdUnitData{
		unitData:       unitData{Exec: layout.Binary("etcd"), Args: flags(etcdFlags(in), nil)},
		User:           EtcdUser,
		StateDirectory: strings.TrimPrefix(layout.EtcdDataDir, "/var/lib/"),
	}
	for _, c := range etcdCredentials() {
		d.Credentials = append(d.Credentials, c.name+":"+c.path)
	}
	b, err := execute("etcd.service.tmpl", d)
	if err != nil {
		return nil, err
	}
	return []hostfile.File{rootOnly(layout.Unit("etcd"), b)}, nil
}

func etcdFlags(in *input) map[string]string {
	addr := in.h.Address
	f := map[string]string{
		"name":                        in.h.Name,
		"data-dir":                    layout.EtcdDataDir,
		"listen-client-urls":          "https://127.0.0.1:" + etcdClientPort + "," + httpsURL(addr, etcdClientPort),
		"advertise-client-urls":       httpsURL(addr, etcdClientPort),
		"listen-peer-urls":            httpsURL(addr, etcdPeerPort),
		"initial-advertise-peer-urls": httpsURL(addr, etcdPeerPort),
		"initial-cluster":             initialCluster(in),
		"initial-cluster-state":       "new",
		"initial-cluster-token":       in.c.Metadata.Name,
		"listen-metrics-urls":         etcdMetricsAddr,
		"client-cert-auth":            "true",
		"peer-client-cert-auth":       "true",
		"snapshot-count":              "10000",
	}
	for _, c := range etcdCredentials() {
		for _, flag := range c.flags {
			f[flag] = c.file(in)
		}
	}
	return f
}

// file is where etcd reads the credential: systemd's copy, or in a static
// pod apply's (layout.EtcdCredentialsDir, see EtcdCredentials).
func (c etcdCredential) file(in *input) string {
	if in.runsAs("etcd") == catalog.StaticPod {
		return layout.EtcdCredentialsDir + "/" + c.name
	}
	return etcdCredentialsDir + "/" + c.name
}

// EtcdCredentials maps the name of each file etcd reads in static-pods
// mode (in layout.EtcdCredentialsDir) to the root-only file it copies:
// apply keeps the copies readable by the etcd user alone, as systemd's
// LoadCredential= does for the unit.
func EtcdCredentials() map[string]string {
	out := map[string]string{}
	for _, c := range etcdCredentials() {
		out[c.name] = c.path
	}
	return out
}

// etcdCredentialSources is the static pod's annotation naming the
// sources of its credentials (as the unit's LoadCredential= lines do).
func etcdCredentialSources() map[string]string {
	var pairs []string
	for _, c := range etcdCredentials() {
		pairs = append(pairs, c.name+"="+c.path)
	}
	return map[string]string{CredentialsAnnotation: strings.Join(pairs, ",")}
}

// CredentialsAnnotation names, on a static pod, the host files its
// credentials are copied from ("name=path,...").
const CredentialsAnnotation = "kubeup.dev/credentials"

// initialCluster is name=https://address:2380 for every etcd host.
func initialCluster(in *input) string {
	var members []string
	for _, h := range in.s.EtcdHosts() {
		members = append(members, h.Name+"="+httpsURL(h.Address, etcdPeerPort))
	}
	return strings.Join(members, ",")
}

// etcdServers is the API server's --etcd-servers list.
func etcdServers(in *input) string {
	if ext := in.s.Etcd.External; ext != nil {
		return strings.Join(ext.Endpoints, ",")
	}
	var urls []string
	for _, h := range in.s.EtcdHosts() {
		urls = append(urls, httpsURL(h.Address, etcdClientPort))
	}
	return strings.Join(urls, ",")
}
