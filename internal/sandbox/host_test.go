package sandbox

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseRoutes(t *testing.T) {
	table := `Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT
eth0	00000000	0100000A	0003	0	0	0	00000000	0	0	0
eth0	0000000A	00000000	0001	0	0	0	00FFFFFF	0	0	0
docker0	000011AC	00000000	0001	0	0	0	0000FFFF	0	0	0
`
	routes, err := parseRoutes(strings.NewReader(table))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range routes {
		got = append(got, r.Dev+" "+r.Prefix.String())
	}
	want := []string{"eth0 0.0.0.0/0", "eth0 10.0.0.0/24", "docker0 172.17.0.0/16"}
	if !slices.Equal(got, want) {
		t.Errorf("routes = %v, want %v", got, want)
	}
}

func TestParseNameservers(t *testing.T) {
	conf := "# generated\nnameserver 127.0.0.53\nnameserver 10.255.255.53\nsearch example\nnameserver ::1\nnameserver 1.1.1.1\nnameserver 10.255.255.53\n"
	if got := parseNameservers(conf); !slices.Equal(got, []string{"10.255.255.53", "1.1.1.1"}) {
		t.Errorf("nameservers = %v", got)
	}
}

func TestLocalHostNameserversFallsBackToResolved(t *testing.T) {
	root := t.TempDir()
	write := func(p, s string) {
		t.Helper()
		p = filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("etc/resolv.conf", "nameserver 127.0.0.53\n")
	write("run/systemd/resolve/resolv.conf", "nameserver 192.0.2.1\n")
	ns, err := LocalHost{Root: root}.Nameservers()
	if err != nil || !slices.Equal(ns, []string{"192.0.2.1"}) {
		t.Errorf("Nameservers = %v, %v", ns, err)
	}
}

func TestParseMemAvailable(t *testing.T) {
	got, err := parseMemAvailable(strings.NewReader("MemTotal: 24000000 kB\nMemFree: 1 kB\nMemAvailable:   2048 kB\n"))
	if err != nil || got != 2048*1024 {
		t.Errorf("MemAvailable = %d, %v", got, err)
	}
	if _, err := parseMemAvailable(strings.NewReader("MemTotal: 1 kB\n")); err == nil {
		t.Error("no error without MemAvailable")
	}
}

func TestValidateName(t *testing.T) {
	for _, ok := range []string{"demo", "a", "e2e-1", "x9"} {
		if err := ValidateName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "Demo", "-a", "a-", "a_b", "a.b", strings.Repeat("a", 41)} {
		if err := ValidateName(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestChooseSubnet(t *testing.T) {
	used := usedRanges(nil, []Route{{Prefix: mustPrefix("172.30.0.0/23"), Dev: "br-x"}})
	p, err := chooseSubnet("", 3, used)
	if err != nil || p.String() != "172.30.2.0/24" {
		t.Errorf("auto = %v, %v", p, err)
	}
	if _, err := chooseSubnet("10.1.2.3/24", 3, used); err != nil {
		t.Errorf("explicit: %v", err)
	}
	if _, err := chooseSubnet("not-a-cidr", 3, used); err == nil || !strings.Contains(err.Error(), "not an IPv4 CIDR") {
		t.Errorf("bad cidr: %v", err)
	}
	if got := nodeAddr(mustPrefix("10.1.2.0/24"), 3).String(); got != "10.1.2.4" {
		t.Errorf("node 3 address = %s", got)
	}
}
