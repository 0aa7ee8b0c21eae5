package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const soloSpec = `apiVersion: kubeup.dev/v1alpha1
kind: Cluster
metadata: {name: solo}
spec:
  hosts:
    - {name: solo, address: localhost, roles: [ai]}
`

func TestValidateValid(t *testing.T) {
	fakeHome(t)
	path := writeSpecFile(t, soloSpec)
	code, out, errOut := runCLI(t, "validate", "-f", path)
	if code != ExitOK || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	want := path + " is valid: cluster solo, 1 host, Kubernetes v1.37.2\n"
	if out != want {
		t.Errorf("stdout = %q, want %q", out, want)
	}
}

func TestValidateWarningsExitZero(t *testing.T) {
	fakeHome(t)
	path := writeSpecFile(t, strings.Replace(soloSpec, "[ai]", "[a]", 1))
	code, out, _ := runCLI(t, "validate", "--file", path)
	if code != ExitOK {
		t.Fatalf("exit %d, want 0 with warnings\n%s", code, out)
	}
	if !strings.Contains(out, "warning: spec.hosts: no host has the worker role") || !strings.HasSuffix(out, "(1 warning)\n") {
		t.Errorf("stdout:\n%s", out)
	}
}

func TestValidateInvalid(t *testing.T) {
	fakeHome(t)
	path := writeSpecFile(t, `apiVersion: kubeup.dev/v1alpha1
kind: Cluster
metadata: {name: bad}
spec:
  kubernetesVersion: v1.30.0
  hosts:
    - {name: node1, address: 192.168.10.11, roles: [control-plane, etcd, worker]}
    - {name: node2, address: 10.0.0, roles: [worker]}
    - {name: node3, address: 192.168.10.13, roles: [etcd]}
`)
	code, out, errOut := runCLI(t, "validate", "-f", path)
	if code != ExitInvalid {
		t.Fatalf("exit %d, want %d\n%s%s", code, ExitInvalid, out, errOut)
	}
	want := `error: spec.kubernetesVersion: kubernetes v1.30.0 is not known to this kubeup: it knows 1.34 to 1.37 (default v1.37.2)
error: spec.hosts[1].address: "10.0.0" is not an IP address or DNS name
warning: spec.hosts: 2 hosts have the etcd role: an even count tolerates no more failures than 1 would; use 1 or 3
` + path + " is invalid: 2 errors, 1 warning\n"
	if out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
	if errOut != "" {
		t.Errorf("stderr = %q, want nothing", errOut)
	}
}

func TestValidateMissingKey(t *testing.T) {
	home := fakeHome(t)
	path := writeSpecFile(t, strings.Replace(soloSpec, "address: localhost", "address: 10.1.1.1, ssh: {keyPath: ~/.ssh/other}", 1))
	code, out, _ := runCLI(t, "validate", "-f", path)
	want := "error: spec.hosts[0].ssh.keyPath: SSH key " + filepath.Join(home, ".ssh/other") + " does not exist"
	if code != ExitInvalid || !strings.Contains(out, want) {
		t.Errorf("exit %d, stdout:\n%s\nwant a line starting %q", code, out, want)
	}
}

