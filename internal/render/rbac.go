package render

import (
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Names the RBAC addons refer to.
const (
	bootstrappersGroup = "system:bootstrappers"
	nodesGroup         = "system:nodes"
	// apiServerKubeletClientUser is the common name of
	// apiserver-kubelet-client.crt (kubeadm's), the API server's identity
	// towards kubelets.
	apiServerKubeletClientUser = "kube-apiserver-kubelet-client"
)

// bootstrapRBAC lets bootstrap-token holders request node client
// certificates, and has the controller manager approve renewals by nodes
// of their own client certificates. A bootstrap token's request is not
// approved automatically: apply approves it only for the node the token
// was made for (package csrapprove). Kubelet serving certificates are
// approved by apply too, after checking the names they ask for.
func bootstrapRBAC(*input) ([]any, error) {
	return []any{
		groupBinding("kubeup:kubelet-bootstrap", "system:node-bootstrapper", bootstrappersGroup),
		groupBinding("kubeup:node-autoapprove-certificate-rotation",
			"system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", nodesGroup),
	}, nil
}

// kubeletAPIRBAC lets the API server reach kubelets' APIs (logs, exec,
// port-forward, metrics) now that kubelets authorize every request with a
// SubjectAccessReview.
func kubeletAPIRBAC(*input) ([]any, error) {
	b := clusterRoleBinding("kubeup:apiserver-kubelet-api-admin", "system:kubelet-api-admin")
	b.Subjects = []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: apiServerKubeletClientUser}}
	return []any{b}, nil
}

// flannelRBAC lets flanneld (user system:kube-flannel) read nodes and write
// its annotations and the NetworkUnavailable condition.
func flannelRBAC(*input) ([]any, error) {
	role := &rbacv1.ClusterRole{
		TypeMeta:   typeMeta(rbacv1.SchemeGroupVersion.String(), "ClusterRole"),
		ObjectMeta: metav1.ObjectMeta{Name: "kubeup:flannel"},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get", "list", "watch", "patch"}},
			{APIGroups: []string{""}, Resources: []string{"nodes/status"}, Verbs: []string{"patch"}},
		},
	}
	b := clusterRoleBinding("kubeup:flannel", role.Name)
	b.Subjects = []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: flannelUser}}
	return []any{role, b}, nil
}

func groupBinding(name, role, group string) *rbacv1.ClusterRoleBinding {
	b := clusterRoleBinding(name, role)
	b.Subjects = []rbacv1.Subject{{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: group}}
	return b
}

func clusterRoleBinding(name, role string) *rbacv1.ClusterRoleBinding {
	return &rbacv1.ClusterRoleBinding{
		TypeMeta:   typeMeta(rbacv1.SchemeGroupVersion.String(), "ClusterRoleBinding"),
		ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
	}
}
