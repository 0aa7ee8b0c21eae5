package render

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
)

// decodeAddon strictly decodes every document of an addon file into its
// typed object, by kind.
func decodeAddon(t *testing.T, f hostfile.File) []any {
	t.Helper()
	var out []any
	for _, doc := range strings.Split(string(f.Content), "\n---\n") {
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
		var obj any
		switch tm.Kind {
		case "ServiceAccount":
			obj = &corev1.ServiceAccount{}
		case "ConfigMap":
			obj = &corev1.ConfigMap{}
		case "Service":
			obj = &corev1.Service{}
		case "Deployment":
			obj = &appsv1.Deployment{}
		case "ClusterRole":
			obj = &rbacv1.ClusterRole{}
		case "ClusterRoleBinding":
			obj = &rbacv1.ClusterRoleBinding{}
		default:
			t.Fatalf("%s: unexpected kind %q", f.Path, tm.Kind)
		}
		decodeStrict(t, []byte(doc), obj)
		out = append(out, obj)
	}
	return out
}

func TestCoreDNSAddon(t *testing.T) {
	c := loadSpec(t, "ha")
	files := renderHosts(t, "ha")["cp1"]
	var dep *appsv1.Deployment
	var svc *corev1.Service
	var cm *corev1.ConfigMap
	for _, o := range decodeAddon(t, fileAt(t, files, layout.Addon(AddonCoreDNS))) {
		switch x := o.(type) {
		case *appsv1.Deployment:
			dep = x
		case *corev1.Service:
			svc = x
		case *corev1.ConfigMap:
			cm = x
		}
	}
	if dep == nil || svc == nil || cm == nil {
		t.Fatal("coredns addon lacks its Deployment, Service or ConfigMap")
	}
	if *dep.Spec.Replicas != 2 || dep.Spec.Template.Spec.Containers[0].Image != "registry.k8s.io/coredns/coredns:v1.13.1" {
		t.Errorf("deployment: replicas %d image %s", *dep.Spec.Replicas, dep.Spec.Template.Spec.Containers[0].Image)
	}
	dns, _ := c.Spec.DNSServiceIP()
	if svc.Name != "kube-dns" || svc.Namespace != "kube-system" || svc.Spec.ClusterIP != dns.String() {
		t.Errorf("service %s/%s at %s, want kube-system/kube-dns at %s", svc.Namespace, svc.Name, svc.Spec.ClusterIP, dns)
	}
	if !strings.Contains(cm.Data["Corefile"], "kubernetes prod.example in-addr.arpa ip6.arpa {") {
		t.Errorf("Corefile does not serve the cluster domain:\n%s", cm.Data["Corefile"])
	}
}

// TestRBACAddons checks who each binding grants what.
func TestRBACAddons(t *testing.T) {
	files := renderHosts(t, "basic")["node1"]
	grants := map[string]string{}
	for _, name := range []string{AddonBootstrapRBAC, AddonKubeletAPIRBAC, AddonFlannelRBAC} {
		for _, o := range decodeAddon(t, fileAt(t, files, layout.Addon(name))) {
			if b, ok := o.(*rbacv1.ClusterRoleBinding); ok {
				for _, s := range b.Subjects {
					grants[s.Kind+":"+s.Name+"->"+b.RoleRef.Name] = b.Name
				}
			}
		}
	}
	for _, want := range []string{
		"Group:system:bootstrappers->system:node-bootstrapper",
		"Group:system:nodes->system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
		"User:system:kube-flannel->kubeup:flannel",
		"User:kube-apiserver-kubelet-client->system:kubelet-api-admin",
	} {
		if grants[want] == "" {
			t.Errorf("no binding %s in %v", want, grants)
		}
	}
	// A bootstrap token's request is approved by apply, for its own node
	// only: no binding lets the controller manager approve it for any name.
	for g := range grants {
		if strings.Contains(g, "certificatesigningrequests:nodeclient") {
			t.Errorf("binding %s approves any bootstrap token holder's node client certificate", g)
		}
	}
}

// TestAddonsOrder: the RBAC addons first, the network addon (static-pods
// mode only) before CoreDNS; each host's addon files are those.
func TestAddonsOrder(t *testing.T) {
	for v, want := range map[string]string{
		"basic":      "bootstrap-rbac,kubelet-api-rbac,flannel-rbac,coredns",
		"staticpods": "bootstrap-rbac,kubelet-api-rbac,flannel-rbac,network,coredns",
	} {
		c := loadSpec(t, v)
		if got := strings.Join(Addons(c), ","); got != want {
			t.Errorf("%s: Addons() = %s, want %s", v, got, want)
		}
		for _, name := range Addons(c) {
			fileAt(t, renderHosts(t, v)[c.Spec.Hosts[0].Name], layout.Addon(name))
		}
	}
}
