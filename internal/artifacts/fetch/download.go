package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"kubeup.dev/kubeup/internal/progress"
	"kubeup.dev/kubeup/internal/spec"
)

// downloader fetches URLs with retries, backoff and HTTP Range resumption.
type downloader struct {
	client     *http.Client
	userAgent  string
	retries    int           // failed attempts in a row without progress
	backoff    time.Duration // first wait; doubles up to maxBackoff
	maxBackoff time.Duration
	stall      time.Duration // an attempt that reads nothing this long fails
	sleep      func(context.Context, time.Duration) error
	progress   *progress.Display
}

// permanentError is a failure that retrying cannot fix (404, bad range).
type permanentError struct{ error }

func (e permanentError) Unwrap() error { return e.error }

// toPart downloads url into part, resuming from the bytes part already
// holds, until the server has sent the whole file. name labels progress.
// On success it returns the transfer still open, for the caller to end
// once it has verified the file; on failure the transfer is ended.
func (d *downloader) toPart(ctx context.Context, url, part, name string) (*progress.Transfer, error) {
	var tr *progress.Transfer
	failures := 0
	for {
		offset, err := fileSize(part)
		if err != nil {
			return nil, err
		}
		n, err := d.attempt(ctx, url, part, offset, name, &tr)
		if err == nil {
			return tr, nil
		}
		if ctx.Err() != nil || errors.As(err, new(permanentError)) {
			tr.Done(err)
			return nil, err
		}
		if n > 0 {
			failures = 0
		}
		failures++
		if failures > d.retries {
			err = fmt.Errorf("%w (gave up after %d attempts without progress)", err, failures)
			tr.Done(err)
			return nil, err
		}
		wait := d.wait(failures)
		tr.Retry(wait, err)
		if err := d.sleep(ctx, wait); err != nil {
			tr.Done(err)
			return nil, err
		}
	}
}

// wait is the backoff before retry number failures (1, 2 ...).
func (d *downloader) wait(failures int) time.Duration {
	w := d.backoff
	for i := 1; i < failures && w < d.maxBackoff; i++ {
		w *= 2
	}
	return min(w, d.maxBackoff)
}

// attempt makes one request for the bytes of url after offset and appends
// them to part. It returns how many bytes it wrote. *tr is started on the
// first response, when the size is known.
func (d *downloader) attempt(ctx context.Context, url, part string, offset int64, name string, tr **progress.Transfer) (int64, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	resp, err := d.do(ctx, url, offset)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	offset, total, err := resumeOffset(resp, offset)
	if errors.As(err, new(restartError)) {
		if terr := os.Truncate(part, 0); terr != nil {
			return 0, fmt.Errorf("truncate %s: %w", part, terr)
		}
	}
	if err != nil || resp.StatusCode == http.StatusRequestedRangeNotSatisfiable {
		return 0, err // 416 without error: the part is already complete
	}
	if *tr == nil {
		*tr = d.progress.Transfer(name, total)
	}
	(*tr).SetTotal(total)
	(*tr).Restart(offset)
	f, err := openPart(part, offset)
	if err != nil {
		return 0, err
	}
	body := d.watch(resp.Body, cancel)
	n, copyErr := io.Copy(io.MultiWriter(f, *tr), body)
	if err := closeSynced(f); err != nil && copyErr == nil {
		copyErr = err
	}
	if copyErr != nil {
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
			copyErr = cause
		}
		return n, fmt.Errorf("download %s: %w", spec.RedactURL(url), copyErr)
	}
	return n, nil
}

// do sends a GET for url, from offset when it is not zero, and sorts the
// status into success, a transient error and a permanent one. Its errors
// show url without the user and password a mirror URL may hold.
func (d *downloader) do(ctx context.Context, url string, offset int64) (*http.Response, error) {
	shown := spec.RedactURL(url)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, permanentError{fmt.Errorf("download %s: %w", shown, hideURL(err, shown))}
	}
	req.Header.Set("User-Agent", d.userAgent)
	if offset > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", offset))
	}
	resp, err := d.client.Do(req)
	err = hideURL(err, shown)
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return nil, permanentError{fmt.Errorf("download %s: %w: check the network and DNS, or use a mirror (--mirror SOURCE=URL)", shown, err)}
	}
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", shown, err)
	}
	switch c := resp.StatusCode; {
	case c == http.StatusOK, c == http.StatusPartialContent, c == http.StatusRequestedRangeNotSatisfiable:
		return resp, nil
	case c == http.StatusRequestTimeout, c == http.StatusTooManyRequests, c >= 500:
		resp.Body.Close()
		return nil, fmt.Errorf("download %s: server said %s", shown, resp.Status)
	default:
		resp.Body.Close()
		return nil, permanentError{fmt.Errorf("download %s: server said %s: check the version and the mirror for this source", shown, resp.Status)}
	}
}

// hideURL makes the URL that a net/url or net/http error repeats shown:
// net/http hides a URL's password but not its user (or a token written in
// its place), and a URL that does not parse is repeated whole.
func hideURL(err error, shown string) error {
	if ue := (*neturl.Error)(nil); errors.As(err, &ue) {
		ue.URL = shown
	}
	return err
}

