package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"kubeup.dev/kubeup/internal/sandbox"
	"kubeup.dev/kubeup/internal/sandbox/engine"
	"kubeup.dev/kubeup/internal/sandbox/nodeimage"
)

type sandboxCreateOptions struct {
	sandbox.CreateOptions
	image  string
	mirror string
}

func newSandboxCreateCmd(app *App) *cobra.Command {
	o := &sandboxCreateOptions{}
	cmd := &cobra.Command{
		Use:   "create --name NAME --nodes N [--control-planes K] [-f SPEC] [--subnet CIDR]",
		Short: "Create node containers and write a cluster spec for them",
		Long: "Creates a Docker network and N node containers (systemd, sshd, containerd), builds the\n" +
			"node image first when it is missing (debootstrap, about 4 minutes, cached), and writes\n" +
			"a cluster spec (default NAME.yaml): the first K nodes are control plane and etcd, the\n" +
			"rest workers. It returns when every node answers SSH with systemd running.",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), app) },
	}
	f := cmd.Flags()
	f.StringVar(&o.Name, "name", "", "sandbox name (a DNS label); nodes are NAME-node1..N")
	f.IntVar(&o.Nodes, "nodes", 1, "number of node containers")
	f.IntVar(&o.ControlPlanes, "control-planes", 1, "how many of the first nodes run the control plane and etcd")
	f.StringVarP(&o.SpecPath, "file", "f", "", "where to write the cluster spec (default NAME.yaml)")
	f.StringVar(&o.Subnet, "subnet", "", "IPv4 CIDR of the sandbox network (default: a free /24 of "+sandbox.DefaultPool+")")
	f.DurationVar(&o.Timeout, "timeout", 2*time.Minute, "how long to wait for the nodes to be ready")
	f.BoolVar(&o.Retain, "retain", false, "keep the nodes when creation fails, for a look")
	f.StringVar(&o.image, "image", "", "use this node image instead of building kubeup's own")
	f.StringVar(&o.mirror, "debian-mirror", nodeimage.DefaultMirror, "Debian archive for building the node image")
	return cmd
}

func (o *sandboxCreateOptions) run(ctx context.Context, app *App) error {
	if err := sandbox.ValidateName(o.Name); err != nil {
		return usageError{err}
	}
	m, d, err := sandboxManager(ctx, app)
	if err != nil {
		return err
	}
	defer d.Close()
	if m.Images, err = o.images(d, app); err != nil {
		return err
	}
	_, err = m.Create(ctx, o.CreateOptions)
	return err
}

// images is the node image source: a given --image, or kubeup's recipe
// built on demand.
func (o *sandboxCreateOptions) images(d *engine.Docker, app *App) (sandbox.Images, error) {
	if o.image != "" {
		return fixedImage{d: d, ref: o.image}, nil
	}
	dir, err := nodeImageCacheDir()
	if err != nil {
		return nil, err
	}
	r := nodeimage.DefaultRecipe()
	return &nodeimage.Builder{Engine: d, Recipe: r, CacheDir: dir, Mirror: o.mirror, Progress: app.Out,
		LogPath: filepath.Join(dir, "build-"+r.Hash()[:16]+".log")}, nil
}

// fixedImage is an image the user names with --image; it must exist.
type fixedImage struct {
	d   *engine.Docker
	ref string
}

func (f fixedImage) Ensure(ctx context.Context) (string, bool, error) {
	ok, err := f.d.ImageExists(ctx, f.ref)
	if err == nil && !ok {
		err = fmt.Errorf("the engine has no image %s: build or load it, or leave --image out to use kubeup's", f.ref)
	}
	return f.ref, false, err
}
