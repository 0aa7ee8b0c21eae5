package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

func TestServeGetResolve(t *testing.T) {
	t.Setenv("POD_NAME", "smoke-0")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "-addr", addr}, &bytes.Buffer{}) }()

	var out bytes.Buffer
	if err := run(context.Background(), []string{"get", "-attempts", "20", "http://" + addr + "/", "http://" + addr + "/healthz"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "pod=smoke-0") || !strings.Contains(out.String(), "/healthz: ok") {
		t.Errorf("get output %q", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"resolve", "localhost"}, &out); err != nil || !strings.Contains(out.String(), "127.0.0.1") {
		t.Errorf("resolve localhost: %v, %q", err, out.String())
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	for _, args := range [][]string{
		{"nope"},
		{"get"},
		{"resolve"},
		{"get", "-timeout", "200ms", "http://127.0.0.1:1/"},
		{"resolve", "-timeout", "1s", "name.invalid"},
	} {
		if err := run(ctx, args, &bytes.Buffer{}); err == nil {
			t.Errorf("%v: want an error", args)
		}
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"version"}, &out); err != nil || out.String() != "smoke dev (kubeup)\n" {
		t.Errorf("version: %v, %q", err, out.String())
	}
}
