package spec

import (
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
)

// weakening is one way an extra arg undoes a setting kubeup makes for
// security, with the CIS Kubernetes Benchmark item that the setting meets.
// Item numbers are those of CIS Kubernetes Benchmark v1.8.0 unless the
// item says otherwise.
type weakening struct {
	// component is the binary the flag belongs to: kube-apiserver,
	// kube-controller-manager or kube-scheduler.
	component string
	// flag is the flag name without dashes.
	flag string
	// weak reports whether value weakens the setting.
	weak func(value string) bool
	// cis is the benchmark item, such as "1.2.1".
	cis string
	// keeps says what kubeup's setting protects.
	keeps string
	// fix says what to do instead of the weakening value.
	fix string
}

// The components whose flags extra args set.
const (
	ComponentAPIServer         = "kube-apiserver"
	ComponentControllerManager = "kube-controller-manager"
	ComponentScheduler         = "kube-scheduler"
)

// weakenings is the table of extra args that validate refuses unless they
// are in an unsafe map: flag -> predicate -> CIS item.
func weakenings() []weakening {
	const a, cm, s = ComponentAPIServer, ComponentControllerManager, ComponentScheduler
	return []weakening{
		{a, "anonymous-auth", isTrue, "1.2.1", "anonymous requests reach only /healthz, /livez and /readyz", "remove it: kubeup already lets health checks in without credentials"},
		{a, "token-auth-file", isSet, "1.2.2", "no static token file authenticates users", "remove it and use client certificates or authentication-config"},
		{a, "kubelet-client-certificate", isEmpty, "1.2.4", "the API server authenticates to kubelets with a certificate", "remove it: kubeup sets it"},
		{a, "kubelet-client-key", isEmpty, "1.2.4", "the API server authenticates to kubelets with a certificate", "remove it: kubeup sets it"},
		{a, "kubelet-certificate-authority", isEmpty, "1.2.5", "the API server verifies each kubelet's serving certificate", "remove it: kubeup sets the cluster CA"},
		{a, "authorization-mode", listHas("AlwaysAllow"), "1.2.6", "requests are authorized, never always allowed", "remove it, or list modes without AlwaysAllow such as Node,RBAC"},
		{a, "authorization-mode", listLacks("Node"), "1.2.7", "the Node authorizer limits what kubelets read", "include Node, such as Node,RBAC"},
		{a, "authorization-mode", listLacks("RBAC"), "1.2.8", "RBAC authorizes users and service accounts", "include RBAC, such as Node,RBAC"},
		{a, "enable-admission-plugins", listHas("AlwaysAdmit"), "1.2.10", "admission is never skipped", "remove AlwaysAdmit"},
		{a, "enable-admission-plugins", listLacks("NodeRestriction"), "1.2.15", "NodeRestriction stops a kubelet from changing other nodes and their pods", "include NodeRestriction, such as NodeRestriction,DenyServiceExternalIPs,PodNodeSelector"},
		{a, "enable-admission-plugins", listLacks("DenyServiceExternalIPs"), "1.2.3", "no Service claims an external IP (CVE-2020-8554)", "include DenyServiceExternalIPs, such as NodeRestriction,DenyServiceExternalIPs,PodNodeSelector"},
		{a, "disable-admission-plugins", listHas("ServiceAccount"), "1.2.13", "the ServiceAccount admission plugin runs", "remove ServiceAccount from the list"},
		{a, "disable-admission-plugins", listHas("NamespaceLifecycle"), "1.2.14", "the NamespaceLifecycle admission plugin runs", "remove NamespaceLifecycle from the list"},
		{a, "disable-admission-plugins", listHas("NodeRestriction"), "1.2.15", "NodeRestriction stops a kubelet from changing other nodes and their pods", "remove NodeRestriction from the list"},
		{a, "profiling", isTrue, "1.2.16", "profiling endpoints are off", "remove it: kubeup sets profiling false"},
		{a, "audit-log-path", isEmpty, "1.2.17", "requests are audited to a log", "remove it, or name another file"},
		{a, "service-account-lookup", isFalse, "1.2.22", "tokens of deleted service accounts are refused", "remove it"},
		{a, "service-account-key-file", isEmpty, "1.2.23", "service account tokens are verified", "remove it: kubeup sets it"},
		{a, "etcd-certfile", isEmpty, "1.2.24", "the API server authenticates to etcd with a certificate", "remove it: kubeup sets it"},
		{a, "etcd-keyfile", isEmpty, "1.2.24", "the API server authenticates to etcd with a certificate", "remove it: kubeup sets it"},
		{a, "tls-cert-file", isEmpty, "1.2.25", "the API server serves TLS with a certificate of the cluster CA", "remove it: kubeup sets it"},
		{a, "tls-private-key-file", isEmpty, "1.2.25", "the API server serves TLS with a certificate of the cluster CA", "remove it: kubeup sets it"},
		{a, "client-ca-file", isEmpty, "1.2.26", "client certificates are verified against the cluster CA", "remove it: kubeup sets it"},
		{a, "etcd-cafile", isEmpty, "1.2.27", "the API server verifies etcd's certificate", "remove it: kubeup sets it"},
		{a, "encryption-provider-config", isEmpty, "1.2.28", "secrets are encrypted at rest", "remove it: kubeup sets it"},
		{a, "tls-min-version", oldTLS, "1.2.30", "clients use TLS 1.2 or newer with strong ciphers", "remove it, or use VersionTLS12 or VersionTLS13"},
		{a, "tls-cipher-suites", weakCiphers, "1.2.30", "TLS 1.2 clients use only strong cipher suites (ECDHE with AES-GCM or ChaCha20-Poly1305)", "remove it, or list only suites among " + strings.Join(StrongCipherSuites(), ",")},
		{a, "insecure-port", notZero, "1.2.19 of v1.6.0", "no port serves the API without TLS and authentication", "remove it"},
		{a, "insecure-bind-address", isSet, "1.2.18 of v1.6.0", "no address serves the API without TLS and authentication", "remove it"},
		{cm, "profiling", isTrue, "1.3.2", "profiling endpoints are off", "remove it: kubeup sets profiling false"},
		{cm, "use-service-account-credentials", isFalse, "1.3.3", "each controller acts with its own service account", "remove it"},
		{cm, "service-account-private-key-file", isEmpty, "1.3.4", "service account tokens are signed", "remove it: kubeup sets it"},
		{cm, "root-ca-file", isEmpty, "1.3.5", "pods receive the cluster CA to verify the API server", "remove it: kubeup sets it"},
		{cm, "feature-gates", listHas("RotateKubeletServerCertificate=false"), "1.3.6", "kubelet serving certificates rotate", "remove RotateKubeletServerCertificate=false"},
		{cm, "bind-address", notLoopback, "1.3.7", "the controller manager's port listens on loopback only", "remove it: kubeup binds 127.0.0.1"},
		{s, "profiling", isTrue, "1.4.1", "profiling endpoints are off", "remove it: kubeup sets profiling false"},
		{s, "bind-address", notLoopback, "1.4.2", "the scheduler's port listens on loopback only", "remove it: kubeup binds 127.0.0.1"},
	}
}

