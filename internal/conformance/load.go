package conformance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"kubeup.dev/kubeup/internal/conformance/testimages"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/layout"
)

// imageUpload is where the archive is put on a host while it is imported.
const imageUpload = "/var/lib/kubeup/conformance-images.tar"

// LoadImages imports the archive's images into containerd's k8s.io
// namespace on every host, in parallel, and records them in the host's
// layout.TestImagesList so that kubeup reset removes them; a host that
// has them all is left alone. Each host's error names the host.
func LoadImages(ctx context.Context, hosts []host.Host, a testimages.Archive, progress io.Writer) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, h := range hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			loaded, err := loadImages(ctx, h, a)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("host %s: %w", h.Name(), err))
				return
			}
			fmt.Fprintf(progress, "test images on %s: %s\n", h.Name(), loaded)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// loadImages loads a onto h unless h has every image of it.
func loadImages(ctx context.Context, h host.Host, a testimages.Archive) (string, error) {
	out, _, err := h.Exec(ctx, "ctr -n k8s.io images ls -q")
	if err != nil {
		return "", fmt.Errorf("list containerd's images: %w (is containerd running?)", err)
	}
	if missing := missingImages(string(out), a.Made); len(missing) == 0 {
		return "all present", nil
	}
	f, err := os.Open(a.Path)
	if err != nil {
		return "", fmt.Errorf("the test images: %w", err)
	}
	defer f.Close()
	if err := h.Upload(ctx, f, imageUpload, 0o600); err != nil {
		return "", fmt.Errorf("upload the test images: %w", err)
	}
	q := host.Quote(imageUpload)
	if _, _, err := h.Exec(ctx, "ctr -n k8s.io images import "+q+"; rc=$?; rm -f "+q+"; exit $rc"); err != nil {
		return "", fmt.Errorf("import the test images: %w", err)
	}
	list := strings.NewReader(strings.Join(a.Made, "\n") + "\n")
	if err := h.Upload(ctx, list, layout.TestImagesList, 0o644); err != nil {
		return "", fmt.Errorf("record the test images for reset: %w", err)
	}
	return fmt.Sprintf("%d imported", len(a.Made)), nil
}

// missingImages lists the refs that ctr's listing (one per line) lacks.
func missingImages(listing string, refs []string) []string {
	have := map[string]bool{}
	for _, l := range strings.Fields(listing) {
		have[l] = true
	}
	var missing []string
	for _, r := range refs {
		if !have[r] {
			missing = append(missing, r)
		}
	}
	return missing
}
