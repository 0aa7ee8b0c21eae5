package spec

import (
	"strings"
	"testing"
	"time"
)

func TestParseExampleAppliesDefaults(t *testing.T) {
	c, err := Parse(Example())
	if err != nil {
		t.Fatal(err)
	}
	if c.Metadata.Name != "demo" || len(c.Spec.Hosts) != 3 {
		t.Fatalf("unexpected example: %+v", c.Metadata)
	}
	h := c.Spec.Hosts[1]
	if h.SSH != (SSH{}) {
		t.Errorf("ssh fields left out must stay empty, for ~/.ssh/config and the defaults: %+v", h.SSH)
	}
	if c.Spec.PKI.CertificateValidity.Duration != 8760*time.Hour {
		t.Errorf("certificateValidity = %v", c.Spec.PKI.CertificateValidity)
	}
}

func TestParseUnknownFieldsGiveLineNumbers(t *testing.T) {
	doc := "apiVersion: kubeup.dev/v1alpha1\nkind: Cluster\nmetadata: {name: x}\nspec:\n  hosts:\n    - name: a\n      adress: 10.0.0.1\n  netwrk: {}\n"
	_, err := Parse([]byte(doc))
	if err == nil {
		t.Fatal("want error")
	}
	for _, want := range []string{`spec.hosts[0].adress: line 7: unknown field: did you mean "address"?`, `spec.netwrk: line 8: unknown field: did you mean "network"?`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestParseRejectsEmptyAndMultiDocument(t *testing.T) {
	if _, err := Parse(nil); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty: %v", err)
	}
	if _, err := Parse([]byte("kind: Cluster\n---\nkind: Cluster\n")); err == nil || !strings.Contains(err.Error(), "more than one") {
		t.Errorf("multi: %v", err)
	}
	if _, err := Parse([]byte("spec:\n  pki:\n    certificateValidity: soon\n")); err == nil || !strings.Contains(err.Error(), "not a duration") {
		t.Errorf("duration: %v", err)
	}
}

func TestRoleAliasesExpand(t *testing.T) {
	c := &Cluster{Spec: Spec{Hosts: []Host{
		{Name: "m", Roles: []Role{"a"}}, {Name: "n", Roles: []Role{"i"}}, {Name: "all", Roles: []Role{"ai", "worker"}},
	}}}
	SetDefaults(c)
	SetDefaults(c) // idempotent
	got := [][]Role{c.Spec.Hosts[0].Roles, c.Spec.Hosts[1].Roles, c.Spec.Hosts[2].Roles}
	want := [][]Role{{RoleControlPlane, RoleEtcd}, {RoleWorker}, {RoleControlPlane, RoleEtcd, RoleWorker}}
	for i := range want {
		if strings.Join(roleStrings(got[i]), ",") != strings.Join(roleStrings(want[i]), ",") {
			t.Errorf("host %d roles %v, want %v", i, got[i], want[i])
		}
	}
}

func roleStrings(rs []Role) []string {
	var out []string
	for _, r := range rs {
		out = append(out, string(r))
	}
	return out
}

func TestMarshalRoundTrip(t *testing.T) {
	c, err := Parse(Example())
	if err != nil {
		t.Fatal(err)
	}
	b, err := Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := Parse(b)
	if err != nil {
		t.Fatalf("re-parse: %v\n%s", err, b)
	}
	if c2.Spec.PKI.CAValidity != c.Spec.PKI.CAValidity || c2.Spec.Hosts[2].Address != c.Spec.Hosts[2].Address {
		t.Error("round trip lost data")
	}
}
