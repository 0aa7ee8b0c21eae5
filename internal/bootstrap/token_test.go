package bootstrap

import (
	"bytes"
	"crypto/rand"
	"regexp"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func TestRandomStringIsUniformAlphabet(t *testing.T) {
	// 255 is rejected (bias), 0 maps to 'a', 35 to '9'.
	s, err := randomString(bytes.NewReader([]byte{255, 0, 35}), 2)
	if err != nil || s != "a9" {
		t.Fatalf("string %q err %v", s, err)
	}
}

func TestNewTokenHasTheBootstrapTokenForm(t *testing.T) {
	a, err := NewToken(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewToken(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[a-z0-9]{6}\.[a-z0-9]{16}$`).MatchString(a.String()) {
		t.Errorf("token %q has the wrong form", a)
	}
	if a == b {
		t.Error("two tokens are equal")
	}
	if a.User() != "system:bootstrap:"+a.ID {
		t.Errorf("user %q", a.User())
	}
}

func TestNodeTokenSecretExpiresAndNamesItsNode(t *testing.T) {
	tok := Token{ID: "abcdef", Secret: "0123456789abcdef"}
	exp := time.Date(2026, 12, 3, 16, 0, 0, 0, time.FixedZone("x", 3600))
	s := NodeTokenSecret(tok, "node2", exp)
	if s.Name != "bootstrap-token-abcdef" || s.Namespace != "kube-system" || s.Type != corev1.SecretTypeBootstrapToken {
		t.Fatalf("secret %s/%s type %s", s.Namespace, s.Name, s.Type)
	}
	want := map[string]string{
		"token-id": "abcdef", "token-secret": "0123456789abcdef",
		"expiration": "2026-12-03T15:00:00Z", "usage-bootstrap-authentication": "true",
	}
	for k, v := range want {
		if s.StringData[k] != v {
			t.Errorf("%s = %q, want %q", k, s.StringData[k], v)
		}
	}
	for _, k := range []string{"usage-bootstrap-signing", "auth-extra-groups"} {
		if _, ok := s.StringData[k]; ok {
			t.Errorf("a node token has %s", k)
		}
	}
	if s.Labels[NodeLabel] != "node2" {
		t.Errorf("labels %v", s.Labels)
	}
}
