package fetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestDownloadPinned(t *testing.T) {
	s := newReleaseServer(t)
	body := []byte("busybox release tarball")
	s.files["/pool/busybox.tar.bz2"] = body
	sum := sha256.Sum256(body)
	want := hex.EncodeToString(sum[:])
	o := Options{Retries: 1, Backoff: time.Millisecond, Sleep: func(context.Context, time.Duration) error { return nil }}
	dst := filepath.Join(t.TempDir(), "busybox-1.37.0.tar.bz2")
	url := s.URL + "/pool/busybox.tar.bz2"
	if err := DownloadPinned(context.Background(), o, "busybox", url, want, dst); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(dst); err != nil || string(got) != string(body) {
		t.Fatalf("downloaded %q, %v", got, err)
	}
	delete(s.files, "/pool/busybox.tar.bz2")
	if err := DownloadPinned(context.Background(), o, "busybox", url, want, dst); err != nil {
		t.Errorf("a file already there with the pinned sha256 was fetched again: %v", err)
	}
	s.files["/pool/other"] = []byte("not the release")
	var ce *ChecksumError
	err := DownloadPinned(context.Background(), o, "busybox", s.URL+"/pool/other", want, filepath.Join(t.TempDir(), "x"))
	if !errors.As(err, &ce) || ce.Source != "busybox" {
		t.Errorf("a file with another sha256: %v, want a ChecksumError naming busybox", err)
	}
}
