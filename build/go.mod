module kubeup.dev/kubeup/build

go 1.26

// This module must stay free of requirements: kubeup embeds it (see
// sources.go) through a replace directive in the main module's go.mod. The
// upstream components are built from wrapper modules that kubeup generates
// per version in its cache (internal/artifacts/build), not from here.
