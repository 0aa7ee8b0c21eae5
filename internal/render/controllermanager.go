package render

import (
	"strconv"

	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
)

// controllerManagerFiles renders the controller manager unit (or static
// pod). It is the only component that reads the cluster CA key (to sign
// kubelet certificates), so it runs on control-plane hosts only.
func controllerManagerFiles(in *input) ([]hostfile.File, error) {
	return runFiles(in, "kube-controller-manager", controllerManagerFlags(in), in.s.ControlPlane.ControllerManagerArgs())
}

func controllerManagerFlags(in *input) map[string]string {
	return map[string]string{
		"allocate-node-cidrs":              "true",
		"authentication-kubeconfig":        layout.ControllerManagerConf,
		"authorization-kubeconfig":         layout.ControllerManagerConf,
		"bind-address":                     "127.0.0.1",
		"client-ca-file":                   layout.CACert,
		"cluster-cidr":                     in.s.Network.PodCIDR,
		"cluster-name":                     in.c.Metadata.Name,
		"cluster-signing-cert-file":        layout.CACert,
		"cluster-signing-key-file":         layout.CAKey,
		"controllers":                      "*,bootstrapsigner,tokencleaner",
		"kubeconfig":                       layout.ControllerManagerConf,
		"leader-elect":                     "true",
		"node-cidr-mask-size":              strconv.Itoa(in.s.Network.NodeCIDRMaskSize),
		"profiling":                        "false",
		"requestheader-client-ca-file":     layout.FrontProxyCACert,
		"root-ca-file":                     layout.CACert,
		"service-account-private-key-file": layout.ServiceAccountKey,
		"service-cluster-ip-range":         in.s.Network.ServiceCIDR,
		// CIS 1.3.1 asks for an explicit bound on terminated pods kept:
		// the default, stated.
		"terminated-pod-gc-threshold":     "12500",
		"use-service-account-credentials": "true",
	}
}