func TestValidateKeyRelativeToSpec(t *testing.T) {
	fakeHome(t)
	path := writeSpecFile(t, strings.Replace(soloSpec, "address: localhost", "address: 10.1.1.1, ssh: {keyPath: keys/id}", 1))
	key := filepath.Join(filepath.Dir(path), "keys", "id")
	if err := os.MkdirAll(filepath.Dir(key), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, testPrivateKey(t), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := runCLI(t, "validate", "-f", path); code != ExitOK {
		t.Errorf("exit %d\n%s", code, out)
	}
	c, err := loadSpec(path)
	if err != nil || c.Spec.Hosts[0].SSH.KeyPath != key {
		t.Errorf("loadSpec: keyPath = %q (%v), want %q", c.Spec.Hosts[0].SSH.KeyPath, err, key)
	}
}

func TestLoadSpecResolvesRelativePaths(t *testing.T) {
	path := writeSpecFile(t, `apiVersion: kubeup.dev/v1alpha1
kind: Cluster
metadata: {name: x}
spec:
  hosts:
    - {name: a, address: 10.0.0.1, roles: [ai], ssh: {keyPath: k, knownHostsPath: /etc/kh}}
    - {name: b, address: 10.0.0.2, roles: [i], ssh: {user: deploy, sudoPasswordFile: pw}}
  etcd: {external: {caFile: ca.crt, certFile: ./c.crt, keyFile: ~/c.key}}
  artifacts: {bundle: b/bundle.tar}
`)
	c, err := loadSpec(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(path)
	s := c.Spec
	got := []string{s.Hosts[0].SSH.KeyPath, s.Hosts[0].SSH.KnownHostsPath, s.Hosts[1].SSH.SudoPasswordFile,
		s.Etcd.External.CAFile, s.Etcd.External.CertFile, s.Etcd.External.KeyFile, s.Artifacts.Bundle}
	want := []string{filepath.Join(dir, "k"), "/etc/kh", filepath.Join(dir, "pw"),
		filepath.Join(dir, "ca.crt"), filepath.Join(dir, "c.crt"), "~/c.key", filepath.Join(dir, "b/bundle.tar")}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("paths:\n got %v\nwant %v", got, want)
	}
}

func TestValidateUnknownFields(t *testing.T) {
	fakeHome(t)
	path := writeSpecFile(t, `apiVersion: kubeup.dev/v1alpha1
kind: Cluster
metadata: {name: solo}
spec:
  hosts:
    - name: solo
      adress: localhost
      roles: [ai]
  network:
    podCidr: 10.244.0.0/16
`)
	code, out, errOut := runCLI(t, "validate", "-f", path)
	if code != ExitInvalid {
		t.Fatalf("exit %d, want %d\n%s%s", code, ExitInvalid, out, errOut)
	}
	want := `error: spec.hosts[0].adress: line 7: unknown field: did you mean "address"?
error: spec.network.podCidr: line 10: unknown field: did you mean "podCIDR"?
` + path + " is invalid: 2 errors\n"
	if out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
}

func TestValidateNotYAML(t *testing.T) {
	path := writeSpecFile(t, "spec: [unclosed\n")
	code, _, errOut := runCLI(t, "validate", "-f", path)
	if code != ExitInvalid || !strings.Contains(errOut, "error: spec "+path+": invalid YAML") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

func TestValidateFileErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no -f", []string{"validate"}, ExitUsage, "no spec file: pass -f cluster.yaml"},
		{"missing file", []string{"validate", "-f", filepath.Join(t.TempDir(), "none.yaml")}, ExitInvalid, "does not exist: write one with kubeup init"},
		{"empty file", []string{"validate", "-f", writeSpecFile(t, "")}, ExitInvalid, "the spec is empty"},
		{"unknown flag", []string{"validate", "--nope"}, ExitUsage, "unknown flag: --nope"},
		{"extra argument", []string{"validate", "-f", "x.yaml", "y.yaml"}, ExitUsage, "accepts 0 arg(s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.msg) {
				t.Errorf("exit %d, stderr %q; want exit %d containing %q", code, errOut, tt.code, tt.msg)
			}
		})
	}
}

func TestLoadValidSpec(t *testing.T) {
	fakeHome(t)
	var warnings bytes.Buffer
	c, err := loadValidSpec(&warnings, writeSpecFile(t, strings.Replace(soloSpec, "[ai]", "[a]", 1)))
	if err != nil || c.Metadata.Name != "solo" {
		t.Fatalf("loadValidSpec: %v", err)
	}
	if !strings.HasPrefix(warnings.String(), "warning: spec.hosts: no host has the worker role") {
		t.Errorf("warnings = %q", warnings.String())
	}
	path := writeSpecFile(t, strings.Replace(soloSpec, "localhost", "10.0.0", 1))
	_, err = loadValidSpec(&warnings, path)
	want := path + `: spec.hosts[0].address: "10.0.0" is not an IP address or DNS name`
	if ee, ok := err.(*ExitError); !ok || ee.Code != ExitInvalid || err.Error() != want {
		t.Errorf("err = %v, want ExitInvalid %q", err, want)
	}
}

