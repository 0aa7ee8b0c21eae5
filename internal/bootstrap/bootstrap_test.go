package bootstrap

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	"kubeup.dev/kubeup/internal/spec"
)

var update = flag.Bool("update", false, "rewrite golden files")

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
	files, err := Files(c, c.Spec.Hosts[0], []byte(testCA))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 {
		t.Fatalf("want 2 files, got %d", len(files))
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
}

func TestWorkersGetNothing(t *testing.T) {
	c := testCluster(t)
	files, err := Files(c, c.Spec.Hosts[1], []byte(testCA))
	if err != nil || len(files) != 0 {
		t.Fatalf("worker got %d files, %v", len(files), err)
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
	if back.Metadata.Name != "demo" {
		t.Error("spec ConfigMap wrong or carries a secret")
	}
}
