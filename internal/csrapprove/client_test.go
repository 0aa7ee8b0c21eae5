package csrapprove

import (
	"context"
	"strings"
	"testing"

	certv1 "k8s.io/api/certificates/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

var clientUsages = []certv1.KeyUsage{certv1.UsageDigitalSignature, certv1.UsageClientAuth}

func joinCSR(t *testing.T, name, tokenID, cn string, dns ...string) *certv1.CertificateSigningRequest {
	return makeCSR(t, req{name: name, user: "system:bootstrap:" + tokenID, cn: cn, dns: dns,
		usages: clientUsages, signer: certv1.KubeAPIServerClientKubeletSignerName})
}

func TestCheckJoin(t *testing.T) {
	cases := []struct {
		r    req
		want string // "" = approve
	}{
		{req{cn: "system:node:node2"}, ""},
		{req{cn: "system:node:node1"}, "bootstrap token of node node2: subject"},
		{req{cn: "system:node:node2", dns: []string{"node2"}}, "no alternative names"},
		{req{cn: "system:node:node2", usages: []certv1.KeyUsage{certv1.UsageClientAuth, certv1.UsageServerAuth}}, "not allowed"},
		{req{cn: "system:node:node2", usages: []certv1.KeyUsage{certv1.UsageDigitalSignature}}, "missing"},
	}
	for i, c := range cases {
		c.r.user, c.r.signer = "system:bootstrap:abcdef", certv1.KubeAPIServerClientKubeletSignerName
		if c.r.usages == nil {
			c.r.usages = clientUsages
		}
		err := CheckJoin(makeCSR(t, c.r), "node2")
		if c.want == "" && err != nil {
			t.Errorf("case %d: want approval, got %v", i, err)
		}
		if c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("case %d: want %q, got %v", i, c.want, err)
		}
	}
}

// A worker's token used to ask for the control plane's node name is
// denied; the worker's own request is approved; requests of tokens
// kubeup did not make for this join are not touched.
func TestApproveJoinBindsTheTokenToItsNode(t *testing.T) {
	own := joinCSR(t, "own", "wwwwww", "system:node:node2")
	stolen := joinCSR(t, "stolen", "wwwwww", "system:node:node1")
	foreign := joinCSR(t, "foreign", "zzzzzz", "system:node:node1")
	serving := makeCSR(t, req{name: "serving", user: "system:bootstrap:wwwwww", cn: "system:node:node2", dns: []string{"node2"}})
	cs := fake.NewSimpleClientset(own, stolen, foreign, serving)
	res, err := ApproveJoin(context.Background(), cs, map[string]string{"wwwwww": "node2"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Approved) != 1 || res.Approved[0] != "own" || len(res.Refused) != 1 || res.Refused["stolen"] == "" {
		t.Fatalf("result %+v", res)
	}
	want := map[string]certv1.RequestConditionType{"own": certv1.CertificateApproved, "stolen": certv1.CertificateDenied}
	for _, name := range []string{"own", "stolen", "foreign", "serving"} {
		got, _ := cs.CertificatesV1().CertificateSigningRequests().Get(context.Background(), name, metav1.GetOptions{})
		var kind certv1.RequestConditionType
		if len(got.Status.Conditions) > 0 {
			kind = got.Status.Conditions[0].Type
		}
		if kind != want[name] {
			t.Errorf("%s: condition %q, want %q", name, kind, want[name])
		}
	}
	res, err = ApproveJoin(context.Background(), cs, map[string]string{"wwwwww": "node2"})
	if err != nil || len(res.Approved)+len(res.Refused) != 0 {
		t.Errorf("second pass decided again: %+v %v", res, err)
	}
}
