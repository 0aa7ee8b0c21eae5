package spec

import (
	"slices"
	"strings"
	"testing"
)

// argsCase is one extra arg set in one map of spec.controlPlane.
type argsCase struct {
	name        string
	field       string // such as apiServerExtraArgs
	flag, value string
	cis         string // the CIS item a weakening names; empty when safe
}

// setArgs puts flag=value into the map field of c's controlPlane.
func setArgs(t *testing.T, c *Cluster, field, flag, value string) {
	t.Helper()
	cp := &c.Spec.ControlPlane
	m := map[string]*map[string]string{
		"apiServerExtraArgs": &cp.APIServerExtraArgs, "apiServerUnsafeExtraArgs": &cp.APIServerUnsafeExtraArgs,
		"controllerManagerExtraArgs": &cp.ControllerManagerExtraArgs, "controllerManagerUnsafeExtraArgs": &cp.ControllerManagerUnsafeExtraArgs,
		"schedulerExtraArgs": &cp.SchedulerExtraArgs, "schedulerUnsafeExtraArgs": &cp.SchedulerUnsafeExtraArgs,
	}[field]
	if m == nil {
		t.Fatalf("no field %s", field)
	}
	if *m == nil {
		*m = map[string]string{}
	}
	(*m)[flag] = value
}

