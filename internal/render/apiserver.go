package render

import (
	"strconv"
	"strings"

	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/spec"
)

// apiServerFiles renders the API server unit (or static pod) and the
// configuration files its flags name: authentication, encryption at rest
// and audit policy.
func apiServerFiles(in *input) ([]hostfile.File, error) {
	files, err := runFiles(in, "kube-apiserver", apiServerFlags(in), in.s.ControlPlane.APIServerArgs())
	if err != nil {
		return nil, err
	}
	for _, g := range []generator{authenticationConfigFile, encryptionConfigFile, auditPolicyFile} {
		f, err := g(in)
		if err != nil {
			return nil, err
		}
		files = append(files, f...)
	}
	return files, nil
}

func apiServerFlags(in *input) map[string]string {
	f := map[string]string{
		"advertise-address":                  in.h.Address,
		"allow-privileged":                   "true",
		"authorization-mode":                 "Node,RBAC",
		"client-ca-file":                     layout.CACert,
		"enable-admission-plugins":           "NodeRestriction,DenyServiceExternalIPs",
		"enable-bootstrap-token-auth":        "true",
		"kubelet-certificate-authority":      layout.CACert,
		"kubelet-client-certificate":         layout.APIServerKubeletClientCert,
		"kubelet-client-key":                 layout.APIServerKubeletClientKey,
		"kubelet-preferred-address-types":    "InternalIP,ExternalIP,Hostname",
		"profiling":                          "false",
		"proxy-client-cert-file":             layout.FrontProxyClientCert,
		"proxy-client-key-file":              layout.FrontProxyClientKey,
		"requestheader-allowed-names":        frontProxyClientCN,
		"requestheader-client-ca-file":       layout.FrontProxyCACert,
		"requestheader-extra-headers-prefix": "X-Remote-Extra-",
		"requestheader-group-headers":        "X-Remote-Group",
		"requestheader-username-headers":     "X-Remote-User",
		"secure-port":                        strconv.Itoa(spec.DefaultAPIServerPort),
		"service-account-issuer":             serviceAccountIssuer(in),
		"service-account-key-file":           layout.ServiceAccountPub,
		"service-account-signing-key-file":   layout.ServiceAccountKey,
		"service-cluster-ip-range":           in.s.Network.ServiceCIDR,
		"tls-cert-file":                      layout.APIServerCert,
		"tls-private-key-file":               layout.APIServerKey,
		"tls-min-version":                    "VersionTLS12",
		"tls-cipher-suites":                  strings.Join(spec.StrongCipherSuites(), ","),
		"encryption-provider-config":         layout.EncryptionConfig,
		"audit-policy-file":                  layout.AuditPolicy,
		"audit-log-path":                     layout.AuditLog,
		"audit-log-maxage":                   "30",
		"audit-log-maxbackup":                "10",
		"audit-log-maxsize":                  "100",
		// Close watches when stopping: otherwise a restart waits the HTTP
		// server's 60 s shutdown timeout for them.
		"shutdown-watch-termination-grace-period": "10s",
	}
	addEtcdClientFlags(in, f)
	addAnonymousFlags(in, f)
	return f
}

// frontProxyClientCN is the common name of the front-proxy client
// certificate (kubeadm's), the only name allowed to assert request headers.
const frontProxyClientCN = "front-proxy-client"

func serviceAccountIssuer(in *input) string {
	return "https://kubernetes.default.svc." + in.s.Network.DNSDomain
}

// addEtcdClientFlags points the API server at kubeup's etcd hosts with the
// apiserver-etcd-client certificate, or at an external etcd with its files.
func addEtcdClientFlags(in *input, f map[string]string) {
	f["etcd-servers"] = etcdServers(in)
	if ext := in.s.Etcd.External; ext != nil {
		f["etcd-cafile"], f["etcd-certfile"], f["etcd-keyfile"] = ext.CAFile, ext.CertFile, ext.KeyFile
		return
	}
	f["etcd-cafile"] = layout.EtcdCACert
	f["etcd-certfile"] = layout.APIServerEtcdClientCert
	f["etcd-keyfile"] = layout.APIServerEtcdClientKey
}

// addAnonymousFlags decides anonymous access. kubeadm leaves
// --anonymous-auth at its default (true) so that load balancers and probes
// can read /healthz, /livez and /readyz without credentials; RBAC then
// limits system:anonymous to those and /version. kubeup keeps the probes
// working but narrows anonymous access further with an
// AuthenticationConfiguration whose anonymous authenticator answers only
// the three health paths (structured anonymous auth is on by default from
// Kubernetes 1.32). A user who sets anonymous-auth or authentication-config
// in apiServerExtraArgs or apiServerUnsafeExtraArgs takes this over.
func addAnonymousFlags(in *input, f map[string]string) {
	extra := in.s.ControlPlane.APIServerArgs()
	if _, ok := extra["anonymous-auth"]; ok {
		return
	}
	f["authentication-config"] = layout.AuthenticationConfig
}
