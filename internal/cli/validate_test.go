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
	want := path + " is valid: cluster solo, 1 host, Kubernetes v1.34.4\n"
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
	want := `error: spec.kubernetesVersion: Kubernetes v1.30.0 is not supported: use v1.32 to v1.36
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
	if err := os.WriteFile(key, nil, 0o600); err != nil {
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
    - {name: b, address: 10.0.0.2, roles: [i]}
  etcd: {external: {caFile: ca.crt, certFile: ./c.crt, keyFile: ~/c.key}}
  artifacts: {bundle: b/bundle.tar}
`)
	c, err := loadSpec(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(path)
	s := c.Spec
	got := []string{s.Hosts[0].SSH.KeyPath, s.Hosts[0].SSH.KnownHostsPath, s.Hosts[1].SSH.KeyPath,
		s.Etcd.External.CAFile, s.Etcd.External.CertFile, s.Etcd.External.KeyFile, s.Artifacts.Bundle}
	want := []string{filepath.Join(dir, "k"), "/etc/kh", "~/.ssh/id_ed25519",
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
