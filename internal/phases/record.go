package phases

import (
	"bufio"
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/spec"
)

// InstallRecordPath is the install record on each host: what kubeup
// installed there, one "KIND VALUE" a line. Apply writes it before it
// creates anything (so after a crash it names more than is there, never
// less) and reset removes what it names and nothing else, from any
// workstation.
const InstallRecordPath = layout.KubeupDir + "/install-record"

// The kinds of an install record's lines.
const (
	recCluster = "cluster" // the cluster the host belongs to
	recFile    = "file"    // a file kubeup (or a component it runs) writes
	recDir     = "dir"     // a directory kubeup created: removed when left empty
	recData    = "data"    // a data directory kubeup created: removed with its content
	recUnit    = "unit"    // a systemd unit kubeup installed
	recImage   = "image"   // an image kubeup imported into containerd's k8s.io namespace
)

// recordKinds are the kinds in the order a record lists them.
func recordKinds() []string { return []string{recFile, recDir, recData, recUnit, recImage} }

const recordHeader = "# kubeup install record: kubeup reset removes what is listed here and nothing else\n"

// InstallRecord is what kubeup installed on one host.
type InstallRecord struct {
	Cluster string
	items   map[string][]string // kind -> sorted values
}

// NewInstallRecord returns an empty record of cluster.
func NewInstallRecord(cluster string) *InstallRecord {
	return &InstallRecord{Cluster: cluster, items: map[string][]string{}}
}

// Add records values of kind.
func (rec *InstallRecord) Add(kind string, values ...string) {
	for _, v := range values {
		if !slices.Contains(rec.items[kind], v) {
			rec.items[kind] = append(rec.items[kind], v)
		}
	}
	slices.Sort(rec.items[kind])
}

// Has reports whether the record lists value of kind.
func (rec *InstallRecord) Has(kind, value string) bool {
	return slices.Contains(rec.items[kind], value)
}

// List returns the values of kind, sorted.
func (rec *InstallRecord) List(kind string) []string { return slices.Clone(rec.items[kind]) }

// Merge adds every item of other.
func (rec *InstallRecord) Merge(other *InstallRecord) {
	for k, vs := range other.items {
		rec.Add(k, vs...)
	}
}

// String is the record's file content.
func (rec *InstallRecord) String() string {
	var b strings.Builder
	b.WriteString(recordHeader)
	fmt.Fprintf(&b, "%s %s\n", recCluster, rec.Cluster)
	for _, k := range recordKinds() {
		for _, v := range rec.items[k] {
			fmt.Fprintf(&b, "%s %s\n", k, v)
		}
	}
	return b.String()
}

// ParseInstallRecord reads a record. Blank lines and comments are
// skipped; a line of an unknown kind (a newer kubeup's) is an error, so
// that reset never guesses.
func ParseInstallRecord(text string) (*InstallRecord, error) {
	rec := NewInstallRecord("")
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		kind, value, _ := strings.Cut(line, " ")
		value = strings.TrimSpace(value)
		if value == "" {
			return nil, fmt.Errorf("%s line %d: %q has no value: remove the line or the file (reset then removes kubeup's fixed list)", InstallRecordPath, n, line)
		}
		switch {
		case kind == recCluster:
			rec.Cluster = value
		case slices.Contains(recordKinds(), kind):
			if kind != recUnit && kind != recImage && !path.IsAbs(value) {
				return nil, fmt.Errorf("%s line %d: %s %q is not an absolute path: fix or remove the line", InstallRecordPath, n, kind, value)
			}
			rec.Add(kind, path.Clean(value))
		default:
			return nil, fmt.Errorf("%s line %d: unknown kind %q (written by a newer kubeup?): reset with that kubeup", InstallRecordPath, n, kind)
		}
	}
	if rec.Cluster == "" {
		return nil, fmt.Errorf("%s names no cluster: remove the file (reset then removes kubeup's fixed list)", InstallRecordPath)
	}
	return rec, sc.Err()
}

// componentFiles are the files of host h outside the plan: those the
// components kubeup runs write themselves, the node's credentials that
// apply writes only while the node joins, and the static pod manifests
// the supervisor installs from their staged copies.
func (r *Run) componentFiles(h spec.Host) []string {
	out := []string{layout.KubeletConf, layout.BootstrapKubeletConf}
	for _, n := range r.staticPodsOn(h) {
		out = append(out, layout.StaticPodManifest(n))
	}
	return out
}

// dataDirs are the directories that the components kubeup runs fill
// with files no one can list in advance, and kubeup's own directory.
func dataDirs(c *spec.Cluster, h spec.Host) []string {
	dirs := []string{layout.KubeletDir, layout.KubeProxyDir, layout.FlannelRunDir, layout.KubeupDir,
		"/var/lib/cni", "/var/log/kubernetes", "/var/log/pods", "/var/log/containers", "/usr/libexec/kubernetes"}
	if h.HasRole(spec.RoleEtcd) && c.Spec.Etcd.External == nil {
		dirs = append(dirs, layout.EtcdDataDir)
	}
	return dirs
}

