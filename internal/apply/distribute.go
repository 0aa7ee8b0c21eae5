package apply

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"kubeup.dev/kubeup/internal/artifacts/manifest"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
	"kubeup.dev/kubeup/internal/spec"
)

// imagePath is where an image archive is kept on a host for import.
func imagePath(name string) string { return path.Join(layout.ImagesDir, name+".tar") }

// wanted is one artifact and where it goes on the host.
type wanted struct {
	Artifact manifest.Artifact
	Dest     string
	Mode     os.FileMode
}

// wantedArtifacts lists every binary and image archive host h needs.
func wantedArtifacts(r *remoteops.Run, h spec.Host) ([]wanted, error) {
	var out []wanted
	for _, n := range r.BinariesFor(h) {
		a, ok := r.Artifacts.Find(manifest.KindBinary, n)
		if !ok {
			return nil, fmt.Errorf("the artifacts lack binary %s: rebuild them (kubeup artifacts build) or use a complete bundle", n)
		}
		out = append(out, wanted{Artifact: a, Dest: remoteops.InstallPath(n), Mode: 0o755})
	}
	for _, a := range r.ImagesFor(h) {
		out = append(out, wanted{Artifact: a, Dest: imagePath(a.Name), Mode: 0o644})
	}
	return out, nil
}

// installedList records "sha256 size mtime path" for every artifact
// kubeup placed, so that a re-run trusts an unchanged file (same size and
// mtime) without hashing hundreds of megabytes again.
const installedList = layout.KubeupDir + "/installed.list"

// distribute uploads every binary and image archive whose sha256 on the
// host differs. Files with the same content (the multi-call Kubernetes
// binary under several names) are uploaded once and hard-linked.
func distribute(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	want, err := wantedArtifacts(r, r.SpecHost(s.HostName()))
	if err != nil {
		return err
	}
	dests := make([]string, len(want))
	for i, w := range want {
		dests[i] = w.Dest
	}
	have, recorded, err := installedSums(ctx, s.Host(), dests)
	if err != nil {
		return err
	}
	if err := removeUnwanted(ctx, s, recorded, dests); err != nil {
		return err
	}
	placed := map[string]string{} // sha256 -> a destination that holds it
	for _, w := range want {
		if have[w.Dest] == w.Artifact.SHA256 {
			placed[w.Artifact.SHA256] = w.Dest
		}
	}
	for _, w := range want {
		if have[w.Dest] == w.Artifact.SHA256 {
			continue
		}
		if err := place(ctx, r, s, w, placed); err != nil {
			return err
		}
		r.MarkChanged(s.HostName(), w.Dest)
	}
	if s.DryRun() {
		return nil
	}
	return recordInstalled(ctx, s, want)
}

// fileStat is a file's size and modification time.
type fileStat struct{ size, mtime string }

// statFiles reads installedList and the size and mtime of paths in one
// round trip.
func statFiles(ctx context.Context, h host.Host, paths []string) (record map[string][2]string, stats map[string]fileStat, err error) {
	cmd := fmt.Sprintf("cat %s 2>/dev/null; echo ---; stat -c '%%s %%Y %%n' -- %s 2>/dev/null; true", installedList, remoteops.QuoteWords(paths))
	out, _, err := h.Exec(ctx, cmd)
	if err != nil {
		return nil, nil, fmt.Errorf("read installed artifacts: %w", err)
	}
	rec, st, _ := strings.Cut(string(out), "---\n")
	record, stats = map[string][2]string{}, map[string]fileStat{}
	for _, l := range strings.Split(rec, "\n") {
		if f := strings.SplitN(l, " ", 4); len(f) == 4 {
			record[f[3]] = [2]string{f[0], f[1] + " " + f[2]}
		}
	}
	for _, l := range strings.Split(st, "\n") {
		if f := strings.SplitN(l, " ", 3); len(f) == 3 {
			stats[f[2]] = fileStat{size: f[0], mtime: f[1]}
		}
	}
	return record, stats, nil
}

