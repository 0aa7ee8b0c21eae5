package csrapprove

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"net"
	"strings"
	"testing"

	certv1 "k8s.io/api/certificates/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"kubeup.dev/kubeup/internal/spec"
)

var hosts = []spec.Host{{Name: "node1", Address: "10.0.0.1"}, {Name: "node2", Address: "10.0.0.2"}}

type req struct {
	name, user, cn string
	dns            []string
	ips            []string
	usages         []certv1.KeyUsage
	signer         string
}

func makeCSR(t *testing.T, r req) *certv1.CertificateSigningRequest {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.CertificateRequest{Subject: pkix.Name{CommonName: r.cn, Organization: []string{"system:nodes"}}, DNSNames: r.dns}
	for _, ip := range r.ips {
		tmpl.IPAddresses = append(tmpl.IPAddresses, net.ParseIP(ip))
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		t.Fatal(err)
	}
	if r.usages == nil {
		r.usages = []certv1.KeyUsage{certv1.UsageDigitalSignature, certv1.UsageServerAuth}
	}
	if r.signer == "" {
		r.signer = certv1.KubeletServingSignerName
	}
	return &certv1.CertificateSigningRequest{
		ObjectMeta: metav1.ObjectMeta{Name: r.name},
		Spec: certv1.CertificateSigningRequestSpec{
			Request:    pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}),
			SignerName: r.signer, Username: r.user, Groups: []string{"system:nodes", "system:authenticated"},
			Usages: r.usages,
		},
	}
}

func TestCheck(t *testing.T) {
	cases := []struct {
		r    req
		want string // "" = approve
	}{
		{req{user: "system:node:node1", cn: "system:node:node1", dns: []string{"node1"}, ips: []string{"10.0.0.1"}}, ""},
		{req{user: "system:node:node1", cn: "system:node:node1", dns: []string{"node2"}}, `DNS name "node2"`},
		{req{user: "system:node:node1", cn: "system:node:node1", ips: []string{"10.0.0.2"}}, "IP address 10.0.0.2"},
		{req{user: "system:node:evil", cn: "system:node:evil", dns: []string{"evil"}}, "not a host of the spec"},
		{req{user: "alice", cn: "system:node:node1", dns: []string{"node1"}}, "not a node"},
		{req{user: "system:node:node1", cn: "system:node:node2", dns: []string{"node1"}}, "subject"},
		{req{user: "system:node:node1", cn: "system:node:node1"}, "no DNS name"},
		{req{user: "system:node:node1", cn: "system:node:node1", dns: []string{"node1"},
			usages: []certv1.KeyUsage{certv1.UsageClientAuth, certv1.UsageServerAuth}}, "not allowed"},
		{req{user: "system:node:node1", cn: "system:node:node1", dns: []string{"node1"},
			usages: []certv1.KeyUsage{certv1.UsageDigitalSignature}}, "missing"},
	}
	for i, c := range cases {
		err := Check(makeCSR(t, c.r), hosts)
		if c.want == "" && err != nil {
			t.Errorf("case %d: want approval, got %v", i, err)
		}
		if c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("case %d: want %q, got %v", i, c.want, err)
		}
	}
}

func TestApproveServingOnlyApprovesGoodPendingServingCSRs(t *testing.T) {
	good := makeCSR(t, req{name: "good", user: "system:node:node2", cn: "system:node:node2", dns: []string{"node2"}, ips: []string{"10.0.0.2"}})
	bad := makeCSR(t, req{name: "bad", user: "system:node:node2", cn: "system:node:node2", dns: []string{"kubernetes"}})
	client := makeCSR(t, req{name: "client", user: "system:node:node2", cn: "system:node:node2", dns: []string{"node2"},
		signer: certv1.KubeAPIServerClientKubeletSignerName})
	cs := fake.NewSimpleClientset(good, bad, client)
	res, err := ApproveServing(context.Background(), cs, hosts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Approved) != 1 || res.Approved[0] != "good" || res.Refused["bad"] == "" || len(res.Refused) != 1 {
		t.Fatalf("result %+v", res)
	}
	got, _ := cs.CertificatesV1().CertificateSigningRequests().Get(context.Background(), "good", metav1.GetOptions{})
	if !decided(got) {
		t.Error("good CSR not approved in the API")
	}
	res, err = ApproveServing(context.Background(), cs, hosts)
	if err != nil || len(res.Approved) != 0 {
		t.Errorf("second pass approved again: %+v %v", res, err)
	}
}
