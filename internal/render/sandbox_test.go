package render

import (
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/layout"
)

// sandboxMarks are the sandbox adaptations, each in the file it belongs to.
func sandboxMarks(host string) map[string]string {
	return map[string]string{
		layout.KubeletConfig:    "cgroupRoot: /kubeup-" + host,
		layout.ContainerdConfig: "restrict_oom_score_adj = true",
		layout.KubeProxyConfig:  "maxPerCore: 0",
	}
}

// TestSandboxAdaptationsOnlyInSandbox checks that every adaptation appears
// in the sandbox variant and none in the others.
func TestSandboxAdaptationsOnlyInSandbox(t *testing.T) {
	for _, v := range variants {
		sandbox := v == "sandbox"
		for host, files := range renderHosts(t, v) {
			for path, mark := range sandboxMarks(host) {
				got := strings.Contains(string(fileAt(t, files, path).Content), mark)
				if got != sandbox {
					t.Errorf("%s/%s %s: contains %q = %v, want %v", v, host, path, mark, got, sandbox)
				}
			}
			kubelet := string(fileAt(t, files, layout.KubeletConfig).Content)
			if strings.Contains(kubelet, "resolvConf") != sandbox || hasFile(files, layout.KubeletResolvConf) != sandbox {
				t.Errorf("%s/%s: kubelet resolvConf and its file must exist only in the sandbox", v, host)
			}
		}
	}
}

func TestSandboxResolvConf(t *testing.T) {
	files := renderHosts(t, "sandbox")["kubeup-sandbox-2"]
	got := string(fileAt(t, files, layout.KubeletResolvConf).Content)
	for _, want := range []string{"nameserver 10.0.2.3\n", "nameserver 1.1.1.1\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("resolv.conf lacks %q:\n%s", want, got)
		}
	}
	kubelet := string(fileAt(t, files, layout.KubeletConfig).Content)
	if !strings.Contains(kubelet, "resolvConf: "+layout.KubeletResolvConf) {
		t.Errorf("kubelet config does not point at %s:\n%s", layout.KubeletResolvConf, kubelet)
	}
}

// TestSandboxAdaptationsAreSeparate turns the adaptations on one at a time.
func TestSandboxAdaptationsAreSeparate(t *testing.T) {
	c := loadSpec(t, "sandbox")
	c.Spec.Sandbox.PerNodeCgroupRoot = false
	c.Spec.Sandbox.Nameservers = nil
	h := c.Spec.Hosts[1]
	files, err := HostFiles(c, h, nil)
	if err != nil {
		t.Fatal(err)
	}
	kubelet := string(fileAt(t, files, layout.KubeletConfig).Content)
	if strings.Contains(kubelet, "cgroupRoot") || strings.Contains(kubelet, "resolvConf") || hasFile(files, layout.KubeletResolvConf) {
		t.Errorf("adaptations that are off still rendered:\n%s", kubelet)
	}
	if !strings.Contains(string(fileAt(t, files, layout.ContainerdConfig).Content), "restrict_oom_score_adj = true") {
		t.Error("restrictOOMScoreAdj is on but missing from containerd's config")
	}
}
