// Command pause is the pod sandbox process: it holds a pod's namespaces
// open, sleeps until SIGINT or SIGTERM, and reaps the zombie children it
// inherits as PID 1 of a pod with a shared process namespace. It is
// kubeup's Go counterpart of Kubernetes' pause.c.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// version is stamped at build time (-X main.version=...).
var version = "dev"

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "-v", "--version", "version":
			fmt.Printf("pause %s (kubeup)\n", version)
			return
		default:
			fmt.Fprintf(os.Stderr, "pause: unknown argument %q (only -v)\n", os.Args[1])
			os.Exit(2)
		}
	}
	os.Exit(run())
}

// run waits for a shutdown signal, reaping children on SIGCHLD, and returns
// the exit code.
func run() int {
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for sig := range sigs {
		if sig == syscall.SIGCHLD {
			reap()
			continue
		}
		fmt.Fprintf(os.Stderr, "pause: shutting down, got signal %v\n", sig)
		return 0
	}
	return 0
}

// reap collects every exited child without blocking.
func reap() {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
	}
}
