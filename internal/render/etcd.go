package render

import (
	"strings"

	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
)

// etcd ports.
const (
	etcdClientPort  = "2379"
	etcdPeerPort    = "2380"
	etcdMetricsAddr = "http://127.0.0.1:2381"
)

// etcdFiles renders the etcd unit of an etcd host: TLS with client
// certificates for clients and peers, and an initial cluster of every etcd
// host in the spec.
func etcdFiles(in *input) ([]hostfile.File, error) {
	u, err := unitFile("etcd", unitData{Exec: layout.Binary("etcd"), Args: flags(etcdFlags(in), nil)})
	if err != nil {
		return nil, err
	}
	return []hostfile.File{u}, nil
}

func etcdFlags(in *input) map[string]string {
	addr := in.h.Address
	return map[string]string{
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
		"cert-file":                   layout.EtcdServerCert,
		"key-file":                    layout.EtcdServerKey,
		"trusted-ca-file":             layout.EtcdCACert,
		"client-cert-auth":            "true",
		"peer-cert-file":              layout.EtcdPeerCert,
		"peer-key-file":               layout.EtcdPeerKey,
		"peer-trusted-ca-file":        layout.EtcdCACert,
		"peer-client-cert-auth":       "true",
		"snapshot-count":              "10000",
	}
}

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