// isTrue reports whether a boolean flag's value is true (as Go's flag
// parsing reads it).
func isTrue(v string) bool { b, err := strconv.ParseBool(v); return err == nil && b }

// isFalse reports whether a boolean flag's value is false.
func isFalse(v string) bool { b, err := strconv.ParseBool(v); return err == nil && !b }

// isEmpty reports whether a value clears a setting.
func isEmpty(v string) bool { return strings.TrimSpace(v) == "" }

// isSet reports whether a flag that kubeup leaves unset has a value.
func isSet(v string) bool { return !isEmpty(v) }

// notZero reports whether a port flag opens a port.
func notZero(v string) bool { return strings.TrimSpace(v) != "0" }

// oldTLS reports whether a minimum TLS version is older than 1.2.
func oldTLS(v string) bool { return v == "VersionTLS10" || v == "VersionTLS11" }

// StrongCipherSuites are the TLS 1.2 cipher suites the API server and
// kubelets accept (CIS 1.2.30 and 4.2.12): forward-secret ECDHE key
// exchange with AEAD ciphers, for ECDSA and RSA certificates, named as both
// kube-bench lists name them (the CHACHA20 names are Kubernetes' aliases
// of Go's ..._SHA256 ones). TLS 1.3 suites are not configurable in Go and
// all strong.
func StrongCipherSuites() []string {
	return []string{
		"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
		"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
		"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
		"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
		"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
		"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
	}
}

// weakCiphers reports whether a cipher suite list is empty (Go's defaults,
// CBC suites among them) or names a suite that is not strong.
func weakCiphers(v string) bool {
	items := listItems(v)
	strong := StrongCipherSuites()
	return len(items) == 0 || slices.ContainsFunc(items, func(s string) bool { return !slices.Contains(strong, s) })
}

// notLoopback reports whether a bind address is anything but a loopback IP.
func notLoopback(v string) bool {
	ip := net.ParseIP(strings.TrimSpace(v))
	return ip == nil || !ip.IsLoopback()
}

