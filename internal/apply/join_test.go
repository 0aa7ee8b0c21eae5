package apply

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	certv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"kubeup.dev/kubeup/internal/bootstrap"
	"kubeup.dev/kubeup/internal/csrapprove/csrtest"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
	"kubeup.dev/kubeup/internal/state"
)

var joinNow = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

// nodeCertPEM is a client certificate of cn valid until notAfter.
func nodeCertPEM(t *testing.T, cn string, notAfter time.Time) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn, Organization: []string{"system:nodes"}},
		NotBefore: notAfter.Add(-time.Hour), NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func TestJoinNeeded(t *testing.T) {
	cases := []struct {
		name string
		pem  []byte
		want bool
		err  string
	}{
		{"no certificate", nil, true, ""},
		{"garbage", []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), true, ""},
		{"valid", nodeCertPEM(t, "system:node:node2", joinNow.Add(time.Hour)), false, ""},
		{"expired", nodeCertPEM(t, "system:node:node2", joinNow.Add(-time.Minute)), true, ""},
		{"another node's", nodeCertPEM(t, "system:node:node1", joinNow.Add(time.Hour)), false, "kubeup reset --host node2"},
	}
	for _, c := range cases {
		got, err := joinNeeded(c.pem, "node2", joinNow)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: err %v, want %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: need %v err %v, want %v", c.name, got, err, c.want)
		}
	}
}

// joinCluster is a fake cluster in which node2's kubelet, once started,
// asks with the token apply made for a client certificate of csrNode,
// and holds it once approved.
type joinCluster struct {
	cs     *fake.Clientset
	fake   *host.Fake
	tokens []string // token ids created
}

func newJoinCluster(t *testing.T, r *remoteops.Run, f *host.Fake, csrNode string) *joinCluster {
	j := &joinCluster{cs: fake.NewSimpleClientset(), fake: f}
	r.Clientset, r.Now = j.cs, func() time.Time { return joinNow }
	j.cs.PrependReactor("create", "secrets", func(a k8stesting.Action) (bool, runtime.Object, error) {
		sec := a.(k8stesting.CreateAction).GetObject().(*corev1.Secret)
		id := sec.StringData["token-id"]
		j.tokens = append(j.tokens, id)
		csr := csrtest.NodeClient(t, "csr-"+id, bootstrap.UserPrefix+id, "system:node:"+csrNode)
		return false, nil, j.cs.Tracker().Add(csr)
	})
	f.On(`systemctl is-active`, host.Reply{Stdout: "kubelet inactive disabled\n"})
	f.On(`^systemctl enable -q kubelet`, host.Reply{})
	f.On(`^rm -f `, host.Reply{})
	f.OnFunc(`kubelet-client-current.pem`, func(string, []byte) host.Reply {
		if !j.approved() {
			return host.Reply{}
		}
		return host.Reply{Stdout: string(nodeCertPEM(t, "system:node:"+csrNode, joinNow.Add(time.Hour)))}
	})
	return j
}

func (j *joinCluster) approved() bool {
	list, _ := j.cs.CertificatesV1().CertificateSigningRequests().List(context.Background(), metav1.ListOptions{})
	for _, c := range list.Items {
		for _, cond := range c.Status.Conditions {
			if cond.Type == certv1.CertificateApproved {
				return true
			}
		}
	}
	return false
}

func (j *joinCluster) secrets(t *testing.T) int {
	list, err := j.cs.CoreV1().Secrets("kube-system").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return len(list.Items)
}

func runKubeletPhase(t *testing.T, r *remoteops.Run, dryRun bool) (*phase.Report, error) {
	t.Helper()
	return runPhases(t, r, dryRun, "kubelet")
}

func TestJoinWithItsOwnToken(t *testing.T) {
	r, fakes := testRun(t)
	j := newJoinCluster(t, r, fakes["node2"], "node2")
	onlyNode2(r)
	if _, err := runKubeletPhase(t, r, false); err != nil {
		t.Fatal(err)
	}
	if len(j.tokens) != 1 || !j.approved() {
		t.Fatalf("tokens %v, approved %v", j.tokens, j.approved())
	}
	if n := j.secrets(t); n != 0 {
		t.Errorf("%d token secrets left after the join", n)
	}
	f, ok := j.fake.File(layout.BootstrapKubeletConf)
	if !ok || f.Mode.Perm() != 0o600 || !strings.Contains(string(f.Content), j.tokens[0]+".") {
		t.Errorf("bootstrap kubeconfig not written 0600 with the node's token: %v %+v", ok, f.Mode)
	}
	if !slicesContainsPrefix(j.fake.Commands(), "rm -f "+host.Quote(layout.BootstrapKubeletConf)) {
		t.Errorf("bootstrap kubeconfig not removed: %v", j.fake.Commands())
	}
	for _, c := range j.fake.Commands() {
		if strings.Contains(c, "BEGIN PRIVATE KEY") || strings.Contains(c, "kubelet-client-current.pem") && !strings.Contains(c, "BEGIN CERTIFICATE") {
			t.Errorf("the probe reads more than the certificate: %s", c)
		}
	}
}

