package cache

import (
	"path/filepath"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestRoot(t *testing.T) {
	for _, tc := range []struct {
		name, flag string
		env        map[string]string
		want       string
	}{
		{"flag wins", "/x", map[string]string{EnvVar: "/y", "HOME": "/h"}, "/x"},
		{"env", "", map[string]string{EnvVar: "/y", "HOME": "/h"}, "/y"},
		{"xdg", "", map[string]string{"XDG_CACHE_HOME": "/xdg", "HOME": "/h"}, "/xdg/kubeup"},
		{"home", "", map[string]string{"HOME": "/h"}, "/h/.cache/kubeup"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Root(tc.flag, env(tc.env))
			if err != nil || got != tc.want {
				t.Errorf("Root = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	if _, err := Root("", env(nil)); err == nil {
		t.Error("Root with no HOME: want an error")
	}
	if got, _ := Root("rel", env(nil)); !filepath.IsAbs(got) {
		t.Errorf("Root(rel) = %q, want absolute", got)
	}
}

func TestLayout(t *testing.T) {
	l := Layout{Root: "/c"}
	for got, want := range map[string]string{
		l.Artifacts("v1.34.4", "amd64"):         "/c/artifacts/v1.34.4/amd64",
		l.Component("etcd", "v3.6.5", "amd64"):  "/c/components/etcd/v3.6.5/amd64",
		l.Source("kubernetes", "v1.34.4"):       "/c/src/kubernetes/v1.34.4",
		l.Log("kubernetes", "v1.34.4", "amd64"): "/c/logs/kubernetes-v1.34.4-amd64.log",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func TestLockExcludes(t *testing.T) {
	l := Layout{Root: t.TempDir()}
	unlock, err := l.Lock("build")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan struct{})
	go func() {
		u, err := l.Lock("build")
		if err == nil {
			u()
		}
		close(got)
	}()
	select {
	case <-got:
		t.Fatal("second Lock did not wait")
	case <-time.After(100 * time.Millisecond):
	}
	unlock()
	select {
	case <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("second Lock never got the lock")
	}
}
