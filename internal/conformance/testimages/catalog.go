// Package testimages builds the container images the Kubernetes
// conformance specs run, under the names e2e.test --list-images prints,
// from what this machine can reach: the binaries compiled from
// k8s.io/kubernetes (agnhost, sample-apiserver), the cluster's own etcd and
// pause, and a Debian root file system made with debootstrap for the
// userland the upstream images carry (curl, dig, nc, httpd, nginx, a
// busybox whose sh keeps every environment variable). Each recipe follows
// the upstream image's Dockerfile (test/images/NAME in k8s.io/kubernetes);
// an image of the list that has no recipe is reported with the reason.
package testimages

import (
	"fmt"
	"sort"
	"strings"
)

// Base names the layer an image starts from.
type Base string

// Bases.
const (
	Scratch Base = ""        // nothing but the image's own files
	Debian  Base = "debian"  // the debootstrapped userland (see DebianBase)
	Busybox Base = "busybox" // busybox and its applets, as the busybox image
)

// File is one entry an image adds on top of its base.
type File struct {
	Path string // absolute path in the image
	From string // source (see Sources.Resolve); empty for a directory or link
	Link string // a symbolic link's target
	Mode int64  // permission bits; 0 means 0755 for binaries and directories, 0644 otherwise
}

// Recipe says how to make the image of one repository.
type Recipe struct {
	Repository string // e.g. registry.k8s.io/e2e-test-images/agnhost
	Base       Base
	Files      []File
	Entrypoint []string
	Cmd        []string
	Env        []string // nil means a standard PATH
	User       string
	WorkDir    string
	Ports      []string
}

// Source kinds a File.From names, as "KIND:NAME".
const (
	FromTestBinary    = "test-bin" // a binary built with e2e.test (agnhost, sample-apiserver)
	FromClusterBinary = "cluster"  // a binary of the cluster's artifacts (etcd, pause)
	FromKubernetes    = "k8s"      // a file of the k8s.io/kubernetes module
	FromEmbedded      = "embedded" // a file of this package (files/)
)

func from(kind, name string) string { return kind + ":" + name }

// agnhostFiles are what test/images/agnhost/Dockerfile adds to its base.
func agnhostFiles() []File {
	return []File{
		{Path: "/agnhost", From: from(FromTestBinary, "agnhost")},
		{Path: "/agnhost-2", Link: "agnhost"},
		{Path: "/uploads"},
		{Path: "/localhost.crt", From: from(FromKubernetes, "test/images/agnhost/porter/localhost.crt")},
		{Path: "/localhost.key", From: from(FromKubernetes, "test/images/agnhost/porter/localhost.key")},
	}
}

// agnhostPorts are the ports agnhost's Dockerfile exposes.
var agnhostPorts = []string{"80/tcp", "8080/tcp", "8081/tcp", "9376/tcp", "5000/tcp"}

// webImage is nautilus or kitten: agnhost serving a picture and data.json
// with test-webserver (test/images/NAME/Dockerfile).
func webImage(name string) Recipe {
	files := append(agnhostFiles(),
		File{Path: "/" + name + ".jpg", From: from(FromKubernetes, "test/images/"+name+"/html/"+name+".jpg")},
		File{Path: "/data.json", From: from(FromKubernetes, "test/images/"+name+"/html/data.json")})
	return Recipe{Repository: e2eRepo(name), Base: Debian, Files: files,
		Entrypoint: []string{"/agnhost"}, Cmd: []string{"test-webserver"}, Ports: agnhostPorts}
}

// e2eRepo is the repository of an image of test/images.
func e2eRepo(name string) string { return "registry.k8s.io/e2e-test-images/" + name }