// weakeningCases are the extra args the issue names and more: each
// weakening one is refused with its CIS item; the safe values pass.
func weakeningCases() []argsCase {
	const a, cm, s = "apiServerExtraArgs", "controllerManagerExtraArgs", "schedulerExtraArgs"
	return []argsCase{
		{"anonymous auth on", a, "anonymous-auth", "true", "CIS 1.2.1"},
		{"anonymous auth on as 1", a, "anonymous-auth", "1", "CIS 1.2.1"},
		{"anonymous auth off", a, "anonymous-auth", "false", ""},
		{"token auth file", a, "token-auth-file", "/etc/tokens.csv", "CIS 1.2.2"},
		{"kubelet client cert removed", a, "kubelet-client-certificate", "", "CIS 1.2.4"},
		{"kubelet CA removed", a, "kubelet-certificate-authority", "", "CIS 1.2.5"},
		{"kubelet CA other file", a, "kubelet-certificate-authority", "/etc/kubernetes/pki/other-ca.crt", ""},
		{"AlwaysAllow", a, "authorization-mode", "AlwaysAllow", "CIS 1.2.6"},
		{"AlwaysAllow among others", a, "authorization-mode", "Node,RBAC,AlwaysAllow", "CIS 1.2.6"},
		{"no Node authorizer", a, "authorization-mode", "RBAC", "CIS 1.2.7"},
		{"no RBAC", a, "authorization-mode", "Node,Webhook", "CIS 1.2.8"},
		{"authorizers with webhook", a, "authorization-mode", "Node,RBAC,Webhook", ""},
		{"no admission plugins", a, "enable-admission-plugins", "", "CIS 1.2.15"},
		{"admission without NodeRestriction", a, "enable-admission-plugins", "PodSecurity", "CIS 1.2.15"},
		{"AlwaysAdmit", a, "enable-admission-plugins", "NodeRestriction,AlwaysAdmit", "CIS 1.2.10"},
		{"admission plugins added", a, "enable-admission-plugins", "NodeRestriction,DenyServiceExternalIPs, PodNodeSelector", ""},
		{"admission without DenyServiceExternalIPs", a, "enable-admission-plugins", "NodeRestriction,PodNodeSelector", "CIS 1.2.3"},
		{"cipher suites emptied", a, "tls-cipher-suites", "", "CIS 1.2.30"},
		{"a CBC cipher suite", a, "tls-cipher-suites", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "CIS 1.2.30"},
		{"strong cipher suites only", a, "tls-cipher-suites", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", ""},
		{"ServiceAccount disabled", a, "disable-admission-plugins", "ServiceAccount", "CIS 1.2.13"},
		{"NamespaceLifecycle disabled", a, "disable-admission-plugins", "NamespaceLifecycle", "CIS 1.2.14"},
		{"NodeRestriction disabled", a, "disable-admission-plugins", "NodeRestriction", "CIS 1.2.15"},
		{"other plugin disabled", a, "disable-admission-plugins", "DefaultStorageClass", ""},
		{"apiserver profiling", a, "profiling", "true", "CIS 1.2.16"},
		{"apiserver profiling off", a, "profiling", "false", ""},
		{"no audit log", a, "audit-log-path", "", "CIS 1.2.17"},
		{"audit log elsewhere", a, "audit-log-path", "/var/log/audit/k8s.log", ""},
		{"service account lookup off", a, "service-account-lookup", "false", "CIS 1.2.22"},
		{"no service account key", a, "service-account-key-file", "", "CIS 1.2.23"},
		{"no etcd client cert", a, "etcd-certfile", "", "CIS 1.2.24"},
		{"no serving cert", a, "tls-private-key-file", "", "CIS 1.2.25"},
		{"no client CA", a, "client-ca-file", "", "CIS 1.2.26"},
		{"no etcd CA", a, "etcd-cafile", "", "CIS 1.2.27"},
		{"no encryption at rest", a, "encryption-provider-config", "", "CIS 1.2.28"},
		{"TLS 1.0", a, "tls-min-version", "VersionTLS10", "CIS 1.2.30"},
		{"TLS 1.1", a, "tls-min-version", "VersionTLS11", "CIS 1.2.30"},
		{"TLS 1.3", a, "tls-min-version", "VersionTLS13", ""},
		{"insecure port", a, "insecure-port", "8080", "CIS 1.2.19 of v1.6.0"},
		{"insecure port closed", a, "insecure-port", "0", ""},
		{"insecure bind address", a, "insecure-bind-address", "0.0.0.0", "CIS 1.2.18 of v1.6.0"},
		{"controller manager profiling", cm, "profiling", "true", "CIS 1.3.2"},
		{"shared controller credentials", cm, "use-service-account-credentials", "false", "CIS 1.3.3"},
		{"no service account signing key", cm, "service-account-private-key-file", "", "CIS 1.3.4"},
		{"no root CA", cm, "root-ca-file", "", "CIS 1.3.5"},
		{"serving cert rotation off", cm, "feature-gates", "RotateKubeletServerCertificate=false", "CIS 1.3.6"},
		{"controller manager on all addresses", cm, "bind-address", "0.0.0.0", "CIS 1.3.7"},
		{"controller manager on a host address", cm, "bind-address", "192.168.10.11", "CIS 1.3.7"},
		{"controller manager on IPv6 loopback", cm, "bind-address", "::1", ""},
		{"scheduler profiling", s, "profiling", "true", "CIS 1.4.1"},
		{"scheduler on all IPv6 addresses", s, "bind-address", "::", "CIS 1.4.2"},
		{"scheduler on loopback", s, "bind-address", "127.0.0.1", ""},
		{"scheduler verbosity", s, "v", "4", ""},
	}
}

// TestWeakeningExtraArgsRefused: a weakening extra arg is an error at its
// field path naming the flag, the CIS item and the unsafe map; a safe one
// is no problem at all.
func TestWeakeningExtraArgsRefused(t *testing.T) {
	for _, tt := range weakeningCases() {
		t.Run(tt.name, func(t *testing.T) {
			c := exampleCluster(t)
			setArgs(t, c, tt.field, tt.flag, tt.value)
			ps := Validate(c, testOptions())
			path := "spec.controlPlane." + tt.field + "[" + tt.flag + "]"
			if tt.cis == "" {
				if len(ps) > 0 {
					t.Fatalf("want no problem, got:\n%s", render(ps))
				}
				return
			}
			unsafe := "spec.controlPlane." + strings.Replace(tt.field, "ExtraArgs", "UnsafeExtraArgs", 1)
			for _, msg := range []string{"--" + tt.flag + "=" + tt.value + " weakens", "(" + tt.cis + ":", "to accept the risk, move it to " + unsafe} {
				if !hasProblem(ps, path, msg, SeverityError) {
					t.Errorf("want an error at %s containing %q, got:\n%s", path, msg, render(ps))
				}
			}
		})
	}
}

// TestUnsafeExtraArgsWarn: the same args in the unsafe map are no error
// but a warning each, naming the CIS item of a weakening one.
func TestUnsafeExtraArgsWarn(t *testing.T) {
	for _, tt := range weakeningCases() {
		t.Run(tt.name, func(t *testing.T) {
			c := exampleCluster(t)
			field := strings.Replace(tt.field, "ExtraArgs", "UnsafeExtraArgs", 1)
			setArgs(t, c, field, tt.flag, tt.value)
			ps := Validate(c, testOptions())
			if ps.HasErrors() || len(ps) != 1 {
				t.Fatalf("want one warning, got:\n%s", render(ps))
			}
			msg := "weakens no setting kubeup checks"
			if tt.cis != "" {
				msg = "unsafe: --" + tt.flag + "=" + tt.value + " weakens a setting kubeup makes for security (" + tt.cis + ":"
			}
			if path := "spec.controlPlane." + field + "[" + tt.flag + "]"; !hasProblem(ps, path, msg, SeverityWarning) {
				t.Errorf("want a warning at %s containing %q, got:\n%s", path, msg, render(ps))
			}
		})
	}
}

// TestUnsafeExtraArgInBothMaps: a flag in both maps is ambiguous.
func TestUnsafeExtraArgInBothMaps(t *testing.T) {
	c := exampleCluster(t)
	setArgs(t, c, "schedulerExtraArgs", "profiling", "false")
	setArgs(t, c, "schedulerUnsafeExtraArgs", "profiling", "true")
	ps := Validate(c, testOptions())
	if !hasProblem(ps, "spec.controlPlane.schedulerUnsafeExtraArgs[profiling]", "--profiling is also in spec.controlPlane.schedulerExtraArgs: keep it in one map", SeverityError) {
		t.Errorf("want the flag in both maps refused, got:\n%s", render(ps))
	}
}

// TestUnsafeExtraArgNamesChecked: unsafe map keys follow the same syntax
// rules as the other extra args.
func TestUnsafeExtraArgNamesChecked(t *testing.T) {
	c := exampleCluster(t)
	setArgs(t, c, "apiServerUnsafeExtraArgs", "--anonymous-auth", "true")
	ps := Validate(c, testOptions())
	if !hasProblem(ps, "spec.controlPlane.apiServerUnsafeExtraArgs[--anonymous-auth]", "without dashes", SeverityError) {
		t.Errorf("want the dashes refused, got:\n%s", render(ps))
	}
}

// TestWeakeningTable: every rule names a known component, a flag without
// dashes, a CIS item and a fix; the flags kubeup sets for security that
// the issue lists each have a rule.
func TestWeakeningTable(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range weakenings() {
		if !slices.Contains([]string{ComponentAPIServer, ComponentControllerManager, ComponentScheduler}, r.component) {
			t.Errorf("%s: unknown component %q", r.flag, r.component)
		}
		if r.flag == "" || strings.HasPrefix(r.flag, "-") || r.cis == "" || r.keeps == "" || r.fix == "" || r.weak == nil {
			t.Errorf("incomplete rule %+v", r)
		}
		seen[r.component+" "+r.flag] = true
	}
	for _, want := range []string{
		"kube-apiserver anonymous-auth", "kube-apiserver authorization-mode", "kube-apiserver enable-admission-plugins",
		"kube-apiserver profiling", "kube-apiserver tls-min-version", "kube-apiserver insecure-port",
		"kube-apiserver insecure-bind-address", "kube-apiserver kubelet-certificate-authority",
		"kube-controller-manager bind-address", "kube-controller-manager profiling",
		"kube-scheduler bind-address", "kube-scheduler profiling",
	} {
		if !seen[want] {
			t.Errorf("no rule for %s", want)
		}
	}
}

// TestMergedArgs: the unsafe args are merged over the safe ones.
func TestMergedArgs(t *testing.T) {
	cp := ControlPlane{
		APIServerExtraArgs:       map[string]string{"v": "2", "event-ttl": "2h"},
		APIServerUnsafeExtraArgs: map[string]string{"profiling": "true", "v": "4"},
	}
	got := cp.APIServerArgs()
	if len(got) != 3 || got["v"] != "4" || got["profiling"] != "true" || got["event-ttl"] != "2h" {
		t.Errorf("APIServerArgs() = %v", got)
	}
	if cp.APIServerExtraArgs["v"] != "2" {
		t.Error("merging changed apiServerExtraArgs")
	}
	if cp.SchedulerArgs() != nil || cp.ControllerManagerArgs() != nil {
		t.Error("no args should merge to nil")
	}
}
