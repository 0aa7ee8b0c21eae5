package render

import (
	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/spec"
)

// Addon names: apply reads layout.Addon(name) on a control-plane host and
// creates its objects. The RBAC addons must exist before kubelets and
// flanneld start; CoreDNS after the pod network.
const (
	AddonBootstrapRBAC  = "bootstrap-rbac"
	AddonKubeletAPIRBAC = "kubelet-api-rbac"
	AddonFlannelRBAC    = "flannel-rbac"
	// AddonNetwork holds the DaemonSets of kube-proxy ("kube-proxy") and
	// flanneld ("kube-flannel") in kube-system, their pods labelled
	// component=NAME and their containers named NAME (the catalog's
	// names); only in static-pods mode, where no unit runs them.
	AddonNetwork = "network"
	AddonCoreDNS = "coredns"
)

// addon is one manifest file and the objects in it.
type addon struct {
	name    string
	objects func(in *input) ([]any, error)
}

// addons are cluster c's addons in the order apply creates them: the
// network addon when the catalog runs components as DaemonSets.
func addons(c *spec.Cluster) []addon {
	out := []addon{
		{AddonBootstrapRBAC, bootstrapRBAC},
		{AddonKubeletAPIRBAC, kubeletAPIRBAC},
		{AddonFlannelRBAC, flannelRBAC},
	}
	if len(catalog.RunningAs(c, catalog.All(), catalog.DaemonSet)) > 0 {
		out = append(out, addon{AddonNetwork, networkObjects})
	}
	return append(out, addon{AddonCoreDNS, coreDNSObjects})
}

// Addons returns the names of cluster c's addons in the order apply
// creates them.
func Addons(c *spec.Cluster) []string {
	var names []string
	for _, a := range addons(c) {
		names = append(names, a.name)
	}
	return names
}

// addonFiles renders every addon manifest (control-plane hosts only).
func addonFiles(in *input) ([]hostfile.File, error) {
	var files []hostfile.File
	for _, a := range addons(in.c) {
		objs, err := a.objects(in)
		if err != nil {
			return nil, err
		}
		b, err := yamlFile(objs...)
		if err != nil {
			return nil, err
		}
		files = append(files, file(layout.Addon(a.name), modePublic, b))
	}
	return files, nil
}