// TestValidateRefusesBadInputs runs kubeup validate on inputs a careless
// operator writes: each exits 3 and names the field (or line) and the fix.
// internal/spec's table holds the full list; these prove the command.
func TestValidateRefusesBadInputs(t *testing.T) {
	home := fakeHome(t)
	dir := t.TempDir()
	for name, content := range map[string][]byte{"empty": nil, "id.pub": []byte("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG user@host\n")} {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	key := func(k string) string {
		return strings.Replace(twoHosts, "roles: [i]}", "roles: [i], ssh: {keyPath: "+k+"}}", 1)
	}
	tests := []struct {
		name, doc, want string
	}{
		{"kind Pod", "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec: {containers: []}\n", "error: kind: line 2: kind Pod is not supported: kubeup reads kind Cluster"},
		{"tab", strings.Replace(twoHosts, "    - {name: n2", "\t- {name: n2", 1), "invalid YAML: line 7: a tab indents this line: YAML indents with spaces only"},
		{"unclosed quote", strings.Replace(twoHosts, "address: 10.0.0.2", `address: "10.0.0.2`, 1), `invalid YAML: line 7: the value opened with " is not closed on its line`},
		{"null host", strings.Replace(twoHosts, "    - {name: n2", "    - null\n    - {name: n2", 1), "error: spec.hosts[1]: line 7: an empty list item"},
		{"port 0", strings.Replace(twoHosts, "roles: [i]}", "roles: [i], ssh: {port: 0}}", 1), `error: spec.hosts[1].ssh.port: line 7: "0" makes no sense here: use a port from 1 to 65535, or leave port out for the default 22`},
		{"empty string", twoHosts + "  network: {dnsDomain: \"\"}\n", `error: spec.network.dnsDomain: line 8: "" makes no sense here: write a value, or leave dnsDomain out for the default cluster.local`},
		{"mirror password", twoHosts + "  artifacts: {source: release, mirrors: {etcd: \"ftp://u:hunter22@m/etcd\"}}\n", `error: spec.artifacts.mirrors[etcd]: "ftp://REDACTED@m/etcd" is not an http(s) URL`},
		{"multicast", strings.Replace(twoHosts, "10.0.0.2", "224.0.0.2", 1), "error: spec.hosts[1].address: 224.0.0.2 is a multicast address"},
		{"loopback", strings.Replace(twoHosts, "10.0.0.2", "127.0.0.1", 1), "error: spec.hosts[1].address: 127.0.0.1 names this machine only"},
		{"IPv4-mapped duplicate", strings.Replace(twoHosts, "10.0.0.2", `"::ffff:10.0.0.1"`, 1), `error: spec.hosts[1].address: address "10.0.0.1" is also used by spec.hosts[0]`},
		{"bracketed endpoint", twoHosts + "  controlPlane: {endpoint: \"[fd00::100]\"}\n", `error: spec.controlPlane.endpoint: "[fd00::100]" is bracketed without a port`},
		{"endpoint 0.0.0.0", twoHosts + "  controlPlane: {endpoint: \"0.0.0.0:6443\"}\n", "error: spec.controlPlane.endpoint: \"0.0.0.0:6443\": 0.0.0.0 is the unspecified address"},
		{"key a directory", key(dir), "error: spec.hosts[1].ssh.keyPath: SSH key " + dir + " is a directory"},
		{"key empty", key(filepath.Join(dir, "empty")), "is empty: set keyPath to a private key"},
		{"key public", key(filepath.Join(dir, "id.pub")), "holds a public key: set keyPath to the private key"},
		{"bundle a directory", twoHosts + "  artifacts: {source: bundle, bundle: " + dir + "}\n", "error: spec.artifacts.bundle: bundle " + dir + " is a directory"},
		{"etcd CA a key", strings.Replace(twoHosts, "[ai]", "[control-plane, worker]", 1) + "  etcd: {external: {endpoints: [\"https://e:2379\"], caFile: " +
			filepath.Join(home, ".ssh", "id_ed25519") + ", certFile: c, keyFile: k}}\n", "error: spec.etcd.external.caFile: etcd CA file " + filepath.Join(home, ".ssh", "id_ed25519") + " holds a PEM OPENSSH PRIVATE KEY block, not a CERTIFICATE"},
		{"extra arg with =", twoHosts + "  controlPlane: {apiServerExtraArgs: {\"anonymous-auth=true\": \"\"}}\n", `holds '=': write the flag name as the key and its value as the value, such as anonymous-auth: "true"`},
		{"line break", twoHosts + "  controlPlane: {apiServerExtraArgs: {v: \"2\\n--anonymous-auth=true\"}}\n", "error: spec.controlPlane.apiServerExtraArgs[v]: \"2\\n--anonymous-auth=true\" holds a line break"},
		{"10 MB value", strings.Replace(twoHosts, "10.0.0.2", strings.Repeat("x", 10<<20), 1), "error: spec.hosts[1].address: \"xxxx"},
		{"anonymous auth", twoHosts + "  controlPlane: {apiServerExtraArgs: {anonymous-auth: \"true\"}}\n",
			"error: spec.controlPlane.apiServerExtraArgs[anonymous-auth]: --anonymous-auth=true weakens a setting kubeup makes for security (CIS 1.2.1: "},
		{"controller manager bind address", twoHosts + "  controlPlane: {controllerManagerExtraArgs: {bind-address: 0.0.0.0}}\n",
			"to accept the risk, move it to spec.controlPlane.controllerManagerUnsafeExtraArgs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "validate", "-f", writeSpecFile(t, tt.doc))
			if code != ExitInvalid || !strings.Contains(out+errOut, tt.want) {
				t.Errorf("exit %d, want %d and a line containing %q; got:\n%s%s", code, ExitInvalid, tt.want, head(out, 2000), head(errOut, 2000))
			}
			if n := len(out) + len(errOut); n > 4000 {
				t.Errorf("%d bytes of output: a value was repeated whole", n)
			}
		})
	}
}

