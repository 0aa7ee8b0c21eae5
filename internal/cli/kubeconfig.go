package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"kubeup.dev/kubeup/internal/atomicfile"
	"kubeup.dev/kubeup/internal/kubeconfig"
	"kubeup.dev/kubeup/internal/phases"
	"kubeup.dev/kubeup/internal/pki"
	"kubeup.dev/kubeup/internal/spec"
	"kubeup.dev/kubeup/internal/state"
)

// kubeconfigOptions are the flags of kubeup kubeconfig.
type kubeconfigOptions struct {
	file  string
	out   string
	merge bool
}

func newKubeconfigCmd(app *App) *cobra.Command {
	o := &kubeconfigOptions{}
	cmd := &cobra.Command{
		Use:   "kubeconfig -f FILE [--merge | --out PATH]",
		Short: "Write the cluster's admin kubeconfig (it holds a private key: 0600)",
		Long: "Kubeconfig writes the admin kubeconfig of the cluster to .kubeup/<cluster>/admin.conf\n" +
			"(or --out PATH; --out - prints it), or with --merge adds its cluster, user and\n" +
			"context to your kubeconfig ($KUBECONFIG's first file or ~/.kube/config) and makes\n" +
			"it the current context. It reads the local state only; it touches no host.",
		Args: exactArgs(0),
		RunE: func(*cobra.Command, []string) error { return o.run(app) },
	}
	cmd.Flags().StringVarP(&o.file, "file", "f", "", "the cluster spec (required)")
	cmd.Flags().StringVar(&o.out, "out", "", "where to write it (default .kubeup/<cluster>/admin.conf; - for stdout)")
	cmd.Flags().BoolVar(&o.merge, "merge", false, "merge into your kubeconfig and switch to the cluster's context")
	return cmd
}

func (o *kubeconfigOptions) run(app *App) error {
	if o.merge && o.out != "" {
		return usageError{errors.New("--merge and --out exclude each other")}
	}
	c, err := loadValidSpec(app.Err, o.file)
	if err != nil {
		return err
	}
	b, err := adminKubeconfig(o.file, c)
	if err != nil {
		return err
	}
	switch {
	case o.out == "-":
		_, err = app.Out.Write(b)
		return err
	case o.merge:
		return mergeKubeconfig(app, c.Metadata.Name, b)
	}
	out := o.out
	if out == "" {
		out = phases.AdminKubeconfigPath(state.Dir(o.file, c.Metadata.Name))
	}
	if err := atomicfile.WriteFile(out, b, 0o600); err != nil {
		return err
	}
	fmt.Fprintf(app.Out, "wrote %s (0600)\n  export KUBECONFIG=%s\n", out, out)
	return nil
}

// adminKubeconfig builds the admin kubeconfig from the local PKI.
func adminKubeconfig(specPath string, c *spec.Cluster) ([]byte, error) {
	st, err := pki.Load(state.PKIDir(state.Dir(specPath, c.Metadata.Name)), c)
	if err != nil {
		return nil, fmt.Errorf("cluster %s has no usable certificates yet (%w): run kubeup apply -f %s first", c.Metadata.Name, err, specPath)
	}
	return kubeconfig.Admin(c, st)
}

// mergeKubeconfig adds the cluster's entries to the user's kubeconfig.
func mergeKubeconfig(app *App, name string, b []byte) error {
	path := userKubeconfigPath()
	cfg, err := clientcmd.LoadFromFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		cfg, err = clientcmdapi.NewConfig(), nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	add, err := clientcmd.Load(b)
	if err != nil {
		return err
	}
	for k, v := range add.Clusters {
		cfg.Clusters[k] = v
	}
	for k, v := range add.AuthInfos {
		cfg.AuthInfos[k] = v
	}
	for k, v := range add.Contexts {
		cfg.Contexts[k] = v
	}
	cfg.CurrentContext = add.CurrentContext
	out, err := clientcmd.Write(*cfg)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, out, 0o600); err != nil {
		return err
	}
	fmt.Fprintf(app.Out, "merged cluster %s into %s; current context is now %s\n", name, path, add.CurrentContext)
	return nil
}

func userKubeconfigPath() string {
	if env := os.Getenv("KUBECONFIG"); env != "" {
		return filepath.SplitList(env)[0]
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".kube", "config")
}
