package sandbox

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestUnroutedUnit(t *testing.T) {
	es, err := unroutedEntries("10.96.0.0/12")
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[1].link != "/etc/systemd/system/"+unroutedUnit ||
		es[1].name != "etc/systemd/system/multi-user.target.wants/"+unroutedUnit {
		t.Fatalf("entries = %+v", es)
	}
	golden := filepath.Join("testdata", unroutedUnit)
	if *update {
		if err := os.WriteFile(golden, es[0].body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(es[0].body) != string(want) {
		t.Errorf("unit =\n%s\nwant (%s, -update rewrites it)\n%s", es[0].body, golden, want)
	}
	for _, bad := range []string{"", "10.96.0.0/12'; reboot #", "not-a-cidr"} {
		if _, err := unroutedEntries(bad); err == nil || !strings.Contains(err.Error(), "sandbox service range") {
			t.Errorf("unroutedEntries(%q) = %v, want an error naming the service range", bad, err)
		}
	}
}

// TestSharedMountsUnit: the unit is enabled for sysinit and verifies.
func TestSharedMountsUnit(t *testing.T) {
	es := sharedMountsEntries()
	if len(es) != 2 || es[1].link != "/"+es[0].name || !strings.Contains(es[1].name, "sysinit.target.wants/") {
		t.Fatalf("entries = %+v", es)
	}
	if !strings.Contains(string(es[0].body), "ExecStart=/bin/mount --make-rshared /\n") {
		t.Errorf("unit does not make / rshared:\n%s", es[0].body)
	}
}
