package bootstrap

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	"kubeup.dev/kubeup/internal/spec"
	"kubeup.dev/kubeup/internal/state"
)

var update = flag.Bool("update", false, "rewrite golden files")

var testSecrets = &state.Secrets{BootstrapTokenID: "abcdef", BootstrapTokenSecret: "0123456789abcdef", EncryptionKey: "x"}

const testCA = "-----BEGIN CERTIFICATE-----\nTEST\n-----END CERTIFICATE-----\n"

func testCluster(t *testing.T) *spec.Cluster {
	t.Helper()
	c, err := spec.Parse(spec.Example())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFilesGolden(t *testing.T) {
	c := testCluster(t)
	files, err := Files(c, c.Spec.Hosts[0], testSecrets, []byte(testCA))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 3 {
		t.Fatalf("want 3 files, got %d", len(files))
	}
	for _, f := range files {
		golden := filepath.Join("testdata", filepath.Base(f.Path))
		if *update {
			if err := os.WriteFile(golden, f.Content, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test -update)", err)
		}
		if string(want) != string(f.Content) {
			t.Errorf("%s differs from %s (run go test -update after checking)", f.Path, golden)
		}
	}
	if files[0].Mode != 0o600 {
		t.Errorf("token manifest mode %o, want 0600", files[0].Mode)
	}
}

func TestWorkersGetNothing(t *testing.T) {
	c := testCluster(t)
	files, err := Files(c, c.Spec.Hosts[1], testSecrets, []byte(testCA))
	if err != nil || len(files) != 0 {
		t.Fatalf("worker got %d files, %v", len(files), err)
	}
}

func TestTokenSecretIsAValidBootstrapToken(t *testing.T) {
	s := TokenSecret(testSecrets)
	if s.Name != "bootstrap-token-abcdef" || s.Type != corev1.SecretTypeBootstrapToken {
		t.Fatalf("secret %s type %s", s.Name, s.Type)
	}
	if s.StringData["token-secret"] != "0123456789abcdef" || s.StringData["usage-bootstrap-authentication"] != "true" {
		t.Errorf("data %v", s.StringData)
	}
}

func TestClusterInfoHasServerAndCAOnly(t *testing.T) {
	c := testCluster(t)
	kc, err := ClusterInfoKubeconfig(c, []byte(testCA))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.Load(kc)
	if err != nil {
		t.Fatal(err)
	}
	cl := cfg.Clusters[""]
	if cl == nil || cl.Server != "https://192.168.10.11:6443" || string(cl.CertificateAuthorityData) != testCA {
		t.Fatalf("cluster-info cluster: %+v", cl)
	}
	if len(cfg.AuthInfos) != 0 {
		t.Error("cluster-info must not carry credentials")
	}
}

func TestSpecConfigMapParsesBack(t *testing.T) {
	c := testCluster(t)
	b, err := specConfigMap(c)
	if err != nil {
		t.Fatal(err)
	}
	var cm corev1.ConfigMap
	if err := yaml.Unmarshal(b, &cm); err != nil {
		t.Fatal(err)
	}
	back, err := spec.Parse([]byte(cm.Data["cluster.yaml"]))
	if err != nil {
		t.Fatal(err)
	}
	if back.Metadata.Name != "demo" || strings.Contains(cm.Data["cluster.yaml"], testSecrets.BootstrapTokenSecret) {
		t.Error("spec ConfigMap wrong or carries a secret")
	}
}
