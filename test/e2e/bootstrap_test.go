//go:build e2e

package e2e

import (
	"context"
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	certv1 "k8s.io/api/certificates/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"kubeup.dev/kubeup/internal/bootstrap"
	"kubeup.dev/kubeup/internal/csrapprove"
	"kubeup.dev/kubeup/internal/csrapprove/csrtest"
	"kubeup.dev/kubeup/internal/layout"
)

// checkBootstrapCredentials proves issue 12's point 1 on a cluster apply
// made: no node keeps a bootstrap kubeconfig and no bootstrap token is
// left in the cluster; and a token made the way apply makes one for a
// worker, used to ask for the control plane's node name, gets no
// certificate: the cluster does not approve the request on its own
// within 20 s, and kubeup's approver denies it.
func checkBootstrapCredentials(t *testing.T, kubeconfig, sandbox string, nodes int) {
	t.Helper()
	admin := checkNoBootstrapLeft(t, kubeconfig, sandbox, nodes)
	checkStolenToken(t, admin, kubeconfig, sandbox+"-node2", sandbox+"-node1")
}

// checkNoBootstrapLeft fails when node 1 to nodes of sandbox keeps a
// bootstrap kubeconfig or the cluster a bootstrap token. It returns an
// admin client.
func checkNoBootstrapLeft(t *testing.T, kubeconfig, sandbox string, nodes int) kubernetes.Interface {
	t.Helper()
	for i := 1; i <= nodes; i++ {
		node := fmt.Sprintf("%s-node%d", sandbox, i)
		if r := run(t, ".", time.Minute, "docker", "exec", node, "test", "-e", layout.BootstrapKubeletConf); r.code == 0 {
			t.Errorf("%s keeps %s after apply", node, layout.BootstrapKubeletConf)
		}
	}
	admin := clientFrom(t, kubeconfig)
	ctx := context.Background()
	left, err := admin.CoreV1().Secrets("kube-system").List(ctx, metav1.ListOptions{FieldSelector: "type=bootstrap.kubernetes.io/token"})
	if err != nil {
		t.Fatal(err)
	}
	if len(left.Items) > 0 {
		t.Errorf("%d bootstrap tokens left in the cluster after apply", len(left.Items))
	}
	return admin
}

// checkStolenToken asks, with a token made for worker, for the client
// certificate of controlPlane.
func checkStolenToken(t *testing.T, admin kubernetes.Interface, kubeconfig, worker, controlPlane string) {
	t.Helper()
	ctx := context.Background()
	tok, err := bootstrap.NewToken(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sec := bootstrap.NodeTokenSecret(tok, worker, time.Now().Add(10*time.Minute))
	if _, err := admin.CoreV1().Secrets(sec.Namespace).Create(ctx, sec, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	defer admin.CoreV1().Secrets(sec.Namespace).Delete(ctx, sec.Name, metav1.DeleteOptions{})
	thief := tokenClient(t, kubeconfig, tok.String())
	csr, err := thief.CertificatesV1().CertificateSigningRequests().Create(ctx,
		csrtest.NodeClient(t, "kubeup-e2e-stolen-token-"+tok.ID, "", "system:node:"+controlPlane), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("a bootstrap token may create a CSR, got %v", err)
	}
	defer admin.CertificatesV1().CertificateSigningRequests().Delete(ctx, csr.Name, metav1.DeleteOptions{})
	time.Sleep(20 * time.Second)
	got, err := admin.CertificatesV1().CertificateSigningRequests().Get(ctx, csr.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Status.Conditions) > 0 || len(got.Status.Certificate) > 0 {
		t.Fatalf("the cluster decided a request for %s made with %s's token on its own: %+v", controlPlane, worker, got.Status)
	}
	res, err := csrapprove.ApproveJoin(ctx, admin, map[string]string{tok.ID: worker})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Approved) > 0 || res.Refused[csr.Name] == "" {
		t.Fatalf("kubeup's approver did not refuse the stolen token's request: %+v", res)
	}
	got, _ = admin.CertificatesV1().CertificateSigningRequests().Get(ctx, csr.Name, metav1.GetOptions{})
	if len(got.Status.Conditions) != 1 || got.Status.Conditions[0].Type != certv1.CertificateDenied || len(got.Status.Certificate) > 0 {
		t.Errorf("request not denied: %+v", got.Status)
	}
	t.Logf("a token of %s asking for %s's certificate: %s", worker, controlPlane, res.Refused[csr.Name])
}

func restConfig(t *testing.T, kubeconfig string) *rest.Config {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func clientFrom(t *testing.T, kubeconfig string) kubernetes.Interface {
	t.Helper()
	return kubernetes.NewForConfigOrDie(restConfig(t, kubeconfig))
}

// tokenClient talks to the cluster of kubeconfig as the bearer of token.
func tokenClient(t *testing.T, kubeconfig, token string) kubernetes.Interface {
	t.Helper()
	cfg := rest.AnonymousClientConfig(restConfig(t, kubeconfig))
	cfg.BearerToken = token
	return kubernetes.NewForConfigOrDie(cfg)
}
