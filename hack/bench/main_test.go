package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSetModeReplacesTheSandboxSpecsMode(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s.yaml")
	doc := "spec:\n  network:\n    mode: x\n  controlPlane:\n    endpoint: \"\"\n    mode: systemd\n  etcd:\n    external: null\n"
	if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := setMode(p, "static-pods"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	want := "spec:\n  network:\n    mode: x\n  controlPlane:\n    endpoint: \"\"\n    mode: static-pods\n  etcd:\n    external: null\n"
	if string(b) != want {
		t.Errorf("got\n%s", b)
	}
	if err := os.WriteFile(p, []byte("spec:\n  controlPlane:\n    endpoint: \"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := setMode(p, "static-pods"); err == nil {
		t.Error("a spec without mode was accepted")
	}
}
