package plan

import (
	"crypto/rand"
	"fmt"
	"io"
	"time"

	"kubeup.dev/kubeup/internal/bootstrap"
	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/kubeconfig"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/pki"
	"kubeup.dev/kubeup/internal/render"
	"kubeup.dev/kubeup/internal/spec"
	"kubeup.dev/kubeup/internal/state"
)

// Cluster is the whole desired file state of a cluster, with the PKI and
// secrets it was made from (apply needs both).
type Cluster struct {
	Hosts   []HostFiles
	PKI     *pki.Store
	Secrets *state.Secrets
	Changes []pki.Change
}

// ForCluster makes sure the state directory holds the secrets and a valid
// PKI for c (creating or re-issuing what is missing or stale), then gathers
// every host's files.
// A nil rnd means crypto/rand.
func ForCluster(stateDir string, c *spec.Cluster, now time.Time, rnd io.Reader) (*Cluster, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	sec, err := state.LoadOrCreateSecrets(stateDir, rnd)
	if err != nil {
		return nil, fmt.Errorf("cluster secrets: %w", err)
	}
	store, changes, err := pki.Ensure(state.PKIDir(stateDir), c, now, rnd)
	if err != nil {
		return nil, fmt.Errorf("certificates: %w", err)
	}
	hosts, err := Build(c,
		func(h spec.Host) ([]hostfile.File, error) { return store.FilesFor(h), nil },
		func(h spec.Host) ([]hostfile.File, error) { return kubeconfig.FilesFor(c, h, store) },
		func(h spec.Host) ([]hostfile.File, error) { return render.HostFiles(c, h, sec) },
		func(h spec.Host) ([]hostfile.File, error) { return bootstrap.Files(c, h, store.CACert()) },
		func(spec.Host) ([]hostfile.File, error) { return []hostfile.File{clusterMark(c)}, nil },
	)
	if err != nil {
		return nil, err
	}
	return &Cluster{Hosts: hosts, PKI: store, Secrets: sec, Changes: changes}, nil
}

// clusterMark records on each host which cluster it belongs to, so that
// preflight refuses a host of another cluster and accepts its own etcd data.
func clusterMark(c *spec.Cluster) hostfile.File {
	return hostfile.File{Path: layout.ClusterMark, Mode: 0o644, Content: []byte(c.Metadata.Name + "\n")}
}
