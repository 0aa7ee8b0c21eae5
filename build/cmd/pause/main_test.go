package main

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// TestPauseExitsOnSIGTERM runs the test binary as pause (helper process)
// and stops it.
func TestPauseExitsOnSIGTERM(t *testing.T) {
	if os.Getenv("PAUSE_HELPER") == "1" {
		os.Exit(run())
	}
	cmd := exec.Command(os.Args[0], "-test.run=TestPauseExitsOnSIGTERM")
	cmd.Env = append(os.Environ(), "PAUSE_HELPER=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // let it install its signal handler
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("pause exited with %v, want 0", err)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("pause did not exit on SIGTERM")
	}
}

func TestReapCollectsZombies(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // it exits: a zombie until reaped
	reap()
	if _, err := cmd.Process.Wait(); err == nil {
		t.Error("the child was not reaped")
	}
}
