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
		Short: "Print the cluster's admin kubeconfig, or write or merge it",
		Long: "Kubeconfig prints the admin kubeconfig of the cluster on stdout, as kind get\n" +
			"kubeconfig does (it holds the admin's private key: redirect it to a private file).\n" +
			"--out PATH writes it to PATH with mode 0600; --merge adds its cluster, user and\n" +
			"context to your kubeconfig ($KUBECONFIG's first file or ~/.kube/config) and makes\n" +
			"it the current context. apply keeps .kubeup/<cluster>/admin.conf (0600) up to date.\n" +
			"It reads the local state only; it touches no host.",
		Args: exactArgs(0),
		RunE: func(*cobra.Command, []string) error { return o.run(app) },
	}
	cmd.Flags().StringVarP(&o.file, "file", "f", "", "the cluster spec (required)")
	cmd.Flags().StringVar(&o.out, "out", "", "write it to this file (0600) instead of stdout (- is stdout)")
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
	case o.merge:
		return mergeKubeconfig(app, c.Metadata.Name, b)
	case o.out == "" || o.out == "-":
		if _, err := app.Out.Write(b); err != nil {
			return fmt.Errorf("print the kubeconfig: %w", err)
		}
		return nil
	}
	if err := atomicfile.WriteFile(o.out, b, 0o600); err != nil {
		return fmt.Errorf("write the kubeconfig: %w: choose another --out", err)
	}
	fmt.Fprintf(app.Out, "wrote %s (0600)\n  export KUBECONFIG=%s\n", o.out, o.out)
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
