package testimages

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"kubeup.dev/kubeup/internal/artifacts/images"
)

//go:embed files
var embedded embed.FS

// Sources are where the files images add come from.
type Sources struct {
	TestBin    string // directory of the test binaries (agnhost, sample-apiserver, nnp)
	ClusterBin string // directory of the cluster's etcd, etcdctl and pause
	Kubernetes string // the k8s.io/kubernetes module directory
	Base       string // the Debian base's build directory (EnsureBase)
}

// resolve turns a File into a layer entry, finding its source.
func (s Sources) resolve(f File) (images.Entry, error) {
	e := images.Entry{Path: f.Path, Link: f.Link, Mode: f.Mode}
	if f.From == "" {
		e.Dir = f.Link == ""
		return withMode(e), nil
	}
	kind, name, _ := strings.Cut(f.From, ":")
	var err error
	switch kind {
	case FromTestBinary:
		e.Source = filepath.Join(s.TestBin, name)
	case FromClusterBinary:
		e.Source = filepath.Join(s.ClusterBin, name)
	case FromKubernetes:
		e.Source = filepath.Join(s.Kubernetes, filepath.FromSlash(name))
	case FromEmbedded:
		e.Data, err = embedded.ReadFile("files/" + name)
	default:
		return e, fmt.Errorf("%s: unknown source kind %q", f.Path, kind)
	}
	if err == nil && e.Source != "" {
		_, err = os.Stat(e.Source)
	}
	if err != nil {
		return e, fmt.Errorf("the source of %s: %w", f.Path, err)
	}
	return withMode(e), nil
}

// withMode fills in the default mode: 0755 for directories, binaries and
// scripts, 0644 for data files (a file on disk without an executable bit
// too, unlike images.Entry's default).
func withMode(e images.Entry) images.Entry {
	if e.Mode != 0 {
		return e
	}
	e.Mode = 0o644
	if e.Dir || e.Link != "" || isExecutable(e) {
		e.Mode = 0o755
	}
	return e
}

// isExecutable: a built binary, or a file that starts with #!.
func isExecutable(e images.Entry) bool {
	if e.Data != nil {
		return bytes.HasPrefix(e.Data, []byte("#!"))
	}
	fi, err := os.Stat(e.Source)
	return err == nil && fi.Mode()&0o111 != 0
}

// busyboxEntries are the busybox image's files: the static busybox of the
// base, a link in /bin for each applet (as the upstream image has them:
// /bin/sysctl, not /sbin/sysctl), the directories and the account files
// of the upstream busybox image.
func (s Sources) busyboxEntries() ([]images.Entry, error) {
	applets, err := os.ReadFile(filepath.Join(s.Base, baseApplets))
	if err != nil {
		return nil, fmt.Errorf("busybox applets: %w", err)
	}
	passwd, _ := embedded.ReadFile("files/busybox-passwd")
	group, _ := embedded.ReadFile("files/busybox-group")
	es := []images.Entry{
		{Path: "/bin/busybox", Source: filepath.Join(s.Base, baseBusybox), Mode: 0o755},
		{Path: "/etc/passwd", Data: passwd, Mode: 0o644},
		{Path: "/etc/group", Data: group, Mode: 0o644},
		{Path: "/tmp", Dir: true, Mode: 0o1777},
		{Path: "/root", Dir: true, Mode: 0o700},
	}
	for _, d := range []string{"/bin", "/sbin", "/usr", "/usr/bin", "/usr/sbin", "/etc", "/home", "/var", "/var/www", "/var/spool", "/var/spool/mail"} {
		es = append(es, images.Entry{Path: d, Dir: true, Mode: 0o755})
	}
	sc := bufio.NewScanner(bytes.NewReader(applets))
	for sc.Scan() {
		name := path.Base(strings.TrimSpace(sc.Text()))
		if name == "." || name == "/" || name == "busybox" {
			continue
		}
		es = append(es, images.Entry{Path: "/bin/" + name, Link: "busybox", Mode: 0o777})
	}
	return es, sc.Err()
}
