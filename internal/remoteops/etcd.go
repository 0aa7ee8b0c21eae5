package remoteops

import (
	"fmt"

	"kubeup.dev/kubeup/internal/layout"
)

// EtcdHealthCmd asks the local member for its health with the
// healthcheck client certificate.
func EtcdHealthCmd() string {
	return fmt.Sprintf("%s --endpoints=https://127.0.0.1:2379 --cacert=%s --cert=%s --key=%s --command-timeout=5s endpoint health",
		layout.Binary("etcdctl"), layout.EtcdCACert, layout.EtcdHealthcheckClientCert, layout.EtcdHealthcheckClientKey)
}
