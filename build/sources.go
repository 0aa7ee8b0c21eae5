// Package build holds the sources that kubeup's artifact builder
// (kubeup.dev/kubeup/internal/artifacts/build) compiles: kubeup's own small
// binaries (pause, smoke) and the templates of the wrapper modules that build
// the upstream components (the multi-call Kubernetes binary). The builder
// copies them into a module directory in its cache, keyed by version, and
// builds there, so a kubeup binary builds the same way wherever it runs.
package build

import (
	"embed"
	"io/fs"
)

//go:embed cmd/pause/main.go cmd/smoke/main.go templates
var sources embed.FS

// Sources returns the embedded source tree: cmd/pause, cmd/smoke and
// templates/kubernetes.
func Sources() fs.FS { return sources }
