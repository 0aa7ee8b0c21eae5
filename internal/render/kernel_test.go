package render

import (
	"strings"
	"testing"

	"kubeup.dev/kubeup/internal/layout"
)

// TestProtectKernelDefaults: every variant but the sandbox has kubelet
// protect its kernel defaults and kubeup's sysctl file set each of them;
// the sandbox, whose nodes share the machine's kernel, does neither.
func TestProtectKernelDefaults(t *testing.T) {
	for _, v := range variants {
		on := v != "sandbox"
		for host, files := range renderHosts(t, v) {
			kubelet := string(fileAt(t, files, layout.KubeletConfig).Content)
			if got := strings.Contains(kubelet, "protectKernelDefaults: true"); got != on {
				t.Errorf("%s/%s: protectKernelDefaults true = %v, want %v", v, host, got, on)
			}
			sysctl := string(fileAt(t, files, layout.SysctlConfig).Content)
			for _, s := range KubeletSysctls() {
				if got := strings.Contains(sysctl, "\n"+s.Key+" = "+s.Value+"\n"); got != on {
					t.Errorf("%s/%s: %s sets %s = %v, want %v", v, host, layout.SysctlConfig, s.Key, got, on)
				}
			}
		}
	}
}
