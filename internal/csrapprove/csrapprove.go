// Package csrapprove approves the kubelet certificate requests nothing
// else approves, each only for the node entitled to it: serving
// certificates (signer kubernetes.io/kubelet-serving) when a node asks for
// its own names and addresses as the spec lists them, and a joining
// node's first client certificate (signer
// kubernetes.io/kube-apiserver-client-kubelet) when it names the node its
// bootstrap token was made for (client.go). The controller-manager
// approves only renewals of client certificates (selfnodeclient).
package csrapprove

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"slices"
	"strings"

	certv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"kubeup.dev/kubeup/internal/spec"
)

// The user name prefix and group of node identities.
const (
	nodeUserPrefix = "system:node:"
	nodesGroup     = "system:nodes"
)

// Result says what happened to each pending serving CSR.
type Result struct {
	Approved []string          // CSR names
	Refused  map[string]string // CSR name -> reason
}

// ApproveServing approves every pending kubelet-serving CSR that passes
// Check for a host in hosts.
func ApproveServing(ctx context.Context, cs kubernetes.Interface, hosts []spec.Host) (Result, error) {
	res := Result{Refused: map[string]string{}}
	csrs, err := pending(ctx, cs, certv1.KubeletServingSignerName)
	if err != nil {
		return res, err
	}
	for _, csr := range csrs {
		if err := Check(csr, hosts); err != nil {
			res.Refused[csr.Name] = err.Error()
			continue
		}
		if err := approve(ctx, cs, csr); err != nil {
			return res, err
		}
		res.Approved = append(res.Approved, csr.Name)
	}
	return res, nil
}

// pending lists the undecided requests to signer.
func pending(ctx context.Context, cs kubernetes.Interface, signer string) ([]*certv1.CertificateSigningRequest, error) {
	list, err := cs.CertificatesV1().CertificateSigningRequests().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list certificate signing requests: %w", err)
	}
	var out []*certv1.CertificateSigningRequest
	for i := range list.Items {
		if csr := &list.Items[i]; csr.Spec.SignerName == signer && !decided(csr) {
			out = append(out, csr)
		}
	}
	return out, nil
}

func decided(csr *certv1.CertificateSigningRequest) bool {
	for _, c := range csr.Status.Conditions {
		if c.Type == certv1.CertificateApproved || c.Type == certv1.CertificateDenied {
			return true
		}
	}
	return false
}

func approve(ctx context.Context, cs kubernetes.Interface, csr *certv1.CertificateSigningRequest) error {
	return decide(ctx, cs, csr, certv1.CertificateApproved, "KubeupApprove",
		"kubeup: serving certificate for the node's own names and addresses")
}

// decide records an approval or a denial of csr.
func decide(ctx context.Context, cs kubernetes.Interface, csr *certv1.CertificateSigningRequest,
	kind certv1.RequestConditionType, reason, message string) error {
	csr.Status.Conditions = append(csr.Status.Conditions, certv1.CertificateSigningRequestCondition{
		Type: kind, Status: corev1.ConditionTrue, Reason: reason, Message: message,
	})
	_, err := cs.CertificatesV1().CertificateSigningRequests().UpdateApproval(ctx, csr.Name, csr, metav1.UpdateOptions{})
	if err != nil {
		return fmt.Errorf("%s csr %s: %w", strings.ToLower(string(kind)), csr.Name, err)
	}
	return nil
}

// Check returns nil when csr is a kubelet serving request from a node of
// the spec, for that node's name and address only, with server usages.
func Check(csr *certv1.CertificateSigningRequest, hosts []spec.Host) error {
	node, ok := strings.CutPrefix(csr.Spec.Username, nodeUserPrefix)
	if !ok || !slices.Contains(csr.Spec.Groups, nodesGroup) {
		return fmt.Errorf("requested by %q, not a node", csr.Spec.Username)
	}
	idx := slices.IndexFunc(hosts, func(h spec.Host) bool { return h.Name == node })
	if idx < 0 {
		return fmt.Errorf("node %q is not a host of the spec", node)
	}
	if err := checkUsages(csr.Spec.Usages, certv1.UsageServerAuth); err != nil {
		return err
	}
	req, err := parse(csr.Spec.Request)
	if err != nil {
		return err
	}
	return checkRequest(req, hosts[idx])
}

// checkUsages allows the key usages and the one extended usage (server
// or client auth) that a kubelet certificate of that kind needs.
func checkUsages(usages []certv1.KeyUsage, ext certv1.KeyUsage) error {
	allowed := []certv1.KeyUsage{certv1.UsageDigitalSignature, certv1.UsageKeyEncipherment, ext}
	for _, u := range usages {
		if !slices.Contains(allowed, u) {
			return fmt.Errorf("usage %q is not allowed for a %s certificate", u, ext)
		}
	}
	if !slices.Contains(usages, ext) {
		return fmt.Errorf("usage %q is missing", ext)
	}
	return nil
}

func parse(b []byte) (*x509.CertificateRequest, error) {
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		return nil, fmt.Errorf("request is not a PEM certificate request")
	}
	req, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse certificate request: %w", err)
	}
	if err := req.CheckSignature(); err != nil {
		return nil, fmt.Errorf("certificate request signature: %w", err)
	}
	return req, nil
}

func checkRequest(req *x509.CertificateRequest, h spec.Host) error {
	if err := checkSubject(req, h.Name); err != nil {
		return err
	}
	if len(req.EmailAddresses) > 0 || len(req.URIs) > 0 {
		return fmt.Errorf("email or URI names are not allowed")
	}
	if len(req.DNSNames)+len(req.IPAddresses) == 0 {
		return fmt.Errorf("no DNS name or IP address requested")
	}
	for _, d := range req.DNSNames {
		if !strings.EqualFold(d, h.Name) && !strings.EqualFold(d, h.Address) {
			return fmt.Errorf("DNS name %q is not node %s's name", d, h.Name)
		}
	}
	for _, ip := range req.IPAddresses {
		if !ip.Equal(net.ParseIP(h.Address)) {
			return fmt.Errorf("IP address %s is not node %s's address %s", ip, h.Name, h.Address)
		}
	}
	return nil
}

// checkSubject requires the subject of a node's certificate: common name
// system:node:<node>, organization system:nodes and nothing else.
func checkSubject(req *x509.CertificateRequest, node string) error {
	if req.Subject.CommonName != nodeUserPrefix+node || !slices.Equal(req.Subject.Organization, []string{nodesGroup}) {
		return fmt.Errorf("subject %q is not %s%s in %s", req.Subject.String(), nodeUserPrefix, node, nodesGroup)
	}
	return nil
}
