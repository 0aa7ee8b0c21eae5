package render

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"kubeup.dev/kubeup/internal/noderole"
)

// CoreDNS object names (kubeadm's, so that tools expecting them work).
const (
	coreDNSName      = "coredns"
	coreDNSService   = "kube-dns"
	coreDNSNamespace = "kube-system"
	coreDNSReplicas  = 2
)

func coreDNSLabels() map[string]string { return map[string]string{"k8s-app": coreDNSService} }

// coreDNSObjects is the cluster DNS addon: a ServiceAccount with read access
// to Services and EndpointSlices, the Corefile, a two-replica Deployment
// spread over nodes, and the kube-dns Service at the tenth service IP.
func coreDNSObjects(in *input) ([]any, error) {
	cm, err := coreDNSConfigMap(in)
	if err != nil {
		return nil, err
	}
	return []any{
		&corev1.ServiceAccount{
			TypeMeta:   typeMeta("v1", "ServiceAccount"),
			ObjectMeta: metav1.ObjectMeta{Name: coreDNSName, Namespace: coreDNSNamespace},
		},
		coreDNSClusterRole(),
		coreDNSClusterRoleBinding(),
		cm,
		coreDNSDeployment(in),
		coreDNSServiceObject(in),
	}, nil
}

func coreDNSClusterRole() *rbacv1.ClusterRole {
	return &rbacv1.ClusterRole{
		TypeMeta:   typeMeta(rbacv1.SchemeGroupVersion.String(), "ClusterRole"),
		ObjectMeta: metav1.ObjectMeta{Name: "system:coredns"},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"endpoints", "services", "pods", "namespaces"},
				Verbs: []string{"list", "watch"}},
			{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get"}},
			{APIGroups: []string{"discovery.k8s.io"}, Resources: []string{"endpointslices"},
				Verbs: []string{"list", "watch"}},
		},
	}
}

func coreDNSClusterRoleBinding() *rbacv1.ClusterRoleBinding {
	b := clusterRoleBinding("system:coredns", "system:coredns")
	b.Subjects = []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: coreDNSName, Namespace: coreDNSNamespace}}
	return b
}

func coreDNSConfigMap(in *input) (*corev1.ConfigMap, error) {
	corefile, err := execute("Corefile.tmpl", struct{ Domain string }{in.s.Network.DNSDomain})
	if err != nil {
		return nil, err
	}
	return &corev1.ConfigMap{
		TypeMeta:   typeMeta("v1", "ConfigMap"),
		ObjectMeta: metav1.ObjectMeta{Name: coreDNSName, Namespace: coreDNSNamespace},
		Data:       map[string]string{"Corefile": string(corefile)},
	}, nil
}

func coreDNSServiceObject(in *input) *corev1.Service {
	port := func(name string, proto corev1.Protocol, p int32) corev1.ServicePort {
		return corev1.ServicePort{Name: name, Protocol: proto, Port: p, TargetPort: intstr.FromInt32(p)}
	}
	return &corev1.Service{
		TypeMeta: typeMeta("v1", "Service"),
		ObjectMeta: metav1.ObjectMeta{
			Name: coreDNSService, Namespace: coreDNSNamespace,
			Labels: map[string]string{"k8s-app": coreDNSService, "kubernetes.io/cluster-service": "true",
				"kubernetes.io/name": "CoreDNS"},
			Annotations: map[string]string{"prometheus.io/port": "9153", "prometheus.io/scrape": "true"},
		},
		Spec: corev1.ServiceSpec{
			ClusterIP: in.dnsIP.String(),
			Selector:  coreDNSLabels(),
			Ports: []corev1.ServicePort{port("dns", corev1.ProtocolUDP, 53),
				port("dns-tcp", corev1.ProtocolTCP, 53), port("metrics", corev1.ProtocolTCP, 9153)},
		},
	}
}

func coreDNSDeployment(in *input) *appsv1.Deployment {
	maxUnavailable := intstr.FromInt32(1)
	return &appsv1.Deployment{
		TypeMeta:   typeMeta(appsv1.SchemeGroupVersion.String(), "Deployment"),
		ObjectMeta: metav1.ObjectMeta{Name: coreDNSName, Namespace: coreDNSNamespace, Labels: coreDNSLabels()},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr[int32](coreDNSReplicas),
			Selector: &metav1.LabelSelector{MatchLabels: coreDNSLabels()},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: &maxUnavailable}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: coreDNSLabels()},
				Spec:       coreDNSPodSpec(in),
			},
		},
	}
}

// coreDNSPodSpec follows kubeadm's: critical priority, tolerates control
// planes, prefers one replica per node, no privileges beyond binding :53,
// and DNS policy Default so that it forwards to the node's upstream servers.
func coreDNSPodSpec(in *input) corev1.PodSpec {
	return corev1.PodSpec{
		ServiceAccountName: coreDNSName,
		PriorityClassName:  "system-cluster-critical",
		DNSPolicy:          corev1.DNSDefault,
		NodeSelector:       map[string]string{"kubernetes.io/os": "linux"},
		Tolerations: []corev1.Toleration{
			{Key: "CriticalAddonsOnly", Operator: corev1.TolerationOpExists},
			{Key: noderole.ControlPlane, Effect: corev1.TaintEffectNoSchedule},
		},
		Affinity: &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
			PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{
				Weight: 100,
				PodAffinityTerm: corev1.PodAffinityTerm{
					LabelSelector: &metav1.LabelSelector{MatchLabels: coreDNSLabels()},
					TopologyKey:   "kubernetes.io/hostname",
				},
			}},
		}},
		Containers: []corev1.Container{coreDNSContainer(in)},
		Volumes: []corev1.Volume{{Name: "config-volume", VolumeSource: corev1.VolumeSource{
			ConfigMap: &corev1.ConfigMapVolumeSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: coreDNSName},
				Items:                []corev1.KeyToPath{{Key: "Corefile", Path: "Corefile"}},
			}}}},
	}
}

func coreDNSContainer(in *input) corev1.Container {
	probe := func(path string, port int32) *corev1.Probe {
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
			Path: path, Port: intstr.FromInt32(port), Scheme: corev1.URISchemeHTTP}}}
	}
	live := probe("/health", 8080)
	live.InitialDelaySeconds, live.TimeoutSeconds, live.FailureThreshold = 60, 5, 5
	return corev1.Container{
		Name:            coreDNSName,
		Image:           in.v.CoreDNSImage(),
		ImagePullPolicy: corev1.PullIfNotPresent,
		Args:            []string{"-conf", "/etc/coredns/Corefile"},
		Resources: corev1.ResourceRequirements{
			Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("170Mi")},
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"),
				corev1.ResourceMemory: resource.MustParse("70Mi")},
		},
		VolumeMounts: []corev1.VolumeMount{{Name: "config-volume", MountPath: "/etc/coredns", ReadOnly: true}},
		Ports: []corev1.ContainerPort{
			{Name: "dns", ContainerPort: 53, Protocol: corev1.ProtocolUDP},
			{Name: "dns-tcp", ContainerPort: 53, Protocol: corev1.ProtocolTCP},
			{Name: "metrics", ContainerPort: 9153, Protocol: corev1.ProtocolTCP},
		},
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr(false),
			Capabilities: &corev1.Capabilities{Add: []corev1.Capability{"NET_BIND_SERVICE"},
				Drop: []corev1.Capability{"ALL"}},
			ReadOnlyRootFilesystem: ptr(true),
		},
		LivenessProbe:  live,
		ReadinessProbe: probe("/ready", 8181),
	}
}
