package remoteops

import (
	"strings"
	"testing"
)

func TestInstallRecordRoundTrip(t *testing.T) {
	rec := NewInstallRecord("demo")
	rec.Add(RecUnit, "kubelet", "flanneld", "kubelet")
	rec.Add(RecFile, "/etc/kubernetes/admin.conf")
	rec.Add(RecData, "/var/lib/kubelet")
	rec.Add(RecDir, "/etc/kubernetes")
	rec.Add(RecImage, "registry.k8s.io/pause:3.10")
	want := recordHeader + `cluster demo
file /etc/kubernetes/admin.conf
dir /etc/kubernetes
data /var/lib/kubelet
unit flanneld
unit kubelet
image registry.k8s.io/pause:3.10
`
	if got := rec.String(); got != want {
		t.Fatalf("record:\n%s\nwant:\n%s", got, want)
	}
	back, err := ParseInstallRecord(want)
	if err != nil || back.String() != want {
		t.Fatalf("parse back: %v\n%s", err, back)
	}
}

func TestParseInstallRecordRefusesWhatItCannotTrust(t *testing.T) {
	for _, tc := range []struct{ text, err string }{
		{"file /etc/x\n", "names no cluster"},
		{"cluster demo\nfile\n", "line 2: \"file\" has no value"},
		{"cluster demo\nfile etc/x\n", "not an absolute path"},
		{"cluster demo\nsocket /run/x\n", "unknown kind \"socket\""},
	} {
		if _, err := ParseInstallRecord(tc.text); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: want error %q, got %v", tc.text, tc.err, err)
		}
	}
	rec, err := ParseInstallRecord("# comment\n\ncluster demo\nfile /etc/kubernetes/../kubernetes/a.conf\n")
	if err != nil || !rec.Has(RecFile, "/etc/kubernetes/a.conf") {
		t.Errorf("comments, blank lines and unclean paths: %v %v", rec, err)
	}
}
