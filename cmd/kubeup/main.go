// Command kubeup deploys, converges and tears down Kubernetes clusters on
// hosts reached over SSH.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"kubeup.dev/kubeup/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