func TestJoinRefusesAnotherNodeName(t *testing.T) {
	r, fakes := testRun(t)
	j := newJoinCluster(t, r, fakes["node2"], "node1")
	onlyNode2(r)
	_, err := runKubeletPhase(t, r, false)
	if err == nil || !strings.Contains(err.Error(), "denied certificate requests made with node node2's bootstrap token") ||
		!strings.Contains(err.Error(), "system:node:node1") {
		t.Fatalf("err %v", err)
	}
	if j.approved() {
		t.Error("a request for node1 made with node2's token was approved")
	}
	if n := j.secrets(t); n != 0 {
		t.Errorf("%d token secrets left after a failed join", n)
	}
	if !slicesContainsPrefix(j.fake.Commands(), "rm -f "+host.Quote(layout.BootstrapKubeletConf)) {
		t.Error("bootstrap kubeconfig left after a failed join")
	}
}

func TestJoinedNodeKeepsItsKubeletAndLosesOldCredentials(t *testing.T) {
	r, fakes := testRun(t)
	f := fakes["node2"]
	r.Clientset, r.Now = fake.NewSimpleClientset(), func() time.Time { return joinNow }
	f.SetFile(layout.BootstrapKubeletConf, []byte("old token"), 0o600)
	f.On(`kubelet-client-current.pem`, host.Reply{Stdout: string(nodeCertPEM(t, "system:node:node2", joinNow.Add(time.Hour)))})
	f.On(`systemctl is-active`, host.Reply{Stdout: "kubelet active enabled stamp=" + unitStamp(r, "node2", "kubelet") + "\n"})
	f.On(`^rm -f `, host.Reply{})
	onlyNode2(r)
	rep, err := runKubeletPhase(t, r, false)
	if err != nil {
		t.Fatal(err)
	}
	changes := strings.Join(changeList(rep), "\n")
	if !strings.Contains(changes, "remove "+layout.BootstrapKubeletConf+" (a bootstrap credential") ||
		strings.Contains(changes, "create bootstrap token") || strings.Contains(changes, "kubelet:") && strings.Contains(changes, "restart") {
		t.Errorf("changes:\n%s", changes)
	}
}

func TestRetireBootstrapObjects(t *testing.T) {
	r, _ := testRun(t)
	r.Plan.Secrets = &state.Secrets{BootstrapTokenID: "abcdef", BootstrapTokenSecret: "0123456789abcdef", EncryptionKey: "x"}
	cs := fake.NewSimpleClientset(
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: bootstrap.RetiredAutoApproveBinding}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "bootstrap-token-abcdef", Namespace: "kube-system"}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "bootstrap-token-other1", Namespace: "kube-system"}},
	)
	r.Clientset = cs
	rep, err := runPhases(t, r, true, "bootstrap/retire")
	if err != nil || rep.Changes() != 2 {
		t.Fatalf("dry run: %v %v", changeList(rep), err)
	}
	if _, err := runPhases(t, r, false, "bootstrap/retire"); err != nil {
		t.Fatal(err)
	}
	secrets, _ := cs.CoreV1().Secrets("kube-system").List(context.Background(), metav1.ListOptions{})
	if len(secrets.Items) != 1 || secrets.Items[0].Name != "bootstrap-token-other1" {
		t.Errorf("secrets left: %v", secrets.Items)
	}
	if _, err := cs.RbacV1().ClusterRoleBindings().Get(context.Background(), bootstrap.RetiredAutoApproveBinding, metav1.GetOptions{}); err == nil {
		t.Error("auto-approve binding not deleted")
	}
	rep, err = runPhases(t, r, false, "bootstrap/retire")
	if err != nil || rep.Changes() != 0 {
		t.Errorf("second run: %v %v", changeList(rep), err)
	}
}

// onlyNode2 leaves node2 the only host, for phases that run on all.
func onlyNode2(r *remoteops.Run) { onlyHost(r, "node2") }

func slicesContainsPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

func changeList(rep *phase.Report) []string {
	var out []string
	for _, h := range rep.ChangesByHost() {
		out = append(out, h.Changes...)
	}
	return out
}
