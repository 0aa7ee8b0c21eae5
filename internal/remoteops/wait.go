package remoteops

import (
	"context"
	"fmt"
	"time"
)

// PollInterval is how often waits ask again.
const PollInterval = 2 * time.Second

// Poll calls check until it reports done, ctx ends or timeout passes; the
// error then carries check's last explanation.
func Poll(ctx context.Context, timeout time.Duration, check func(context.Context) (bool, string)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	last := "no answer yet"
	for {
		done, why := check(ctx)
		if done {
			return nil
		}
		if why != "" {
			last = why
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not ready after %s: %s", timeout, last)
		case <-time.After(PollInterval):
		}
	}
}
