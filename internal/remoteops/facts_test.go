package remoteops_test

import (
	"testing"
	"time"

	"kubeup.dev/kubeup/internal/remoteops"
	"kubeup.dev/kubeup/internal/remoteops/remoteopstest"
)

func TestParseFacts(t *testing.T) {
	local := time.Unix(1000, 0)
	f, err := remoteops.ParseFacts(remoteopstest.GoodFacts+"kubelet=Kubernetes v1.36.3\ntime=1002.500000000\n", local)
	if err != nil {
		t.Fatal(err)
	}
	if f.Architecture() != "amd64" || !f.CgroupV2() || f.EffectiveUID != 0 || !f.Modules["vxlan"] || !f.CNIPlugins["portmap"] {
		t.Errorf("facts %+v", f)
	}
	if f.Kubelet != "v1.36.3" {
		t.Errorf("installed kubelet %q, want v1.36.3", f.Kubelet)
	}
	if f.ClockSkew != 2500*time.Millisecond {
		t.Errorf("skew %v", f.ClockSkew)
	}
	if len(f.Listeners) != 2 || f.Listeners[1] != (remoteops.Listener{Port: 2379, Process: "etcd"}) {
		t.Errorf("listeners %+v", f.Listeners)
	}
}
