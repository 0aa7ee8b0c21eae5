package testimages

import (
	"archive/tar"
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
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

// entry is one tar entry of a layer.
type entry struct {
	path string // absolute
	src  string // a file on disk, or
	data []byte // the content, for a regular file
	link string // a symbolic link's target
	dir  bool
	mode int64
}

// resolve turns a File into an entry, finding its source.
func (s Sources) resolve(f File) (entry, error) {
	e := entry{path: f.Path, link: f.Link, mode: f.Mode}
	if f.From == "" {
		e.dir = f.Link == ""
		return e.withMode(), nil
	}
	kind, name, _ := strings.Cut(f.From, ":")
	var err error
	switch kind {
	case FromTestBinary:
		e.src = filepath.Join(s.TestBin, name)
	case FromClusterBinary:
		e.src = filepath.Join(s.ClusterBin, name)
	case FromKubernetes:
		e.src = filepath.Join(s.Kubernetes, filepath.FromSlash(name))
	case FromEmbedded:
		e.data, err = embedded.ReadFile("files/" + name)
	default:
		return e, fmt.Errorf("%s: unknown source kind %q", f.Path, kind)
	}
	if err == nil && e.src != "" {
		_, err = os.Stat(e.src)
	}
	if err != nil {
		return e, fmt.Errorf("the source of %s: %w", f.Path, err)
	}
	return e.withMode(), nil
}

// withMode fills in the default mode: 0755 for directories, binaries and
// scripts, 0644 for data files.
func (e entry) withMode() entry {
	if e.mode != 0 {
		return e
	}
	e.mode = 0o644
	if e.dir || e.link != "" || isExecutable(e) {
		e.mode = 0o755
	}
	return e
}

// isExecutable: a built binary, or a file that starts with #!.
func isExecutable(e entry) bool {
	if e.data != nil {
		return bytes.HasPrefix(e.data, []byte("#!"))
	}
	fi, err := os.Stat(e.src)
	return err == nil && fi.Mode()&0o111 != 0
}

// busyboxEntries are the busybox image's files: the static busybox of the
// base, a link in /bin for each applet (as the upstream image has them:
// /bin/sysctl, not /sbin/sysctl), the directories and the account files
// of the upstream busybox image.
func (s Sources) busyboxEntries() ([]entry, error) {
	applets, err := os.ReadFile(filepath.Join(s.Base, baseApplets))
	if err != nil {
		return nil, fmt.Errorf("busybox applets: %w", err)
	}
	passwd, _ := embedded.ReadFile("files/busybox-passwd")
	group, _ := embedded.ReadFile("files/busybox-group")
	es := []entry{
		{path: "/bin/busybox", src: filepath.Join(s.Base, baseBusybox), mode: 0o755},
		{path: "/etc/passwd", data: passwd, mode: 0o644},
		{path: "/etc/group", data: group, mode: 0o644},
		{path: "/tmp", dir: true, mode: 0o1777},
		{path: "/root", dir: true, mode: 0o700},
	}
	for _, d := range []string{"/bin", "/sbin", "/usr", "/usr/bin", "/usr/sbin", "/etc", "/home", "/var", "/var/www", "/var/spool", "/var/spool/mail"} {
		es = append(es, entry{path: d, dir: true, mode: 0o755})
	}
	sc := bufio.NewScanner(bytes.NewReader(applets))
	for sc.Scan() {
		name := path.Base(strings.TrimSpace(sc.Text()))
		if name == "." || name == "/" || name == "busybox" {
			continue
		}
		es = append(es, entry{path: "/bin/" + name, link: "busybox", mode: 0o777})
	}
	return es, sc.Err()
}

// epoch stamps every entry, for reproducible layers.
var epoch = time.Unix(0, 0).UTC()

// writeLayer writes es as a tar to w, sorted by path so that parents come
// before their children.
func writeLayer(w io.Writer, es []entry) error {
	sorted := append([]entry(nil), es...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].path < sorted[j].path })
	tw := tar.NewWriter(w)
	for _, e := range sorted {
		if err := writeEntry(tw, e); err != nil {
			return fmt.Errorf("layer entry %s: %w", e.path, err)
		}
	}
	return tw.Close()
}

// writeEntry writes one entry.
func writeEntry(tw *tar.Writer, e entry) error {
	h := &tar.Header{Name: strings.TrimPrefix(path.Clean(e.path), "/"), Mode: e.mode, ModTime: epoch, Format: tar.FormatPAX}
	switch {
	case e.dir:
		h.Typeflag, h.Name = tar.TypeDir, h.Name+"/"
		return tw.WriteHeader(h)
	case e.link != "":
		h.Typeflag, h.Linkname = tar.TypeSymlink, e.link
		return tw.WriteHeader(h)
	case e.data != nil:
		h.Typeflag, h.Size = tar.TypeReg, int64(len(e.data))
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		_, err := tw.Write(e.data)
		return err
	}
	f, err := os.Open(e.src)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	h.Typeflag, h.Size = tar.TypeReg, fi.Size()
	if err := tw.WriteHeader(h); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}
