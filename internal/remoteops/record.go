package remoteops

import (
	"bufio"
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/layout"
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
	RecCluster = "cluster" // the cluster the host belongs to
	RecFile    = "file"    // a file kubeup (or a component it runs) writes
	RecDir     = "dir"     // a directory kubeup created: removed when left empty
	RecData    = "data"    // a data directory kubeup created: removed with its content
	RecUnit    = "unit"    // a systemd unit kubeup installed
	RecImage   = "image"   // an image kubeup imported into containerd's k8s.io namespace
)

// recordKinds are the kinds in the order a record lists them.
func recordKinds() []string { return []string{RecFile, RecDir, RecData, RecUnit, RecImage} }

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

// Remove drops value from the values of kind.
func (rec *InstallRecord) Remove(kind, value string) {
	rec.items[kind] = slices.DeleteFunc(rec.items[kind], func(v string) bool { return v == value })
}

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
	fmt.Fprintf(&b, "%s %s\n", RecCluster, rec.Cluster)
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
		case kind == RecCluster:
			rec.Cluster = value
		case slices.Contains(recordKinds(), kind):
			if kind != RecUnit && kind != RecImage && !path.IsAbs(value) {
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
	for _, n := range r.StaticPodsOn(h) {
		out = append(out, layout.StaticPodManifest(n))
	}
	return out
}

// DataDirs are the directories that the components kubeup runs fill
// with files no one can list in advance, and kubeup's own directory.
func DataDirs(c *spec.Cluster, h spec.Host) []string {
	dirs := []string{layout.KubeletDir, layout.KubeProxyDir, layout.FlannelRunDir, layout.KubeupDir,
		"/var/lib/cni", "/var/log/kubernetes", "/var/log/pods", "/var/log/containers", "/usr/libexec/kubernetes"}
	if h.HasRole(spec.RoleEtcd) && c.Spec.Etcd.External == nil {
		dirs = append(dirs, layout.EtcdDataDir)
	}
	return dirs
}

// PlannedRecord is everything apply installs on host h: the planned
// files (but containerd's configuration, which reset restores), the
// binaries, the units, the images, the component data directories and
// every directory above them. exists reports the directories the host
// had before kubeup: those are never recorded as kubeup's (kubeup's own
// directory excepted).
func PlannedRecord(r *Run, h spec.Host, exists func(string) bool) *InstallRecord {
	rec := NewInstallRecord(r.Cluster.Metadata.Name)
	for _, f := range r.HostFiles(h.Name).Files {
		if f.Path != layout.ContainerdConfig {
			rec.Add(RecFile, f.Path)
		}
	}
	for _, b := range r.BinariesFor(h) {
		rec.Add(RecFile, InstallPath(b))
	}
	rec.Add(RecFile, r.componentFiles(h)...)
	rec.Add(RecFile, InstallRecordPath)
	for _, u := range KubeupUnits() {
		if rec.Has(RecFile, layout.Unit(u)) {
			rec.Add(RecUnit, u)
		}
	}
	for _, a := range r.ImagesFor(h) {
		rec.Add(RecImage, a.Refs()...)
	}
	for _, d := range DataDirs(r.Cluster, h) {
		if d == layout.KubeupDir || !exists(d) {
			rec.Add(RecData, d)
		}
	}
	addParentDirs(rec, exists)
	return rec
}

// addParentDirs records every directory above a recorded file or data
// directory that the host does not have.
func addParentDirs(rec *InstallRecord, exists func(string) bool) {
	for _, p := range append(rec.List(RecFile), rec.List(RecData)...) {
		for d := path.Dir(p); d != "/" && d != "." && !exists(d); d = path.Dir(d) {
			if !rec.Has(RecData, d) {
				rec.Add(RecDir, d)
			}
		}
	}
}

// CandidateDirs are the directories whose existence decides what a
// record names: the data directories and every parent of a planned path.
func CandidateDirs(rec *InstallRecord) []string {
	set := map[string]bool{}
	for _, p := range append(rec.List(RecFile), rec.List(RecData)...) {
		set[p] = rec.Has(RecData, p)
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

// RecordProbe prints the host's record, then "exists DIR" for each of
// dirs the host has.
func RecordProbe(dirs []string) string {
	return fmt.Sprintf(`cat %s 2>/dev/null; echo "%s"; for d in %s; do [ -d "$d" ] && echo "exists $d"; done; true`,
		InstallRecordPath, ProbeSeparator, QuoteWords(dirs))
}

// ProbeSeparator ends the record in RecordProbe's output.
const ProbeSeparator = "--- kubeup probe ---"

// ReadRecord runs RecordProbe and returns the host's record (nil when it
// has none) and the directories of dirs it has.
func ReadRecord(ctx context.Context, h host.Host, dirs []string) (*InstallRecord, map[string]bool, error) {
	out, _, err := h.Exec(ctx, RecordProbe(dirs))
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", InstallRecordPath, err)
	}
	text, rest, _ := strings.Cut(string(out), ProbeSeparator+"\n")
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