// twoHosts is a valid spec of two IPv4 hosts, the last line a host.
const twoHosts = `apiVersion: kubeup.dev/v1alpha1
kind: Cluster
metadata: {name: two}
spec:
  hosts:
    - {name: n1, address: 10.0.0.1, roles: [ai]}
    - {name: n2, address: 10.0.0.2, roles: [i]}
`

// head returns at most the first n bytes of s.
func head(s string, n int) string { return s[:min(n, len(s))] }

func TestValidateTwoHostsIsValid(t *testing.T) {
	fakeHome(t)
	if code, out, errOut := runCLI(t, "validate", "-f", writeSpecFile(t, twoHosts)); code != ExitOK {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
}

// TestValidateWarnsOfUnsafeExtraArgs: an unsafe extra arg validates, with
// a warning naming its CIS item.
func TestValidateWarnsOfUnsafeExtraArgs(t *testing.T) {
	fakeHome(t)
	doc := twoHosts + "  controlPlane: {apiServerUnsafeExtraArgs: {profiling: \"true\"}}\n"
	code, out, errOut := runCLI(t, "validate", "-f", writeSpecFile(t, doc))
	want := "warning: spec.controlPlane.apiServerUnsafeExtraArgs[profiling]: unsafe: --profiling=true weakens a setting kubeup makes for security (CIS 1.2.16: "
	if code != ExitOK || !strings.Contains(out, want) || !strings.Contains(out, "(1 warning)") {
		t.Errorf("exit %d, want 0 and %q; got:\n%s%s", code, want, out, errOut)
	}
}
