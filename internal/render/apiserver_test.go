package render

import (
	"strings"
	"testing"

	apiserverv1 "k8s.io/apiserver/pkg/apis/apiserver/v1"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"

	"kubeup.dev/kubeup/internal/layout"
)

func TestEncryptionConfig(t *testing.T) {
	f := fileAt(t, renderHosts(t, "basic")["node1"], layout.EncryptionConfig)
	if f.Mode != 0o600 {
		t.Errorf("mode %o, want 0600", f.Mode)
	}
	var e apiserverv1.EncryptionConfiguration
	decodeStrict(t, f.Content, &e)
	if len(e.Resources) != 1 || len(e.Resources[0].Providers) != 2 {
		t.Fatalf("want one resource with secretbox then identity: %+v", e)
	}
	r := e.Resources[0]
	sb := r.Providers[0].Secretbox
	if r.Resources[0] != "secrets" || sb == nil || len(sb.Keys) != 1 ||
		sb.Keys[0].Secret != testSecrets().EncryptionKey || r.Providers[1].Identity == nil {
		t.Errorf("encryption config: %+v", r)
	}
}

// TestAuditPolicy checks that no rule logs request or response bodies and
// that Secrets are matched at Metadata before the catch-all.
func TestAuditPolicy(t *testing.T) {
	var p auditv1.Policy
	decodeStrict(t, fileAt(t, renderHosts(t, "basic")["node1"], layout.AuditPolicy).Content, &p)
	secrets := -1
	for i, r := range p.Rules {
		if r.Level != auditv1.LevelNone && r.Level != auditv1.LevelMetadata {
			t.Errorf("rule %d logs bodies (level %s)", i, r.Level)
		}
		for _, g := range r.Resources {
			if g.Group == "" && strings.Contains(strings.Join(g.Resources, ","), "secrets") && secrets < 0 {
				secrets = i
			}
		}
	}
	if secrets < 0 || p.Rules[secrets].Level != auditv1.LevelMetadata {
		t.Errorf("Secrets must first match a Metadata rule, got rule %d", secrets)
	}
	if last := p.Rules[len(p.Rules)-1]; last.Level != auditv1.LevelMetadata || len(last.Resources) > 0 {
		t.Errorf("the last rule must be a Metadata catch-all: %+v", last)
	}
}

// TestAuthenticationConfig checks that anonymous requests reach only the
// health paths, in the API version the cluster's API server reads.
func TestAuthenticationConfig(t *testing.T) {
	paths := func(cs []string) string { return strings.Join(cs, ",") }
	want := "/healthz,/livez,/readyz"
	b := fileAt(t, renderHosts(t, "basic")["node1"], layout.AuthenticationConfig).Content
	var v1 apiserverv1.AuthenticationConfiguration
	decodeStrict(t, b, &v1)
	var got []string
	for _, c := range v1.Anonymous.Conditions {
		got = append(got, c.Path)
	}
	if v1.APIVersion != "apiserver.config.k8s.io/v1" || !v1.Anonymous.Enabled || paths(got) != want || len(v1.JWT) > 0 {
		t.Errorf("authentication config: %+v", v1)
	}
}

func TestAPIServerSecureDefaults(t *testing.T) {
	api := string(fileAt(t, renderHosts(t, "basic")["node1"], layout.Unit("kube-apiserver")).Content)
	for _, want := range []string{
		"--authorization-mode=Node,RBAC", "--enable-admission-plugins=NodeRestriction,DenyServiceExternalIPs",
		"--secure-port=6443", "--profiling=false", "--encryption-provider-config=" + layout.EncryptionConfig,
		"--audit-policy-file=" + layout.AuditPolicy, "--audit-log-path=" + layout.AuditLog,
		"--authentication-config=" + layout.AuthenticationConfig, "--enable-bootstrap-token-auth=true",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--kubelet-client-certificate=" + layout.APIServerKubeletClientCert,
		"--requestheader-client-ca-file=" + layout.FrontProxyCACert,
	} {
		if !strings.Contains(api, "  "+want+" \\\n") && !strings.Contains(api, "  "+want+"\n") {
			t.Errorf("apiserver lacks %s", want)
		}
	}
	for _, bad := range []string{"--insecure-port", "--anonymous-auth", "--token-auth-file"} {
		if strings.Contains(api, bad) {
			t.Errorf("apiserver has %s", bad)
		}
	}
}

// TestAnonymousAuthExtraArgDropsAuthenticationConfig: the API server
// refuses --anonymous-auth together with an anonymous section.
func TestAnonymousAuthExtraArgDropsAuthenticationConfig(t *testing.T) {
	c := loadSpec(t, "basic")
	c.Spec.ControlPlane.APIServerExtraArgs = map[string]string{"anonymous-auth": "false"}
	files, err := HostFiles(c, c.Spec.Hosts[0], testSecrets())
	if err != nil {
		t.Fatal(err)
	}
	api := string(fileAt(t, files, layout.Unit("kube-apiserver")).Content)
	if strings.Contains(api, "--authentication-config") || !strings.Contains(api, "--anonymous-auth=false") {
		t.Errorf("want --anonymous-auth=false and no --authentication-config:\n%s", api)
	}
}
