package bootstrap

import (
	"fmt"
	"io"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// NodeLabel on a bootstrap token Secret names the one node the token may
// join as; the approver refuses a certificate for any other node name.
const NodeLabel = "kubeup.dev/bootstrap-node"

// UserPrefix begins the user name the API server gives a bootstrap token
// ("system:bootstrap:<token id>").
const UserPrefix = "system:bootstrap:"

// RetiredTokenAddon is the addon file that held the cluster-wide,
// never-expiring token of kubeup before per-node tokens; apply removes it
// from control-plane hosts and deletes its Secret.
const RetiredTokenAddon = "kubeup-bootstrap-token"

// RetiredAutoApproveBinding let every bootstrap token holder obtain a node
// client certificate for any node name; apply deletes it.
const RetiredAutoApproveBinding = "kubeup:node-autoapprove-bootstrap"

// Token is one bootstrap token "<id>.<secret>" ([a-z0-9]{6}.[a-z0-9]{16}).
type Token struct {
	ID, Secret string
}

// String is the token as a kubeconfig carries it; it is a secret.
func (t Token) String() string { return t.ID + "." + t.Secret }

// User is the API server's user name for the token.
func (t Token) User() string { return UserPrefix + t.ID }

// SecretName is the name of the token's Secret in kube-system.
func SecretName(id string) string { return "bootstrap-token-" + id }

// NewToken draws a fresh token from r (crypto/rand in production).
func NewToken(r io.Reader) (Token, error) {
	id, err := randomString(r, 6)
	if err != nil {
		return Token{}, err
	}
	secret, err := randomString(r, 16)
	if err != nil {
		return Token{}, err
	}
	return Token{ID: id, Secret: secret}, nil
}

// NodeTokenSecret is the bootstrap token Secret that lets node join once:
// it authenticates only (it signs nothing), expires at expires (the API
// server refuses it after that, and the token cleaner deletes it), and is
// labelled with the node it was made for.
func NodeTokenSecret(t Token, node string, expires time.Time) *corev1.Secret {
	return &corev1.Secret{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: SecretName(t.ID), Namespace: metav1.NamespaceSystem,
			Labels: map[string]string{NodeLabel: node, "app.kubernetes.io/managed-by": "kubeup"}},
		Type: corev1.SecretTypeBootstrapToken,
		StringData: map[string]string{
			"description":                    "kubeup: TLS bootstrap of node " + node + " only, deleted once it joined",
			"token-id":                       t.ID,
			"token-secret":                   t.Secret,
			"expiration":                     expires.UTC().Format(time.RFC3339),
			"usage-bootstrap-authentication": "true",
		},
	}
}

const tokenChars = "abcdefghijklmnopqrstuvwxyz0123456789"

// randomString returns n characters from [a-z0-9] without modulo bias.
func randomString(r io.Reader, n int) (string, error) {
	out := make([]byte, 0, n)
	buf := make([]byte, 1)
	for len(out) < n {
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", fmt.Errorf("generate bootstrap token: %w", err)
		}
		if int(buf[0]) >= 256-(256%len(tokenChars)) {
			continue
		}
		out = append(out, tokenChars[int(buf[0])%len(tokenChars)])
	}
	return string(out), nil
}