// listItems splits a comma-separated flag value into its trimmed items.
func listItems(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// listHas returns a predicate true when a list flag names item.
func listHas(item string) func(string) bool {
	return func(v string) bool { return slices.Contains(listItems(v), item) }
}

// listLacks returns a predicate true when a list flag does not name item.
func listLacks(item string) func(string) bool {
	return func(v string) bool { return !slices.Contains(listItems(v), item) }
}

// WeakeningRule names one row of the table validate checks extra args
// against: the component, its flag and the CIS item ("1.2.16") the setting
// meets.
type WeakeningRule struct {
	Component, Flag, CIS string
}

// WeakeningRules lists the table's rows, so that the CIS checks of the
// rendered units cover every item the table knows.
func WeakeningRules() []WeakeningRule {
	var out []WeakeningRule
	for _, r := range weakenings() {
		out = append(out, WeakeningRule{Component: r.component, Flag: r.flag, CIS: r.cis})
	}
	return out
}

// Weakening is an extra arg that weakens a security setting: the rule it
// breaks, as validate reports it.
type Weakening struct {
	// Flag and Value are the extra arg.
	Flag, Value string
	// CIS is the CIS Kubernetes Benchmark item, such as "CIS 1.2.1".
	CIS string
	// Keeps says what the weakened setting protects.
	Keeps string
	// Fix says what to do instead.
	Fix string
}

// Weakenings returns the rules that the extra args of component (such as
// kube-apiserver) break, in flag order.
func Weakenings(component string, args map[string]string) []Weakening {
	var out []Weakening
	rules := weakenings()
	for _, name := range slices.Sorted(maps.Keys(args)) {
		for _, r := range rules {
			if r.component == component && r.flag == name && r.weak(args[name]) {
				out = append(out, Weakening{Flag: name, Value: args[name], CIS: "CIS " + r.cis, Keeps: r.keeps, Fix: r.fix})
			}
		}
	}
	return out
}

// argMaps is one component's pair of extra-args maps and their field names.
type argMaps struct {
	component            string
	safeName, unsafeName string
	safe, unsafe         map[string]string
}

// argMapsOf lists the extra-args maps of spec.controlPlane.
func argMapsOf(cp *ControlPlane) []argMaps {
	return []argMaps{
		{ComponentAPIServer, "apiServerExtraArgs", "apiServerUnsafeExtraArgs", cp.APIServerExtraArgs, cp.APIServerUnsafeExtraArgs},
		{ComponentControllerManager, "controllerManagerExtraArgs", "controllerManagerUnsafeExtraArgs", cp.ControllerManagerExtraArgs, cp.ControllerManagerUnsafeExtraArgs},
		{ComponentScheduler, "schedulerExtraArgs", "schedulerUnsafeExtraArgs", cp.SchedulerExtraArgs, cp.SchedulerUnsafeExtraArgs},
	}
}

// mergeArgs returns safe with unsafe merged over it; nil when both are
// empty.
func mergeArgs(safe, unsafe map[string]string) map[string]string {
	if len(safe)+len(unsafe) == 0 {
		return nil
	}
	out := maps.Clone(safe)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, unsafe)
	return out
}

// APIServerArgs returns the kube-apiserver extra args to render:
// apiServerExtraArgs with apiServerUnsafeExtraArgs merged over them.
func (cp *ControlPlane) APIServerArgs() map[string]string {
	return mergeArgs(cp.APIServerExtraArgs, cp.APIServerUnsafeExtraArgs)
}

// ControllerManagerArgs returns the kube-controller-manager extra args to
// render, the unsafe ones merged over the others.
func (cp *ControlPlane) ControllerManagerArgs() map[string]string {
	return mergeArgs(cp.ControllerManagerExtraArgs, cp.ControllerManagerUnsafeExtraArgs)
}

// SchedulerArgs returns the kube-scheduler extra args to render, the
// unsafe ones merged over the others.
func (cp *ControlPlane) SchedulerArgs() map[string]string {
	return mergeArgs(cp.SchedulerExtraArgs, cp.SchedulerUnsafeExtraArgs)
}

// unsafeArgs refuses extra args that weaken a security setting, warns of
// each unsafe extra arg, and refuses a flag set in both maps.
func (v *validator) unsafeArgs(p string, m argMaps) {
	safePath, unsafePath := pathField(p, m.safeName), pathField(p, m.unsafeName)
	for _, w := range Weakenings(m.component, m.safe) {
		v.errorf(pathKey(safePath, w.Flag), "--%s=%s weakens a setting kubeup makes for security (%s: %s): %s; to accept the risk, move it to %s",
			w.Flag, w.Value, message(w.CIS), message(w.Keeps), message(w.Fix), message(unsafePath))
	}
	weak := map[string][]string{}
	for _, w := range Weakenings(m.component, m.unsafe) {
		weak[w.Flag] = append(weak[w.Flag], w.CIS+": "+w.Keeps)
	}
	for _, name := range slices.Sorted(maps.Keys(m.unsafe)) {
		if _, ok := m.safe[name]; ok {
			v.errorf(pathKey(unsafePath, name), "--%s is also in %s: keep it in one map", name, message(safePath))
			continue
		}
		if why := weak[name]; len(why) > 0 {
			v.warnf(pathKey(unsafePath, name), "unsafe: --%s=%s weakens a setting kubeup makes for security (%s)", name, m.unsafe[name], message(strings.Join(why, "; ")))
			continue
		}
		v.warnf(pathKey(unsafePath, name), "unsafe extra arg --%s=%s is used as given; it weakens no setting kubeup checks, so it may move to %s", name, m.unsafe[name], message(safePath))
	}
}
