package spec

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"":                                     "",
		"https://mirror.example.com/k8s":       "https://mirror.example.com/k8s",
		"https://user:pass@mirror.example.com": "https://REDACTED@mirror.example.com",
		"https://user:s3cret@mirror.example.com:8443/k8s/release?x=1":    "https://REDACTED@mirror.example.com:8443/k8s/release?x=1",
		"http://ghp_token@github.example.com/releases":                   "http://REDACTED@github.example.com/releases",
		"https://u:p%40ss@m.example.com":                                 "https://REDACTED@m.example.com",
		"https://u:p/ss@m.example.com/x":                                 "https://REDACTED@m.example.com/x", // does not parse: still hidden
		"https://u:p@ss@m.example.com":                                   "https://REDACTED@m.example.com",
		"user:pass@host":                                                 "user:pass@host", // not a URL
		"admin@bastion.example.com":                                      "admin@bastion.example.com",
		`download https://u:pw@m.example.com/etcd.tgz: server said 401`:  "download https://REDACTED@m.example.com/etcd.tgz: server said 401",
		`mirror etcd="ftp://u:pw@m/etcd": not an http(s) URL`:            `mirror etcd="ftp://REDACTED@m/etcd": not an http(s) URL`,
		"a https://a:b@h1/x and https://c:d@h2/y":                        "a https://REDACTED@h1/x and https://REDACTED@h2/y",
		"https://h/x and then mail@example.com":                          "https://h/x and then mail@example.com",
		"--oidc-issuer-url=https://issuer.example.com --x=https://u:p@h": "--oidc-issuer-url=https://issuer.example.com --x=https://REDACTED@h",
		"https://REDACTED@mirror.example.com":                            "https://REDACTED@mirror.example.com",
		"tcp://[fd00::1]:2379 https://u:p@[fd00::2]:2379":                "tcp://[fd00::1]:2379 https://REDACTED@[fd00::2]:2379",
		"https://a:b@h1,https://c:d@h2":                                  "https://REDACTED@h2", // one token: hides too much, never too little
		"line 9: \"https://u:p@m\\n\" holds a line break":                "line 9: \"https://REDACTED@m\\n\" holds a line break",
		"<https://u:p@m.example.com>":                                    "<https://REDACTED@m.example.com>",
		"https://u:p@m.example.com\nhttps://v:q@n.example.com":           "https://REDACTED@m.example.com\nhttps://REDACTED@n.example.com",
		"'https://u:p@m.example.com'":                                    "'https://REDACTED@m.example.com'",
		"`https://u:p@m.example.com`":                                    "`https://REDACTED@m.example.com`",
		"https://@m.example.com":                                         "https://REDACTED@m.example.com",
		"://@":                                                           "://REDACTED@",
		"https://m.example.com/@scope/pkg":                               "https://REDACTED@scope/pkg", // an @ in a path: hidden too
		"user@https://":                                                  "user@https://",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactURLLinear(t *testing.T) {
	for _, s := range []string{strings.Repeat("://", 3<<20), strings.Repeat("://@", 3<<20), strings.Repeat("https://u:p@h ", 1<<20)} {
		start := time.Now()
		out := RedactURL(s)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%d bytes took %s", len(s), d)
		}
		if strings.Contains(out, "u:p") {
			t.Errorf("a password is left")
		}
	}
}

func TestRedacted(t *testing.T) {
	c := &Cluster{APIVersion: APIVersion, Kind: Kind, Metadata: Metadata{Name: "demo"}, Spec: Spec{
		Hosts: []Host{{Name: "n1", Address: "10.0.0.1", Roles: []Role{RoleControlPlane}, SSH: SSH{User: "root", ProxyJump: "ops@bastion"}}},
		ControlPlane: ControlPlane{
			Endpoint:           "lb.example.com:6443",
			APIServerExtraArgs: map[string]string{"oidc-issuer-url": "https://issuer:secret1@issuer.example.com", "event-ttl": "2h"},
		},
		Etcd: Etcd{External: &ExternalEtcd{Endpoints: []string{"https://root:secret2@etcd.example.com:2379", "https://etcd2.example.com:2379"}}},
		Artifacts: Artifacts{Source: "release", Mirrors: map[string]string{
			"kubernetes": "https://ci:secret3@mirror.example.com/release",
			"etcd":       "https://mirror.example.com/etcd",
		}},
		Sandbox: &SandboxHosts{Nameservers: []string{"1.1.1.1"}, CreateKmsg: true},
	}}
	SetDefaults(c)
	before, err := Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	r := Redacted(c)
	after, err := Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if string(before) != string(after) {
		t.Fatalf("Redacted changed its argument:\n%s", after)
	}
	b, err := Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"secret1", "secret2", "secret3", "issuer:", "root:", "ci:"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("%q is left in:\n%s", secret, b)
		}
	}
	if r.Spec.Artifacts.Mirrors["kubernetes"] != "https://REDACTED@mirror.example.com/release" ||
		r.Spec.Etcd.External.Endpoints[0] != "https://REDACTED@etcd.example.com:2379" ||
		r.Spec.ControlPlane.APIServerExtraArgs["oidc-issuer-url"] != "https://REDACTED@issuer.example.com" {
		t.Errorf("not redacted where expected:\n%s", b)
	}
	// Everything without a credential is as it was.
	r.Spec.Artifacts.Mirrors["kubernetes"] = c.Spec.Artifacts.Mirrors["kubernetes"]
	r.Spec.Etcd.External.Endpoints[0] = c.Spec.Etcd.External.Endpoints[0]
	r.Spec.ControlPlane.APIServerExtraArgs["oidc-issuer-url"] = c.Spec.ControlPlane.APIServerExtraArgs["oidc-issuer-url"]
	if !reflect.DeepEqual(r, c) {
		t.Errorf("Redacted changed more than credentials:\n%s", b)
	}
	if r.Spec.Etcd.External == c.Spec.Etcd.External || &r.Spec.Hosts[0] == &c.Spec.Hosts[0] || r.Spec.Sandbox == c.Spec.Sandbox {
		t.Error("Redacted shares memory with its argument")
	}
}

// TestMessagesRedactURLs: a problem that repeats a URL never repeats its
// password.
func TestMessagesRedactURLs(t *testing.T) {
	for _, doc := range []string{
		threeDoc("  artifacts: {source: release, mirrors: {etcd: \"ftp://u:hunter22@m/etcd\"}}\n"),
		threeDoc("  artifacts: {source: release, mirrors: {etcd: \"https://u:hunter22@/etcd\"}}\n"),
		threeDoc("  artifacts: {source: release, mirrors: {etcd: \"https://u:hunter22@m/etcd\\n\"}}\n"),
		threeDoc("  artifacts: {source: release, mirrors: {etcd: [\"https://u:hunter22@m/etcd\"]}}\n"),
		externalDoc(`endpoints: ["https://u:hunter22@etcd.example.com:2379"], caFile: /etc/etcd/ca.crt, certFile: etcd/client.crt, keyFile: ~/etcd/client.key`),
		externalDoc(`endpoints: ["http://u:hunter22@etcd.example.com:2379"], caFile: /etc/etcd/ca.crt, certFile: etcd/client.crt, keyFile: ~/etcd/client.key`),
	} {
		ps := specProblems(doc, testOptions())
		if !ps.HasErrors() {
			t.Errorf("no error for:\n%s", doc)
		}
		if text := render(ps); strings.Contains(text, "hunter22") {
			t.Errorf("a password is repeated:\n%s", text)
		}
	}
}
