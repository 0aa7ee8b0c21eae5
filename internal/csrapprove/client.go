package csrapprove

import (
	"context"
	"fmt"
	"strings"

	certv1 "k8s.io/api/certificates/v1"
	"k8s.io/client-go/kubernetes"

	"kubeup.dev/kubeup/internal/bootstrap"
)

// ApproveJoin decides the pending node client certificate requests made
// with the bootstrap tokens in tokens (token id -> the node it was made
// for): a request for exactly that node is approved, any other is denied
// (and listed in Refused). Requests of other users are left alone.
func ApproveJoin(ctx context.Context, cs kubernetes.Interface, tokens map[string]string) (Result, error) {
	res := Result{Refused: map[string]string{}}
	csrs, err := pending(ctx, cs, certv1.KubeAPIServerClientKubeletSignerName)
	if err != nil {
		return res, err
	}
	for _, csr := range csrs {
		id, ok := strings.CutPrefix(csr.Spec.Username, bootstrap.UserPrefix)
		node, mine := tokens[id]
		if !ok || !mine {
			continue
		}
		if err := CheckJoin(csr, node); err != nil {
			res.Refused[csr.Name] = err.Error()
			if err := decide(ctx, cs, csr, certv1.CertificateDenied, "KubeupDeny", "kubeup: "+err.Error()); err != nil {
				return res, err
			}
			continue
		}
		if err := decide(ctx, cs, csr, certv1.CertificateApproved, "KubeupApprove",
			"kubeup: client certificate of node "+node+", requested with its own bootstrap token"); err != nil {
			return res, err
		}
		res.Approved = append(res.Approved, csr.Name)
	}
	return res, nil
}

// CheckJoin returns nil when csr asks for the client certificate of node
// and nothing more: subject system:node:<node> in system:nodes, no
// alternative names, client usages only.
func CheckJoin(csr *certv1.CertificateSigningRequest, node string) error {
	if err := checkUsages(csr.Spec.Usages, certv1.UsageClientAuth); err != nil {
		return err
	}
	req, err := parse(csr.Spec.Request)
	if err != nil {
		return err
	}
	if err := checkSubject(req, node); err != nil {
		return fmt.Errorf("bootstrap token of node %s: %w", node, err)
	}
	if len(req.DNSNames)+len(req.IPAddresses)+len(req.EmailAddresses)+len(req.URIs) > 0 {
		return fmt.Errorf("a node client certificate has no alternative names")
	}
	return nil
}
