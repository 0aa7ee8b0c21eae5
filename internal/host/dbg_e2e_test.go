//go:build e2e

package host

import (
	"context"
	"fmt"
	"os/exec"
	"testing"
	"time"
)

func TestDbgLatency(t *testing.T) {
	e := newEnv(t)
	sd := e.startSSHD(t, "node1", "")
	h := e.dial(t, sd, "root")
	for i := range 3 {
		s := time.Now()
		_, _, err := h.Exec(context.Background(), "true")
		t.Logf("%d: %s %v", i, time.Since(s), err)
	}
	for i := range 3 {
		s := time.Now()
		out, err := exec.Command("ssh", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-i", e.keyPath, "-p", fmt.Sprint(sd.port), "root@127.0.0.1", "true").CombinedOutput()
		t.Logf("openssh %d: %s %v %s", i, time.Since(s), err, out)
	}
	s := time.Now()
	out, err := exec.Command("sh", "-c", fmt.Sprintf("strace -f -tt -p $(cat %s/node1/sshd.pid) -o /tmp/sshd.strace & sleep 1; ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -i %s -p %d root@127.0.0.1 true; sleep 0.5; kill %%1", e.dir, e.keyPath, sd.port)).CombinedOutput()
	t.Logf("strace %s %v %s", time.Since(s), err, out)
}