// plannedRecord is everything apply installs on host h: the planned
// files (but containerd's configuration, which reset restores), the
// binaries, the units, the images, the component data directories and
// every directory above them. exists reports the directories the host
// had before kubeup: those are never recorded as kubeup's (kubeup's own
// directory excepted).
func plannedRecord(r *Run, h spec.Host, exists func(string) bool) *InstallRecord {
	rec := NewInstallRecord(r.Cluster.Metadata.Name)
	for _, f := range r.hostFiles(h.Name).Files {
		if f.Path != layout.ContainerdConfig {
			rec.Add(recFile, f.Path)
		}
	}
	for _, b := range r.binariesFor(h) {
		rec.Add(recFile, installPath(b))
	}
	rec.Add(recFile, r.componentFiles(h)...)
	rec.Add(recFile, InstallRecordPath)
	for _, u := range resetUnits() {
		if rec.Has(recFile, layout.Unit(u)) {
			rec.Add(recUnit, u)
		}
	}
	for _, a := range r.imagesFor(h) {
		rec.Add(recImage, a.Refs()...)
	}
	for _, d := range dataDirs(r.Cluster, h) {
		if d == layout.KubeupDir || !exists(d) {
			rec.Add(recData, d)
		}
	}
	addParentDirs(rec, exists)
	return rec
}

// addParentDirs records every directory above a recorded file or data
// directory that the host does not have.
func addParentDirs(rec *InstallRecord, exists func(string) bool) {
	for _, p := range append(rec.List(recFile), rec.List(recData)...) {
		for d := path.Dir(p); d != "/" && d != "." && !exists(d); d = path.Dir(d) {
			if !rec.Has(recData, d) {
				rec.Add(recDir, d)
			}
		}
	}
}

// candidateDirs are the directories whose existence decides what a
// record names: the data directories and every parent of a planned path.
func candidateDirs(rec *InstallRecord) []string {
	set := map[string]bool{}
	for _, p := range append(rec.List(recFile), rec.List(recData)...) {
		set[p] = rec.Has(recData, p)
		for d := path.Dir(p); d != "/" && d != "."; d = path.Dir(d) {
			set[d] = true
		}
	}
	var out []string
	for d, isDir := range set {
		if isDir {
			out = append(out, d)
		}
	}
	slices.Sort(out)
	return out
}

// recordProbe prints the host's record, then "exists DIR" for each of
// dirs the host has.
func recordProbe(dirs []string) string {
	return fmt.Sprintf(`cat %s 2>/dev/null; echo "%s"; for d in %s; do [ -d "$d" ] && echo "exists $d"; done; true`,
		InstallRecordPath, probeSeparator, quoteWords(dirs))
}

// probeSeparator ends the record in recordProbe's output.
const probeSeparator = "--- kubeup probe ---"

// readRecord runs recordProbe and returns the host's record (nil when it
// has none) and the directories of dirs it has.
func readRecord(ctx context.Context, h host.Host, dirs []string) (*InstallRecord, map[string]bool, error) {
	out, _, err := h.Exec(ctx, recordProbe(dirs))
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", InstallRecordPath, err)
	}
	text, rest, _ := strings.Cut(string(out), probeSeparator+"\n")
	exists := map[string]bool{}
	for _, l := range strings.Split(rest, "\n") {
		if d, ok := strings.CutPrefix(l, "exists "); ok {
			exists[d] = true
		}
	}
	if strings.TrimSpace(text) == "" {
		return nil, exists, nil
	}
	rec, err := ParseInstallRecord(text)
	return rec, exists, err
}

// recordInstall is apply's first change to a host: it adds to the
// host's install record everything this apply may install there, before
// any of it is created. A directory the host already had is not
// kubeup's, unless the record or the cluster mark (a host applied by a
// kubeup that kept no record) says it is.
func recordInstall(ctx context.Context, r *Run, s *phase.Step) error {
	h := r.specHost(s.HostName())
	want := plannedRecord(r, h, func(string) bool { return false })
	have, exists, err := readRecord(ctx, s.Host(), candidateDirs(want))
	if err != nil {
		return err
	}
	name := r.Cluster.Metadata.Name
	if have != nil && have.Cluster != name {
		return fmt.Errorf("%s belongs to cluster %s: reset the host with that cluster's spec first", InstallRecordPath, have.Cluster)
	}
	legacy := have == nil && r.Facts(s.HostName()) != nil && r.Facts(s.HostName()).ClusterMark == name
	existed := func(d string) bool {
		return exists[d] && !legacy && (have == nil || !(have.Has(recDir, d) || have.Has(recData, d)))
	}
	rec := plannedRecord(r, h, existed)
	if have != nil {
		rec.Merge(have)
		if rec.String() == have.String() {
			return nil
		}
	}
	what := fmt.Sprintf("record what kubeup installs in %s (%d files, %d directories, %d units)",
		InstallRecordPath, len(rec.List(recFile)), len(rec.List(recDir))+len(rec.List(recData)), len(rec.List(recUnit)))
	content := rec.String()
	return s.Wet(what, func(hh host.Host) error {
		return hh.WriteFile(ctx, hostfile.File{Path: InstallRecordPath, Mode: 0o600, Content: []byte(content)})
	})
}
