// Package bootstrap holds what TLS bootstrapping and joining need: the
// short-lived bootstrap token each joining node gets for itself (see
// token.go), and, as addon manifests for the control-plane hosts, the
// cluster-info ConfigMap in kube-public with the RBAC that lets joining
// nodes read it, and the spec (no secrets) in a kube-system ConfigMap.
package bootstrap

import (
	"bytes"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/yaml"

	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/spec"
)

// Addon file names (without .yaml) under layout.AddonsDir.
const (
	ClusterInfoAddon = "kubeup-cluster-info"
	ConfigAddon      = "kubeup-config"
)

// Files returns the bootstrap addon manifests for host h: control-plane
// hosts get them, others nothing. caPEM is the cluster CA certificate.
func Files(c *spec.Cluster, h spec.Host, caPEM []byte) ([]hostfile.File, error) {
	if !h.HasRole(spec.RoleControlPlane) {
		return nil, nil
	}
	info, err := clusterInfoObjects(c, caPEM)
	if err != nil {
		return nil, fmt.Errorf("render cluster-info: %w", err)
	}
	cfg, err := specConfigMap(c)
	if err != nil {
		return nil, fmt.Errorf("render kubeup-config: %w", err)
	}
	return []hostfile.File{
		{Path: layout.Addon(ClusterInfoAddon), Mode: 0o644, Content: info},
		{Path: layout.Addon(ConfigAddon), Mode: 0o644, Content: cfg},
	}, nil
}

// ClusterInfoKubeconfig is the public kubeconfig (server and CA, no
// credentials) published in kube-public/cluster-info; the bootstrap signer
// adds a JWS signature for the token.
func ClusterInfoKubeconfig(c *spec.Cluster, caPEM []byte) ([]byte, error) {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[""] = &clientcmdapi.Cluster{Server: c.Spec.APIServerURL(), CertificateAuthorityData: caPEM}
	return clientcmd.Write(*cfg)
}

func clusterInfoObjects(c *spec.Cluster, caPEM []byte) ([]byte, error) {
	kc, err := ClusterInfoKubeconfig(c, caPEM)
	if err != nil {
		return nil, err
	}
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: "cluster-info", Namespace: metav1.NamespacePublic},
		Data:       map[string]string{"kubeconfig": string(kc)},
	}
	role := &rbacv1.Role{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "Role"},
		ObjectMeta: metav1.ObjectMeta{Name: "kubeup:bootstrap-signer-clusterinfo", Namespace: metav1.NamespacePublic},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps"},
			ResourceNames: []string{"cluster-info"}, Verbs: []string{"get"}}},
	}
	binding := &rbacv1.RoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"},
		ObjectMeta: metav1.ObjectMeta{Name: role.Name, Namespace: metav1.NamespacePublic},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: role.Name},
		Subjects: []rbacv1.Subject{
			{Kind: rbacv1.GroupKind, APIGroup: "rbac.authorization.k8s.io", Name: "system:bootstrappers"},
			{Kind: rbacv1.UserKind, APIGroup: "rbac.authorization.k8s.io", Name: "system:anonymous"},
		},
	}
	return manifests(cm, role, binding)
}

// specConfigMap records the spec (which holds no secrets: key paths only)
// in kube-system/kubeup-config so that the cluster says how it was made.
func specConfigMap(c *spec.Cluster) ([]byte, error) {
	b, err := spec.Marshal(spec.Redacted(c))
	if err != nil {
		return nil, err
	}
	return manifests(&corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: "kubeup-config", Namespace: metav1.NamespaceSystem},
		Data:       map[string]string{"cluster.yaml": string(b)},
	})
}

// manifests joins objects into one multi-document YAML file.
func manifests(objs ...any) ([]byte, error) {
	var buf bytes.Buffer
	for i, o := range objs {
		b, err := yaml.Marshal(o)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			buf.WriteString("---\n")
		}
		buf.Write(b)
	}
	return buf.Bytes(), nil
}