// removeUnwanted removes the artifacts kubeup placed on the host (those
// installedList names) that it no longer wants there: the programs of
// components that now run as pods, the images of components the host no
// longer runs.
func removeUnwanted(ctx context.Context, s *phase.Step, recorded, want []string) error {
	var stale []string
	for _, p := range recorded {
		if !slices.Contains(want, p) {
			stale = append(stale, p)
		}
	}
	if len(stale) == 0 {
		return nil
	}
	slices.Sort(stale)
	return remoteops.WetExec(ctx, s, "remove "+remoteops.ListedNames(stale, 8)+": no component kubeup runs here needs them now", "rm -f -- "+remoteops.QuoteWords(stale))
}

// installedSums returns the sha256 of every existing path: from the
// install record when size and mtime still match, else by hashing; and
// the paths the record names.
func installedSums(ctx context.Context, h host.Host, paths []string) (map[string]string, []string, error) {
	record, stats, err := statFiles(ctx, h, paths)
	if err != nil {
		return nil, nil, err
	}
	recorded := slices.Sorted(maps.Keys(record))
	sums := map[string]string{}
	var unknown []string
	for p, st := range stats {
		if rec, ok := record[p]; ok && rec[1] == st.size+" "+st.mtime {
			sums[p] = rec[0]
			continue
		}
		unknown = append(unknown, p)
	}
	hashed, err := remoteFiles(ctx, h, unknown)
	if err != nil {
		return nil, nil, err
	}
	for p, f := range hashed {
		sums[p] = f.SHA256
	}
	return sums, recorded, nil
}

// recordInstalled rewrites installedList when it no longer describes the
// placed artifacts.
func recordInstalled(ctx context.Context, s *phase.Step, want []wanted) error {
	paths := make([]string, len(want))
	for i, w := range want {
		paths[i] = w.Dest
	}
	record, stats, err := statFiles(ctx, s.Host(), paths)
	if err != nil {
		return err
	}
	var b strings.Builder
	current := len(record) == len(want)
	for _, w := range want {
		st := stats[w.Dest]
		fmt.Fprintf(&b, "%s %s %s %s\n", w.Artifact.SHA256, st.size, st.mtime, w.Dest)
		if rec := record[w.Dest]; rec != [2]string{w.Artifact.SHA256, st.size + " " + st.mtime} {
			current = false
		}
	}
	if current {
		return nil
	}
	content := b.String()
	return s.Wet("record installed artifacts in "+installedList, func(h host.Host) error {
		return h.WriteFile(ctx, hostfile.File{Path: installedList, Mode: 0o644, Content: []byte(content)})
	})
}

// place puts one artifact at its destination: a hard link to a copy
// already on the host, or an upload.
func place(ctx context.Context, r *remoteops.Run, s *phase.Step, w wanted, placed map[string]string) error {
	if src, ok := placed[w.Artifact.SHA256]; ok {
		cmd := fmt.Sprintf("mkdir -p %s && ln -f %s %s.kubeup-tmp && mv -f %s.kubeup-tmp %s",
			host.Quote(path.Dir(w.Dest)), host.Quote(src), host.Quote(w.Dest), host.Quote(w.Dest), host.Quote(w.Dest))
		return s.Wet(fmt.Sprintf("link %s (%s)", w.Dest, w.Artifact.Version), func(h host.Host) error {
			_, _, err := h.Exec(ctx, cmd)
			return err
		})
	}
	local := filepath.Join(r.ArtifactsDir, filepath.FromSlash(w.Artifact.Path))
	what := fmt.Sprintf("upload %s (%s, %d MB)", w.Dest, w.Artifact.Version, w.Artifact.Size>>20)
	err := s.Wet(what, func(h host.Host) error {
		f, err := os.Open(local)
		if err != nil {
			return fmt.Errorf("open artifact: %w", err)
		}
		defer f.Close()
		return h.Upload(ctx, f, w.Dest, w.Mode)
	})
	if err == nil {
		placed[w.Artifact.SHA256] = w.Dest
	}
	return err
}
