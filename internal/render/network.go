package render

import (
	"maps"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/staticpod"
)

// daemonSetSpec is what one node DaemonSet adds to the common form.
type daemonSetSpec struct {
	name   string            // the DaemonSet's name
	labels map[string]string // the selector's labels
	args   []string          // the program's flags
	env    []corev1.EnvVar
	// paths are host paths the program reads that no flag names.
	paths []string
}

// daemonSetSpecs builds, for each catalog component a DaemonSet runs, its
// DaemonSet's part.
func daemonSetSpecs() map[string]func() daemonSetSpec {
	return map[string]func() daemonSetSpec{"kube-proxy": kubeProxyDaemonSet, "flanneld": flannelDaemonSet}
}

// DaemonSetNames maps each component a DaemonSet runs in static-pods mode
// to the DaemonSet's name (in kube-system).
func DaemonSetNames() map[string]string {
	out := map[string]string{}
	for name, d := range daemonSetSpecs() {
		out[name] = d().name
	}
	return out
}

// hostIPTables are the host paths a pod needs to run the host's iptables:
// the component images carry none, so that its version and backend (nft
// or legacy) always match the host's and kube-proxy's rules agree with the
// kubelet's. On a merged-/usr host (preflight asks for one) /usr holds
// /lib/modules too, for iptables' modprobe.
func hostIPTables() []string { return []string{hostUsr, hostAltDir, xtablesLock} }

// kubeProxyDaemonSet runs kube-proxy with the host's configuration file,
// which names the host's kubeconfig (its certificates embedded) and the
// node's name.
func kubeProxyDaemonSet() daemonSetSpec {
	return daemonSetSpec{
		name:   "kube-proxy",
		labels: map[string]string{"k8s-app": "kube-proxy"},
		args:   mergeFlags(kubeProxyFlags(), nil),
		paths:  append([]string{layout.KubeProxyConf}, hostIPTables()...),
	}
}

// flannelDaemonSet runs flanneld with the unit's flags, the interface
// being the one of the node's address (the host's spec address, as the
// kubelet's node-ip makes it), and the variables upstream's DaemonSet
// sets.
func flannelDaemonSet() daemonSetSpec {
	return daemonSetSpec{
		name:   "kube-flannel",
		labels: map[string]string{"app": "flannel", "k8s-app": "flannel"},
		args:   mergeFlags(flanneldFlags("$(HOST_IP)"), nil),
		env: []corev1.EnvVar{fieldEnv("HOST_IP", "status.hostIP"), fieldEnv("NODE_NAME", "spec.nodeName"),
			fieldEnv("POD_NAME", "metadata.name"), fieldEnv("POD_NAMESPACE", "metadata.namespace")},
		paths: hostIPTables(),
	}
}

// fieldEnv is variable name set from the pod's field.
func fieldEnv(name, field string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: field}}}
}

// networkObjects is the network addon: a DaemonSet for each component
// the catalog runs as one (kube-proxy and flanneld in static-pods mode).
func networkObjects(in *input) ([]any, error) {
	var out []any
	for _, k := range catalog.RunningAs(in.c, catalog.All(), catalog.DaemonSet) {
		out = append(out, nodeDaemonSet(in, k.Name, daemonSetSpecs()[k.Name]()))
	}
	return out, nil
}

// nodeDaemonSet runs component name on every node, tainted or not, on the
// host's network, privileged and critical, from the image kubeup imported,
// with every host path it reads mounted; its pods carry the component
// label and its container the component's name. It authenticates with a host kubeconfig, so no service account
// token is mounted.
func nodeDaemonSet(in *input, name string, d daemonSetSpec) *appsv1.DaemonSet {
	hps := hostPathsFor(append(flagPaths(d.args), d.paths...))
	labels := maps.Clone(d.labels)
	labels[staticpod.ComponentLabel] = name
	maxUnavailable := intstr.FromInt32(1)
	return &appsv1.DaemonSet{
		TypeMeta:   typeMeta(appsv1.SchemeGroupVersion.String(), "DaemonSet"),
		ObjectMeta: metav1.ObjectMeta{Name: d.name, Namespace: metav1.NamespaceSystem, Labels: labels},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: d.labels},
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: &maxUnavailable}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					HostNetwork:                  true,
					PriorityClassName:            systemNodeCritical,
					Tolerations:                  []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
					AutomountServiceAccountToken: ptr(false),
					Containers: []corev1.Container{{
						Name:            name,
						Image:           in.v.ComponentImage(name),
						ImagePullPolicy: corev1.PullNever,
						Command:         append([]string{imagePrograms()[name]}, d.args...),
						Env:             d.env,
						SecurityContext: &corev1.SecurityContext{Privileged: ptr(true)},
						VolumeMounts:    volumeMounts(hps),
					}},
					Volumes: podVolumes(hps),
				},
			},
		},
	}
}
