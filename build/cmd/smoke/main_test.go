package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
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
		{"write", "only-a-file"},
		{"write", "/nonexistent-dir/f", "x"},
		{"read"},
		{"read", "/nonexistent-dir/f"},
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

func TestWriteRead(t *testing.T) {
	ctx := context.Background()
	f := filepath.Join(t.TempDir(), "f")
	if err := run(ctx, []string{"write", f, "from-pod"}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"read", f, f}, &out); err != nil || out.String() != "from-podfrom-pod" {
		t.Errorf("read twice: %v, %q", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"read", "-max", "4", f}, &out); err != nil || out.String() != "from" {
		t.Errorf("read -max 4: %v, %q", err, out.String())
	}
}

// TestReadDoesNotBlock: a descriptor with nothing to read yet (an empty
// pipe, like /dev/kmsg after its last record) ends the read.
func TestReadDoesNotBlock(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no fifo:", err)
	}
	w, err := os.OpenFile(fifo, os.O_RDWR, 0) // keeps a writer, so a read would block
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.WriteString("record\n"); err != nil {
		t.Fatal(err)
	}
	done := make(chan string, 1)
	go func() {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"read", fifo}, &out); err != nil {
			t.Error(err)
		}
		done <- out.String()
	}()
	select {
	case got := <-done:
		if got != "record\n" {
			t.Errorf("read = %q, want the one record", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("read blocks on a descriptor with nothing more to read")
	}
}
