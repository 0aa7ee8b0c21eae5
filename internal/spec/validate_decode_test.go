package spec

import (
	"strings"
	"testing"
)

func TestDecodeProblems(t *testing.T) {
	const head = "apiVersion: kubeup.dev/v1alpha1\nkind: Cluster\nmetadata: {name: x}\n"
	tests := []struct {
		name, doc, path, msg string
	}{
		{"misspelt host field", head + "spec:\n  hosts:\n    - name: a\n      address: localhost\n    - name: b\n      adress: 10.0.0.2\n",
			"spec.hosts[1].adress", `line 9: unknown field: did you mean "address"?`},
		{"misspelt top-level field", "apiVersion: kubeup.dev/v1alpha1\nkind: Cluster\nmetdata: {name: x}\n",
			"metdata", `line 3: unknown field: did you mean "metadata"?`},
		{"wrong case", head + "spec:\n  network: {podCidr: 10.0.0.0/16}\n",
			"spec.network.podCidr", `line 5: unknown field: did you mean "podCIDR"?`},
		{"far from every field", head + "spec:\n  ssh: {user: root}\n",
			"spec.ssh", "line 5: unknown field: known fields are kubernetesVersion, hosts, network,"},
		{"field under a pointer", head + "spec:\n  etcd:\n    external: {endpoints: [], caFil: x}\n",
			"spec.etcd.external.caFil", `did you mean "caFile"?`},
		{"port not a number", head + "spec:\n  hosts:\n    - name: a\n      ssh: {port: twenty-two}\n",
			"spec.hosts[0].ssh.port", `line 7: "twenty-two" is not a whole number`},
		{"roles not a list", head + "spec:\n  hosts:\n    - {name: a, roles: control-plane}\n",
			"spec.hosts[0].roles", `line 6: expected a list, such as [a, b], not "control-plane"`},
		{"hosts a mapping", head + "spec:\n  hosts: {name: a}\n",
			"spec.hosts", "line 5: expected a list, such as [a, b], not a mapping"},
		{"spec a scalar", head + "spec: hello\n",
			"spec", `line 4: expected fields (kubernetesVersion, hosts,`},
		{"string given a mapping", head + "spec:\n  kubernetesVersion: {v: 1}\n",
			"spec.kubernetesVersion", "line 5: expected a string, not a mapping"},
		{"bool not a bool", head + "spec:\n  sandbox: {createKmsg: maybe}\n",
			"spec.sandbox.createKmsg", `line 5: "maybe" is not true or false`},
		{"bad duration", head + "spec:\n  pki: {certificateValidity: 1 year}\n",
			"spec.pki.certificateValidity", `line 5: "1 year" is not a duration`},
		{"map value a list", head + "spec:\n  artifacts: {mirrors: {etcd: [a]}}\n",
			"spec.artifacts.mirrors[etcd]", "line 5: expected a string, not a list"},
		{"key set twice", head + "spec:\n  kubernetesVersion: v1.34.4\n  kubernetesVersion: v1.35.0\n",
			"spec.kubernetesVersion", "line 6: set again (first on line 5): keep one"},
		{"document a list", "- a\n- b\n",
			"", "line 1: expected fields (apiVersion, kind, metadata, spec), not a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse([]byte(tt.doc)); err == nil {
				t.Fatalf("Parse accepted the document; the case tests nothing")
			}
			ps := DecodeProblems([]byte(tt.doc))
			if !hasProblem(ps, tt.path, tt.msg, SeverityError) {
				t.Errorf("want error at %q containing %q, got:\n%s", tt.path, tt.msg, render(ps))
			}
		})
	}
}

func TestDecodeProblemsReportsAll(t *testing.T) {
	doc := `apiVersion: kubeup.dev/v1alpha1
kind: Cluster
metadata: {name: x, labels: {a: b}}
spec:
  hosts:
    - {name: a, address: localhost, role: [ai]}
    - {name: b, address: 10.0.0.2, roles: [i], ssh: {port: x}}
`
	ps := DecodeProblems([]byte(doc))
	var got []string
	for _, p := range ps {
		got = append(got, p.Path)
	}
	want := "metadata.labels spec.hosts[0].role spec.hosts[1].ssh.port"
	if strings.Join(got, " ") != want {
		t.Errorf("paths = %v, want %s\n%s", got, want, render(ps))
	}
}

func TestDecodeProblemsNone(t *testing.T) {
	for name, doc := range map[string]string{
		"example":    string(Example()),
		"not YAML":   "a: [b\n",
		"empty":      "",
		"anchors":    "apiVersion: &v kubeup.dev/v1alpha1\nkind: Cluster\nmetadata: {name: x}\nspec:\n  hosts:\n    - &h {name: a, address: localhost, roles: [ai]}\n",
		"null field": "apiVersion: kubeup.dev/v1alpha1\nkind: Cluster\nspec:\n  etcd: {external: null}\n  sandbox: ~\n",
	} {
		if ps := DecodeProblems([]byte(doc)); len(ps) > 0 {
			t.Errorf("%s: want no problems, got:\n%s", name, render(ps))
		}
	}
}
