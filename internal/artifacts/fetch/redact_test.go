package fetch

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"kubeup.dev/kubeup/internal/progress"
)

// withUserinfo puts userinfo into an http:// URL.
func withUserinfo(u, userinfo string) string {
	return strings.Replace(u, "http://", "http://"+userinfo+"@", 1)
}

// TestMirrorCredentialsNeverShown: a mirror URL's user and password are
// sent to the mirror (basic auth) but appear in no error and no progress
// line, whatever goes wrong.
func TestMirrorCredentialsNeverShown(t *testing.T) {
	var mu sync.Mutex
	var auths []string
	status := http.StatusInternalServerError
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		auths = append(auths, r.Header.Get("Authorization"))
		w.WriteHeader(status)
	}))
	defer srv.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	for _, tt := range []struct {
		name, base string
		status     int
		auth       string // what the mirror must get as basic auth; "": no request
	}{
		{"server error, retried", withUserinfo(srv.URL, "ci-user:hunter22"), http.StatusInternalServerError, "ci-user:hunter22"},
		{"not found", withUserinfo(srv.URL, "ci-user:hunter22"), http.StatusNotFound, "ci-user:hunter22"},
		{"a token as the user", withUserinfo(srv.URL, "hunter22"), http.StatusServiceUnavailable, "hunter22:"},
		{"connection refused", withUserinfo(closed.URL, "ci-user:hunter22"), 0, ""},
		{"a URL that does not parse", withUserinfo(srv.URL, "ci-user:hunter22/x"), 0, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			status, auths = tt.status, nil
			mu.Unlock()
			var out bytes.Buffer
			o := Options{KubernetesVersion: testK8s, CacheRoot: t.TempDir(), Sources: []string{SourceEtcd}, Retries: 2,
				Mirrors:  map[string]string{SourceEtcd: tt.base + "/etcd"},
				Progress: progress.New(&lockedWriter{w: &out}, progress.Options{}),
				Sleep:    func(ctx context.Context, _ time.Duration) error { return ctx.Err() }}
			_, err := Fetch(context.Background(), o)
			if err == nil {
				t.Fatal("Fetch succeeded")
			}
			for _, text := range []string{err.Error(), out.String()} {
				if strings.Contains(text, "hunter22") || strings.Contains(text, "ci-user") {
					t.Errorf("credentials shown:\n%s", text)
				}
			}
			if !strings.Contains(err.Error(), "REDACTED@") {
				t.Errorf("the error does not name the URL: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if want := "Basic " + base64.StdEncoding.EncodeToString([]byte(tt.auth)); tt.auth != "" && (len(auths) == 0 || auths[0] != want) {
				t.Errorf("the mirror got Authorization %q, want %q", auths, want)
			}
		})
	}
}

// TestChecksumErrorHidesCredentials: a corrupt download from a mirror
// with credentials names the mirror, not its password.
func TestChecksumErrorHidesCredentials(t *testing.T) {
	s := newReleaseServer(t)
	sums := s.release(t)
	s.corrupt["/etcd-io/etcd/releases/download/v3.6.5/etcd-v3.6.5-linux-amd64.tar.gz"] = true
	o, out, _ := testOptions(t, s, sums)
	o.Sources = []string{SourceEtcd}
	o.Mirrors[SourceEtcd] = withUserinfo(o.Mirrors[SourceEtcd], "ci-user:hunter22")
	_, err := Fetch(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Fatalf("want a checksum mismatch, got %v", err)
	}
	if text := err.Error() + out.String(); strings.Contains(text, "hunter22") || strings.Contains(text, "ci-user") {
		t.Errorf("credentials shown:\n%s", text)
	}
	if _, err := Bases(map[string]string{SourceEtcd: "ftp://ci-user:hunter22@m/etcd"}); err == nil || strings.Contains(err.Error(), "hunter22") {
		t.Errorf("Bases: %v", err)
	}
	if _, _, err := ParseMirror("https://ci-user:hunter22@m/etcd"); err == nil || strings.Contains(err.Error(), "hunter22") {
		t.Errorf("ParseMirror: %v", err)
	}
}