// Recipes are the images this package can make, one per repository.
func Recipes() []Recipe {
	return []Recipe{
		{Repository: e2eRepo("agnhost"), Base: Debian, Files: agnhostFiles(),
			Entrypoint: []string{"/agnhost"}, Cmd: []string{"pause"}, Ports: agnhostPorts},
		webImage("nautilus"),
		webImage("kitten"),
		{Repository: e2eRepo("busybox"), Base: Busybox, Cmd: []string{"sh"}},
		{Repository: e2eRepo("httpd"), Base: Debian, Files: []File{
			{Path: "/usr/local/bin/httpd-foreground", From: from(FromEmbedded, "httpd-foreground")},
			{Path: "/usr/local/apache2/htdocs/index.html", From: from(FromEmbedded, "httpd-index.html")},
			{Path: "/etc/apache2/sites-enabled/000-default.conf", From: from(FromEmbedded, "httpd-site.conf")}},
			Cmd: []string{"httpd-foreground"}, Ports: []string{"80/tcp"}},
		{Repository: e2eRepo("nginx"), Base: Debian,
			Files: []File{{Path: "/etc/nginx/sites-enabled/default", From: from(FromEmbedded, "nginx-site.conf")}},
			Cmd:   []string{"nginx", "-g", "daemon off;"}, Ports: []string{"80/tcp"}},
		{Repository: e2eRepo("jessie-dnsutils"), Base: Debian, Cmd: []string{"bash"}},
		// glibc-dns-testing took jessie-dnsutils' place in the DNS specs
		// of 1.37: the same Debian with dig.
		{Repository: e2eRepo("glibc-dns-testing"), Base: Debian, Cmd: []string{"bash"}},
		{Repository: e2eRepo("nonroot"), Base: Debian, User: "1234", Cmd: []string{"/bin/sh"}},
		// nnp prints its effective uid; setuid root, it shows whether
		// no_new_privs kept a process from gaining privileges.
		{Repository: e2eRepo("nonewprivs"), Base: Debian,
			Files: []File{{Path: "/usr/local/bin/nnp", From: from(FromTestBinary, "nnp"), Mode: 0o4755}},
			Cmd:   []string{"nnp"}},
		{Repository: e2eRepo("sample-apiserver"), Base: Debian,
			Files:      []File{{Path: "/sample-apiserver", From: from(FromTestBinary, "sample-apiserver")}},
			Entrypoint: []string{"/sample-apiserver"}},
		{Repository: "registry.k8s.io/etcd", Base: Debian, Files: []File{
			{Path: "/usr/local/bin/etcd", From: from(FromClusterBinary, "etcd")},
			{Path: "/usr/local/bin/etcdctl", From: from(FromClusterBinary, "etcdctl")}}},
		{Repository: "registry.k8s.io/pause", Base: Scratch,
			Files: []File{{Path: "/pause", From: from(FromClusterBinary, "pause")}}, Entrypoint: []string{"/pause"}},
	}
}

// Wanted is one image of e2e.test's list and how it is made.
type Wanted struct {
	Ref    string
	Recipe *Recipe // nil: not made here
	Reason string  // why not, when Recipe is nil
}

// Plan matches the references e2e.test --list-images printed with the
// recipes. Images of repositories without a recipe get the reason.
func Plan(refs []string) []Wanted {
	byRepo := map[string]Recipe{}
	for _, r := range Recipes() {
		byRepo[r.Repository] = r
	}
	var out []Wanted
	for _, ref := range dedupe(refs) {
		repo, _, ok := strings.Cut(ref, ":")
		if r, found := byRepo[repo]; ok && found {
			out = append(out, Wanted{Ref: ref, Recipe: &r})
			continue
		}
		out = append(out, Wanted{Ref: ref, Reason: notMade(repo)})
	}
	return out
}

// notMade says why the image of repo is not made here.
func notMade(repo string) string {
	switch {
	case strings.Contains(repo, "invalid.registry") || strings.Contains(repo, "k8s-authenticated-test") ||
		strings.Contains(repo, "authenticated-image-pulling"):
		return "unreachable or private on purpose: the specs that use it expect its pull to fail or need credentials"
	case strings.HasPrefix(repo, "registry.k8s.io/e2e-test-images/"), strings.HasPrefix(repo, "registry.k8s.io/"):
		return "no recipe: not used by the [Conformance] specs (or needs sources the module proxy does not serve)"
	}
	return "no recipe: its sources are not reachable from this machine"
}

// dedupe returns refs without blanks and repeats, sorted.
func dedupe(refs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range refs {
		r = strings.TrimSpace(r)
		if r != "" && !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	sort.Strings(out)
	return out
}

// String is "REF" or "REF (not made: REASON)".
func (w Wanted) String() string {
	if w.Recipe != nil {
		return w.Ref
	}
	return fmt.Sprintf("%s (not made: %s)", w.Ref, w.Reason)
}
