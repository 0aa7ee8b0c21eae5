package render

import (
	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
)

// flannelUser is the user name in flanneld's client certificate, bound to
// the flannel ClusterRole by the flannel RBAC addon.
const flannelUser = "system:kube-flannel"

// flannelNetConf is flannel's net-conf.json.
type flannelNetConf struct {
	Network string         `json:"Network"`
	Backend flannelBackend `json:"Backend"`
}

type flannelBackend struct {
	Type string `json:"Type"`
}

// cniConfList is a CNI network configuration list.
type cniConfList struct {
	Name       string      `json:"name"`
	CNIVersion string      `json:"cniVersion"`
	Plugins    []cniPlugin `json:"plugins"`
}

// cniPlugin holds the fields of the two plugins kubeup chains.
type cniPlugin struct {
	Type         string           `json:"type"`
	Delegate     *flannelDelegate `json:"delegate,omitempty"`
	Capabilities map[string]bool  `json:"capabilities,omitempty"`
}

// flannelDelegate configures the bridge plugin flannel's CNI plugin
// delegates to (with the subnet from /run/flannel/subnet.env).
type flannelDelegate struct {
	HairpinMode      bool `json:"hairpinMode"`
	IsDefaultGateway bool `json:"isDefaultGateway"`
}

// flannelFiles renders flanneld's network configuration, the CNI
// configuration containerd uses for pods and, unless its DaemonSet runs
// it, flanneld's unit.
func flannelFiles(in *input) ([]hostfile.File, error) {
	netConf, err := jsonFile(flannelNetConf{Network: in.s.Network.PodCIDR,
		Backend: flannelBackend{Type: in.s.Network.Flannel.Backend}})
	if err != nil {
		return nil, err
	}
	cni, err := jsonFile(flannelCNIConfig())
	if err != nil {
		return nil, err
	}
	u, err := unitFiles(in, "flanneld", unitData{Exec: layout.Binary("flanneld"),
		Args: flags(flanneldFlags(in.h.Address), nil), Env: []string{systemdArg("NODE_NAME=" + in.h.Name)}})
	if err != nil {
		return nil, err
	}
	// CNI configuration is root-only (CIS 1.1.9).
	return append([]hostfile.File{rootOnly(layout.FlannelNetConf, netConf), rootOnly(layout.FlannelCNIConfig, cni)}, u...), nil
}

// flanneldFlags use the Kubernetes subnet manager (node pod CIDRs from the
// controller manager) and, for inter-host traffic, the interface of
// address iface (--iface accepts an address and finds its interface): the
// host's spec address, which is also its node's (the kubelet's node-ip).
func flanneldFlags(iface string) map[string]string {
	return map[string]string{
		"kube-subnet-mgr": "true",
		"kubeconfig-file": layout.FlannelConf,
		"net-config-path": layout.FlannelNetConf,
		"iface":           iface,
		"ip-masq":         "true",
		"subnet-file":     layout.FlannelRunDir + "/subnet.env",
	}
}

// flannelCNIConfig is kube-flannel's conflist: the flannel plugin
// delegating to a bridge with hairpin mode, then portmap for hostPort.
func flannelCNIConfig() cniConfList {
	return cniConfList{
		Name:       "cbr0",
		CNIVersion: "0.3.1",
		Plugins: []cniPlugin{
			{Type: "flannel", Delegate: &flannelDelegate{HairpinMode: true, IsDefaultGateway: true}},
			{Type: "portmap", Capabilities: map[string]bool{"portMappings": true}},
		},
	}
}
