// Command smoke is kubeup's end-to-end test workload. In a pod it serves
// HTTP and answers with who it is; the same binary, run with kubectl exec,
// fetches URLs, resolves DNS names and reads and writes files, so tests
// can check pod-to-pod, Service and DNS traffic, volumes and devices from
// inside the cluster (the image holds nothing but this binary).
//
//	smoke serve [-addr :8080] [-drain 0s] answer GET / with "host=... pod=... ip=... node=...";
//	                                     on SIGTERM keep answering for -drain, /healthz failing
//	smoke get [-timeout 5s] [-attempts 1] URL...   fetch each URL, print its body
//	smoke resolve [-timeout 5s] NAME...  resolve each name, print its addresses
//	smoke write FILE TEXT                write TEXT to FILE (created or truncated)
//	smoke read [-max 65536] FILE...      print each file's first bytes; a device
//	                                     with nothing more to read (/dev/kmsg) ends the read
//	smoke version                        print the version
//
// POD_NAME, POD_NAMESPACE, POD_IP and NODE_NAME (from the downward API) are
// included in the answer when set.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// version is stamped at build time (-X main.version=...).
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "smoke:", err)
		os.Exit(1)
	}
}

// run dispatches on the subcommand; no subcommand means serve.
func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		args = []string{"serve"}
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], out)
	case "get":
		return get(ctx, args[1:], out)
	case "resolve":
		return resolve(ctx, args[1:], out)
	case "write":
		return write(args[1:])
	case "read":
		return read(args[1:], out)
	case "version", "-v", "--version", "-version":
		_, err := fmt.Fprintf(out, "smoke %s (kubeup)\n", version)
		return err
	}
	return fmt.Errorf("unknown command %q: use serve, get, resolve, write, read or version", args[0])
}

// identity describes this process: hostname and the downward-API fields.
func identity() string {
	host, _ := os.Hostname()
	parts := []string{"host=" + host}
	for _, kv := range [][2]string{{"pod", "POD_NAME"}, {"namespace", "POD_NAMESPACE"}, {"ip", "POD_IP"}, {"node", "NODE_NAME"}} {
		if v := os.Getenv(kv[1]); v != "" {
			parts = append(parts, kv[0]+"="+v)
		}
	}
	return strings.Join(parts, " ")
}

// serve answers HTTP until ctx is done: / with the identity, /healthz with ok.
func serve(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", ":8080", "listen address")
	drain := fs.Duration("drain", 0, "after SIGTERM, keep answering this long (with /healthz failing) while the endpoint goes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var draining atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		if draining.Load() {
			http.Error(w, "draining", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s client=%s\n", identity(), r.RemoteAddr)
	})
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another server using the port?)", *addr, err)
	}
	fmt.Fprintf(out, "smoke %s serving on %s as %s\n", version, ln.Addr(), identity())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	draining.Store(true)
	time.Sleep(*drain)
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

// get fetches every URL (retrying up to -attempts times) and prints the
// bodies; it fails on the first URL that never answers 200.
func get(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("get", flag.ContinueOnError)
	timeout := fs.Duration("timeout", 5*time.Second, "timeout per attempt")
	attempts := fs.Int("attempts", 1, "attempts per URL, one second apart")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("get: give at least one URL")
	}
	client := &http.Client{Timeout: *timeout}
	for _, u := range fs.Args() {
		body, err := retry(ctx, *attempts, func() (string, error) { return fetch(ctx, client, u) })
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s: %s\n", u, strings.TrimSpace(body))
	}
	return nil
}

// fetch returns the body of a 200 answer to GET u.
func fetch(ctx context.Context, client *http.Client, u string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", fmt.Errorf("get %s: %w", u, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("get %s: %w", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("get %s: read body: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("get %s: status %s", u, resp.Status)
	}
	return string(b), nil
}

// resolve looks up every name and prints its addresses.
func resolve(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("resolve", flag.ContinueOnError)
	timeout := fs.Duration("timeout", 5*time.Second, "timeout per attempt")
	attempts := fs.Int("attempts", 1, "attempts per name, one second apart")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("resolve: give at least one name")
	}
	for _, name := range fs.Args() {
		addrs, err := retry(ctx, *attempts, func() (string, error) {
			c, cancel := context.WithTimeout(ctx, *timeout)
			defer cancel()
			a, err := net.DefaultResolver.LookupHost(c, name)
			if err != nil {
				return "", fmt.Errorf("resolve %s: %w", name, err)
			}
			return strings.Join(a, " "), nil
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s: %s\n", name, addrs)
	}
	return nil
}

// retry calls fn up to n times, one second apart, until it succeeds.
func retry(ctx context.Context, n int, fn func() (string, error)) (string, error) {
	var err error
	for i := 0; i < max(n, 1); i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				return "", errors.Join(err, ctx.Err())
			case <-time.After(time.Second):
			}
		}
		var s string
		if s, err = fn(); err == nil {
			return s, nil
		}
	}
	return "", err
}

// write writes TEXT to FILE, creating or truncating it.
func write(args []string) error {
	if len(args) != 2 {
		return errors.New("write: give a FILE and a TEXT")
	}
	if err := os.WriteFile(args[0], []byte(args[1]), 0o644); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

// read prints the first -max bytes of every file.
func read(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("read", flag.ContinueOnError)
	limit := fs.Int("max", 64<<10, "bytes to print at most per file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("read: give at least one file")
	}
	for _, name := range fs.Args() {
		b, err := readNonBlocking(name, *limit)
		if err != nil {
			return err
		}
		if _, err := out.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// readNonBlocking returns up to limit bytes of a file. It reads with
// plain system calls on a non-blocking descriptor, so that a device that
// has nothing more to give (EAGAIN: /dev/kmsg after its last record) ends
// the read instead of blocking it.
func readNonBlocking(name string, limit int) ([]byte, error) {
	fd, err := syscall.Open(name, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	defer syscall.Close(fd)
	var b []byte
	buf := make([]byte, 8192) // a /dev/kmsg record must fit in one read
	for len(b) < limit {
		n, err := syscall.Read(fd, buf)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN || (err == nil && n == 0):
			return b, nil
		case err != nil:
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		b = append(b, buf[:min(n, limit-len(b))]...)
	}
	return b, nil
}
