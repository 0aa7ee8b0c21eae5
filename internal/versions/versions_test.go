package versions

import "testing"

func TestMinorAndRange(t *testing.T) {
	cases := []struct {
		in      string
		minor   int
		wantErr bool
	}{
		{"v1.34.4", 34, false}, {"v1.32.0", 32, false}, {"1.34.4", 0, true},
		{"v1.34", 0, true}, {"v2.0.0", 0, true}, {"v1.34.4-rc.1", 0, true}, {"v1.034.1", 0, true},
	}
	for _, c := range cases {
		m, err := Minor(c.in)
		if (err != nil) != c.wantErr || m != c.minor {
			t.Errorf("Minor(%q) = %d, %v", c.in, m, err)
		}
	}
	if _, err := For("v1.31.9"); err == nil {
		t.Error("1.31 accepted")
	}
	if _, err := For("v1.37.0"); err == nil {
		t.Error("1.37 accepted")
	}
	s, err := For("v1.34.4")
	if err != nil || s.PauseImage() != "registry.k8s.io/pause:3.10.1" || len(s.Images()) != 3 {
		t.Errorf("For(v1.34.4) = %+v, %v", s, err)
	}
}
