package sandbox

import (
	"context"
	"net/netip"
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/sandbox/engine"
)

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func TestDeleteRemovesEverything(t *testing.T) {
	f := newFixture(t)
	for _, name := range []string{"demo", "other"} {
		if _, err := f.m.Create(context.Background(), f.opts(name, 2)); err != nil {
			t.Fatal(err)
		}
	}
	f.out.Reset()
	found, err := f.m.Delete(context.Background(), "demo")
	if err != nil || !found {
		t.Fatalf("Delete = %v, %v", found, err)
	}
	if !strings.Contains(f.out.String(), "2 containers, 2 volumes, network kubeup-demo") {
		t.Errorf("output: %s", f.out)
	}
	for _, c := range f.eng.containers {
		if c.Labels[LabelSandbox] == "demo" {
			t.Errorf("container %s left", c.Name)
		}
	}
	if len(f.eng.containers) != 2 || len(f.eng.volumes) != 2 || len(f.eng.networks) != 2 {
		t.Errorf("the other sandbox was touched: %d containers, %d volumes, %d networks",
			len(f.eng.containers), len(f.eng.volumes), len(f.eng.networks))
	}
}

func TestDeleteMissingIsOK(t *testing.T) {
	f := newFixture(t)
	found, err := f.m.Delete(context.Background(), "nope")
	if err != nil || found {
		t.Fatalf("Delete = %v, %v; want false, nil", found, err)
	}
	if !strings.Contains(f.out.String(), `no sandbox "nope": nothing to delete`) {
		t.Errorf("output: %s", f.out)
	}
}

func TestDeleteHalfMadeSandbox(t *testing.T) {
	f := newFixture(t)
	f.eng.networks = append(f.eng.networks, engine.Network{ID: "n5", Name: "kubeup-demo", Labels: map[string]string{LabelSandbox: "demo"}})
	f.eng.volumes = append(f.eng.volumes, engine.Volume{Name: "demo-node1-containerd", Labels: map[string]string{LabelSandbox: "demo"}})
	found, err := f.m.Delete(context.Background(), "demo")
	if err != nil || !found {
		t.Fatalf("Delete = %v, %v", found, err)
	}
	if len(f.eng.volumes) != 0 || len(f.eng.networks) != 1 {
		t.Errorf("left: %v %v", f.eng.volumes, f.eng.networks)
	}
}

func TestList(t *testing.T) {
	f := newFixture(t)
	for _, name := range []string{"b", "a"} {
		if _, err := f.m.Create(context.Background(), f.opts(name, 2)); err != nil {
			t.Fatal(err)
		}
	}
	f.setState("b-node1", "exited")
	list, err := f.m.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "a" || list[1].Name != "b" {
		t.Fatalf("list = %+v", list)
	}
	if list[0].State != "running" || list[0].Nodes != 2 || list[0].Subnet != "172.30.1.0/24" {
		t.Errorf("a = %+v", list[0])
	}
	if list[1].State != "partial (1/2 running)" || list[1].Subnet != "172.30.0.0/24" {
		t.Errorf("b = %+v", list[1])
	}
}

func TestTarget(t *testing.T) {
	f := newFixture(t)
	if _, err := f.m.Create(context.Background(), f.opts("demo", 2)); err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"demo-node2", "node2", "2", "172.30.0.3"} {
		tg, err := f.m.Target(context.Background(), "demo", host)
		if err != nil {
			t.Fatalf("Target(%s): %v", host, err)
		}
		if tg.Name != "demo-node2" || tg.Addr != "172.30.0.3:22" || tg.User != "root" {
			t.Errorf("Target(%s) = %+v", host, tg)
		}
	}
	if _, err := f.m.Target(context.Background(), "demo", "node7"); err == nil || !strings.Contains(err.Error(), "its nodes are [demo-node1 demo-node2]") {
		t.Errorf("unknown node: %v", err)
	}
	if _, err := f.m.Target(context.Background(), "nope", "node1"); err == nil || !strings.Contains(err.Error(), "kubeup sandbox list") {
		t.Errorf("unknown sandbox: %v", err)
	}
	f.setState("demo-node1", "exited")
	if _, err := f.m.Target(context.Background(), "demo", "node1"); err == nil || !strings.Contains(err.Error(), "exited, not running") {
		t.Errorf("stopped node: %v", err)
	}
}

func (f *fixture) setState(name, state string) {
	for i, c := range f.eng.containers {
		if c.Name == name {
			f.eng.containers[i].State = state
		}
	}
}
