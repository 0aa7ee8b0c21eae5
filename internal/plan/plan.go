// Package plan gathers every file kubeup writes on every host (certificates,
// kubeconfigs, units and configs) and writes them to a directory for review:
// DIR/<host>/<absolute path> plus DIR/manifest.json. The same state in gives
// the same bytes out.
package plan

import (
	"fmt"

	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/spec"
)

// HostFiles is every file one host receives.
type HostFiles struct {
	Host  spec.Host
	Files []hostfile.File
}

// Source produces the files of one concern (PKI, kubeconfigs, rendered
// configuration) for a host.
type Source func(h spec.Host) ([]hostfile.File, error)

// Build asks every source for every host's files, sorts them by path and
// rejects two sources writing the same path.
func Build(c *spec.Cluster, sources ...Source) ([]HostFiles, error) {
	out := make([]HostFiles, 0, len(c.Spec.Hosts))
	for _, h := range c.Spec.Hosts {
		files, err := hostFiles(h, sources)
		if err != nil {
			return nil, err
		}
		out = append(out, HostFiles{Host: h, Files: files})
	}
	return out, nil
}

func hostFiles(h spec.Host, sources []Source) ([]hostfile.File, error) {
	var files []hostfile.File
	seen := map[string]bool{}
	for _, src := range sources {
		fs, err := src(h)
		if err != nil {
			return nil, fmt.Errorf("plan files for host %s: %w", h.Name, err)
		}
		for _, f := range fs {
			if seen[f.Path] {
				return nil, fmt.Errorf("plan files for host %s: %s is produced twice", h.Name, f.Path)
			}
			seen[f.Path] = true
			files = append(files, f)
		}
	}
	hostfile.Sort(files)
	return files, nil
}