// restartError says the server cannot resume the part: start again at 0.
type restartError struct{ error }

// resumeOffset checks a response against the requested offset and returns
// where its body starts and the full size (-1 when unknown). A server that
// ignores Range restarts at 0; a 416 for a complete part returns
// offset == total, meaning nothing is left to read. A range that does not
// fit is a restartError.
func resumeOffset(resp *http.Response, offset int64) (start, total int64, err error) {
	switch resp.StatusCode {
	case http.StatusOK:
		return 0, resp.ContentLength, nil
	case http.StatusRequestedRangeNotSatisfiable:
		size := rangeTotal(resp.Header.Get("Content-Range"))
		if size == offset {
			return offset, offset, nil
		}
		return 0, 0, restartError{fmt.Errorf("server refused to resume at byte %d (size %d); starting again", offset, size)}
	}
	first, size, ok := parseContentRange(resp.Header.Get("Content-Range"))
	if !ok || first != offset {
		return 0, 0, restartError{fmt.Errorf("server resumed at %q, not byte %d; starting again", resp.Header.Get("Content-Range"), offset)}
	}
	if size < 0 && resp.ContentLength >= 0 {
		size = offset + resp.ContentLength
	}
	return offset, size, nil
}

// parseContentRange reads "bytes FIRST-LAST/SIZE" (SIZE may be "*").
func parseContentRange(s string) (first, size int64, ok bool) {
	rest, found := strings.CutPrefix(s, "bytes ")
	if !found {
		return 0, 0, false
	}
	span, sz, found := strings.Cut(rest, "/")
	firstStr, _, found2 := strings.Cut(span, "-")
	if !found || !found2 {
		return 0, 0, false
	}
	first, err := strconv.ParseInt(firstStr, 10, 64)
	if err != nil {
		return 0, 0, false
	}
	size = -1
	if sz != "*" {
		if size, err = strconv.ParseInt(sz, 10, 64); err != nil {
			return 0, 0, false
		}
	}
	return first, size, true
}

// rangeTotal reads SIZE from "bytes */SIZE", or -1.
func rangeTotal(s string) int64 {
	_, sz, ok := strings.Cut(s, "/")
	if !ok {
		return -1
	}
	n, err := strconv.ParseInt(sz, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// openPart opens part for appending at offset, truncating it to offset
// (0 when the server restarts the file).
func openPart(part string, offset int64) (*os.File, error) {
	f, err := os.OpenFile(part, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", part, err)
	}
	if err := f.Truncate(offset); err != nil {
		f.Close()
		return nil, fmt.Errorf("truncate %s: %w", part, err)
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("seek %s: %w", part, err)
	}
	return f, nil
}

// closeSynced flushes f to disk and closes it.
func closeSynced(f *os.File) error {
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", f.Name(), err)
	}
	return f.Close()
}

// fileSize returns the size of path, 0 when it does not exist.
func fileSize(path string) (int64, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// errStalled is the cause of an attempt that received nothing for too long.
type errStalled struct{ after time.Duration }

func (e errStalled) Error() string {
	return fmt.Sprintf("no data for %s (stalled connection)", e.after)
}

// watch wraps body so that cancel is called with errStalled when no read
// returns data for d.stall.
func (d *downloader) watch(body io.Reader, cancel context.CancelCauseFunc) io.Reader {
	if d.stall <= 0 {
		return body
	}
	timer := time.AfterFunc(d.stall, func() { cancel(errStalled{d.stall}) })
	return &watchedReader{r: body, timer: timer, stall: d.stall}
}

// watchedReader resets its timer on every read that returns data.
type watchedReader struct {
	r     io.Reader
	timer *time.Timer
	stall time.Duration
}

func (w *watchedReader) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	if n > 0 {
		w.timer.Reset(w.stall)
	}
	if err != nil {
		w.timer.Stop()
	}
	return n, err
}

// getSmall fetches a small file (a checksum list) into memory, with the
// same retries as downloads.
func (d *downloader) getSmall(ctx context.Context, url string) ([]byte, error) {
	const limit = 1 << 20
	failures := 0
	for {
		b, err := d.getOnce(ctx, url, limit)
		if err == nil || ctx.Err() != nil || errors.As(err, new(permanentError)) {
			return b, err
		}
		failures++
		if failures > d.retries {
			return nil, fmt.Errorf("%w (gave up after %d attempts)", err, failures)
		}
		wait := d.wait(failures)
		d.progress.Printf("retry  %s in %s: %v", path.Base(url), progress.Duration(wait), err)
		if err := d.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// getOnce is one attempt of getSmall.
func (d *downloader) getOnce(ctx context.Context, url string, limit int64) ([]byte, error) {
	resp, err := d.do(ctx, url, 0)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	shown := spec.RedactURL(url)
	if resp.StatusCode != http.StatusOK {
		return nil, permanentError{fmt.Errorf("download %s: server said %s", shown, resp.Status)}
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", shown, err)
	}
	if int64(len(b)) > limit {
		return nil, permanentError{fmt.Errorf("download %s: larger than %d bytes, not a checksum file", shown, limit)}
	}
	return b, nil
}

// sleepContext waits for d or until ctx is done.
func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
