package render

import (
	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
)

// Addon names: apply reads layout.Addon(name) on a control-plane host and
// creates its objects. The RBAC addons must exist before kubelets and
// flanneld start; CoreDNS after the pod network.
const (
	AddonBootstrapRBAC  = "bootstrap-rbac"
	AddonKubeletAPIRBAC = "kubelet-api-rbac"
	AddonFlannelRBAC    = "flannel-rbac"
	AddonCoreDNS        = "coredns"
)

// addon is one manifest file and the objects in it.
type addon struct {
	name    string
	objects func(in *input) ([]any, error)
}

func addons() []addon {
	return []addon{
		{AddonBootstrapRBAC, bootstrapRBAC},
		{AddonKubeletAPIRBAC, kubeletAPIRBAC},
		{AddonFlannelRBAC, flannelRBAC},
		{AddonCoreDNS, coreDNSObjects},
	}
}

// Addons returns the addon names in the order apply creates them.
func Addons() []string {
	var names []string
	for _, a := range addons() {
		names = append(names, a.name)
	}
	return names
}

// addonFiles renders every addon manifest (control-plane hosts only).
func addonFiles(in *input) ([]hostfile.File, error) {
	var files []hostfile.File
	for _, a := range addons() {
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
