package render

import (
	"path"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/kubernetes/scheme"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"

	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/spec"
	"kubeup.dev/kubeup/internal/staticpod"
	"kubeup.dev/kubeup/internal/versions"
)

// staticPodVariants are the variants in static-pods mode.
var staticPodVariants = []string{"staticpods", "staticpods-ha"}

// kubeObjects strictly decodes every document of a rendered manifest with
// the Kubernetes scheme, as the API server and the kubelet decode it.
func kubeObjects(t *testing.T, f hostfile.File) []runtime.Object {
	t.Helper()
	dec := serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict).UniversalDeserializer()
	var out []runtime.Object
	for _, doc := range strings.Split(string(f.Content), "\n---\n") {
		obj, _, err := dec.Decode([]byte(doc), nil, nil)
		if err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
		out = append(out, obj)
	}
	return out
}

// TestManifestsDecodeStrictly decodes every addon and staged manifest of
// every variant with the Kubernetes scheme and checks what the API server
// and the kubelet validate about their pods' volumes and labels.
func TestManifestsDecodeStrictly(t *testing.T) {
	for _, v := range variants {
		for host, files := range renderHosts(t, v) {
			for _, f := range files {
				if !strings.HasPrefix(f.Path, layout.AddonsDir+"/") && !strings.HasPrefix(f.Path, layout.StagedManifestsDir+"/") {
					continue
				}
				for _, obj := range kubeObjects(t, f) {
					if ps, labels, ok := podOf(obj); ok {
						checkPodSpec(t, v+"/"+host+f.Path, ps, labels)
					}
				}
			}
		}
	}
}

// podOf returns the pod spec and labels of a pod or a pod template.
func podOf(obj runtime.Object) (*corev1.PodSpec, map[string]string, bool) {
	switch o := obj.(type) {
	case *corev1.Pod:
		return &o.Spec, o.Labels, true
	case *appsv1.DaemonSet:
		return &o.Spec.Template.Spec, o.Spec.Template.Labels, true
	case *appsv1.Deployment:
		return &o.Spec.Template.Spec, o.Spec.Template.Labels, true
	}
	return nil, nil, false
}

// checkPodSpec: valid labels and volume names, each volume mounted once
// and each mount of a volume; a hostPath volume is mounted at its path.
func checkPodSpec(t *testing.T, where string, ps *corev1.PodSpec, labels map[string]string) {
	t.Helper()
	for k, v := range labels {
		if errs := append(validation.IsQualifiedName(k), validation.IsValidLabelValue(v)...); len(errs) > 0 {
			t.Errorf("%s: label %s=%s: %v", where, k, v, errs)
		}
	}
	vols := map[string]corev1.Volume{}
	for _, vol := range ps.Volumes {
		if errs := validation.IsDNS1123Label(vol.Name); len(errs) > 0 || vols[vol.Name].Name != "" {
			t.Errorf("%s: volume %q invalid or twice: %v", where, vol.Name, errs)
		}
		vols[vol.Name] = vol
	}
	for _, c := range ps.Containers {
		mounted := map[string]bool{}
		for _, m := range c.VolumeMounts {
			vol, ok := vols[m.Name]
			if !ok || mounted[m.MountPath] {
				t.Errorf("%s: mount %s of %q: no such volume or path mounted twice", where, m.MountPath, m.Name)
			}
			if vol.HostPath != nil && vol.HostPath.Path != m.MountPath {
				t.Errorf("%s: host path %s mounted at %s", where, vol.HostPath.Path, m.MountPath)
			}
			mounted[m.MountPath] = true
		}
		if len(mounted) != len(vols) {
			t.Errorf("%s: %d volumes, %d mounted", where, len(vols), len(mounted))
		}
	}
}

// systemdCluster is variant v in systemd mode.
func systemdCluster(t *testing.T, v string) *spec.Cluster {
	t.Helper()
	c := loadSpec(t, v)
	c.Spec.ControlPlane.Mode = spec.ModeSystemd
	return c
}

// unitArgs are the flags of a unit's ExecStart, unescaped.
func unitArgs(t *testing.T, files []hostfile.File, name string) []string {
	t.Helper()
	text := strings.ReplaceAll(string(fileAt(t, files, layout.Unit(name)).Content), "\\\n", " ")
	for _, l := range strings.Split(text, "\n") {
		if rest, ok := strings.CutPrefix(l, "ExecStart="); ok {
			var out []string
			for _, w := range strings.Fields(rest)[1:] {
				out = append(out, strings.NewReplacer(`"`, "", "$$", "$", "%%", "%").Replace(w))
			}
			return out
		}
	}
	t.Fatalf("%s has no ExecStart", name)
	return nil
}

// covered reports whether some mount makes host path p visible.
func covered(mounts []corev1.VolumeMount, p string) bool {
	return slices.ContainsFunc(mounts, func(m corev1.VolumeMount) bool {
		return p == m.MountPath || strings.HasPrefix(p, m.MountPath+"/")
	})
}

// checkCommand: the program in the image, then want; every absolute path
// a flag names is mounted.
func checkCommand(t *testing.T, where, name string, c corev1.Container, want []string) {
	t.Helper()
	if c.Command[0] != imagePrograms()[name] || !slices.Equal(c.Command[1:], want) {
		t.Errorf("%s: command\n  %v\nwant %s with\n  %v", where, c.Command, imagePrograms()[name], want)
	}
	for _, w := range c.Command[1:] {
		if _, p, _ := strings.Cut(w, "="); path.IsAbs(p) && !covered(c.VolumeMounts, p) {
			t.Errorf("%s: %s is not mounted", where, p)
		}
	}
}

// TestStaticPods: each static pod component of a host has, instead of its
// unit, a staged root-only manifest its component reads, in kubeadm's
// form, running the unit's flags (etcd's TLS files copied by apply in
// place of systemd's credentials) from its image.
func TestStaticPods(t *testing.T) {
	for _, v := range staticPodVariants {
		c := loadSpec(t, v)
		vs, _ := versions.For(c.Spec.KubernetesVersion)
		sys := systemdCluster(t, v)
		for _, h := range c.Spec.Hosts {
			files, err := HostFiles(c, h, testSecrets())
			if err != nil {
				t.Fatal(err)
			}
			sysFiles, err := HostFiles(sys, h, testSecrets())
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range catalog.RunningAs(c, catalog.For(c, h), catalog.StaticPod) {
				where := v + "/" + h.Name + "/" + k.Name
				if hasFile(files, layout.Unit(k.Name)) {
					t.Errorf("%s: has a unit", where)
				}
				f := fileAt(t, files, layout.StagedManifest(k.Name))
				checkStagedFile(t, where, k.Name, f)
				pod := kubeObjects(t, f)[0].(*corev1.Pod)
				checkStaticPod(t, where, k.Name, h, pod, vs)
				checkCommand(t, where, k.Name, pod.Spec.Containers[0], podWant(k.Name, unitArgs(t, sysFiles, k.Name)))
			}
		}
	}
}

// podWant is what a static pod's flags must be: the unit's, etcd's
// systemd credentials replaced by apply's copies.
func podWant(name string, unit []string) []string {
	out := slices.Clone(unit)
	if name != "etcd" {
		return out
	}
	for i, w := range out {
		for _, c := range etcdCredentials() {
			out[i] = strings.Replace(w, "="+etcdCredentialsDir+"/"+c.name, "="+layout.EtcdCredentialsDir+"/"+c.name, 1)
			if out[i] != w {
				break
			}
		}
	}
	return out
}

func checkStagedFile(t *testing.T, where, name string, f hostfile.File) {
	t.Helper()
	if f.Mode != 0o600 || !f.Plain || !slices.Equal(f.Readers, []string{name}) {
		t.Errorf("%s: mode %04o plain %v readers %v", where, f.Mode, f.Plain, f.Readers)
	}
	if n := strings.Count(string(f.Content), staticpod.StampPlaceholder); n != 2 {
		t.Errorf("%s: the stamp placeholder appears %d times, not twice (label and variable)", where, n)
	}
	const stamp = "0123456789"
	pod := kubeObjects(t, hostfile.File{Path: f.Path, Content: staticpod.Stamped(f.Content, stamp)})[0].(*corev1.Pod)
	if pod.Labels[staticpod.StampLabel] != stamp || pod.Spec.Containers[0].Env[0].Value != stamp {
		t.Errorf("%s: stamped, the label is %q and the variable %+v", where, pod.Labels[staticpod.StampLabel], pod.Spec.Containers[0].Env)
	}
}

func checkStaticPod(t *testing.T, where, name string, h spec.Host, pod *corev1.Pod, vs versions.Set) {
	t.Helper()
	ctr := pod.Spec.Containers[0]
	if pod.Name != name || pod.Namespace != "kube-system" || pod.Labels[staticpod.ComponentLabel] != name ||
		pod.Labels["tier"] != "control-plane" || pod.Labels[staticpod.StampLabel] != staticpod.StampPlaceholder {
		t.Errorf("%s: metadata %+v", where, pod.ObjectMeta)
	}
	if !pod.Spec.HostNetwork || pod.Spec.PriorityClassName != "system-node-critical" || *pod.Spec.Priority != 2000001000 ||
		pod.Spec.SecurityContext.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: pod spec %+v", where, pod.Spec)
	}
	if len(pod.Spec.Containers) != 1 || ctr.Name != name || ctr.Image != vs.ComponentImage(name) ||
		ctr.ImagePullPolicy != corev1.PullNever || ctr.Resources.Requests.Cpu().IsZero() {
		t.Errorf("%s: container %+v", where, ctr)
	}
	if !slices.Contains(ctr.Env, corev1.EnvVar{Name: staticpod.StampEnv, Value: staticpod.StampPlaceholder}) {
		t.Errorf("%s: no %s=%s in %+v", where, staticpod.StampEnv, staticpod.StampPlaceholder, ctr.Env)
	}
	want := map[string]string{"etcd": "127.0.0.1:2381", "kube-apiserver": h.Address + ":6443",
		"kube-controller-manager": "127.0.0.1:10257", "kube-scheduler": "127.0.0.1:10259"}[name]
	for _, p := range []*corev1.Probe{ctr.LivenessProbe, ctr.StartupProbe} {
		if p == nil || p.HTTPGet.Host+":"+p.HTTPGet.Port.String() != want {
			t.Errorf("%s: probe %+v, want one at %s", where, p, want)
		}
	}
}

// TestNetworkAddon: in static-pods mode the network addon runs kube-proxy
// and flanneld on every node with the units' flags (flanneld's interface
// the node's address), from their images, with the host's iptables.
func TestNetworkAddon(t *testing.T) {
	c := loadSpec(t, "staticpods-ha")
	vs, _ := versions.For(c.Spec.KubernetesVersion)
	hosts := renderHosts(t, "staticpods-ha")
	w1, _ := c.Spec.Host("w1")
	sysFiles, err := HostFiles(systemdCluster(t, "staticpods-ha"), w1, testSecrets())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"kube-proxy": unitArgs(t, sysFiles, "kube-proxy"),
		"flanneld":   withFlag(unitArgs(t, sysFiles, "flanneld"), "--iface=$(HOST_IP)"),
	}
	objs := kubeObjects(t, fileAt(t, hosts["cp1"], layout.Addon(AddonNetwork)))
	if len(objs) != 2 {
		t.Fatalf("%d objects, want 2 DaemonSets", len(objs))
	}
	for i, name := range []string{"kube-proxy", "flanneld"} {
		ds := objs[i].(*appsv1.DaemonSet)
		checkDaemonSet(t, name, ds, vs)
		checkCommand(t, ds.Name, name, ds.Spec.Template.Spec.Containers[0], want[name])
	}
	for host, files := range hosts {
		for _, name := range []string{"kube-proxy", "flanneld"} {
			if hasFile(files, layout.Unit(name)) {
				t.Errorf("%s: has a %s unit", host, name)
			}
		}
	}
}

// withFlag replaces the word of the flag that word sets.
func withFlag(words []string, word string) []string {
	name, _, _ := strings.Cut(word, "=")
	out := slices.Clone(words)
	for i, w := range out {
		if strings.HasPrefix(w, name+"=") {
			out[i] = word
		}
	}
	return out
}

func checkDaemonSet(t *testing.T, name string, ds *appsv1.DaemonSet, vs versions.Set) {
	t.Helper()
	ps := ds.Spec.Template.Spec
	ctr := ps.Containers[0]
	for k, v := range ds.Spec.Selector.MatchLabels {
		if ds.Spec.Template.Labels[k] != v {
			t.Errorf("%s: the template lacks the selector's %s=%s", ds.Name, k, v)
		}
	}
	if ds.Namespace != "kube-system" || ds.Spec.Template.Labels[staticpod.ComponentLabel] != name ||
		ds.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable.IntValue() != 1 {
		t.Errorf("%s: %+v", ds.Name, ds.ObjectMeta)
	}
	if !ps.HostNetwork || ps.PriorityClassName != "system-node-critical" || len(ps.Tolerations) != 1 ||
		ps.Tolerations[0] != (corev1.Toleration{Operator: corev1.TolerationOpExists}) {
		t.Errorf("%s: pod spec %+v", ds.Name, ps)
	}
	if ctr.Name != name || ctr.Image != vs.ComponentImage(name) || ctr.ImagePullPolicy != corev1.PullNever || !*ctr.SecurityContext.Privileged {
		t.Errorf("%s: container %+v", ds.Name, ctr)
	}
	for _, p := range []string{"/usr", "/etc/alternatives", "/run/xtables.lock"} {
		if !covered(ctr.VolumeMounts, p) {
			t.Errorf("%s: the host's %s is not mounted", ds.Name, p)
		}
	}
	if name == "kube-proxy" && !covered(ctr.VolumeMounts, layout.KubeProxyConf) {
		t.Errorf("%s: its kubeconfig is not mounted", ds.Name)
	}
	if name == "flanneld" && !slices.ContainsFunc(ctr.Env, func(e corev1.EnvVar) bool {
		return e.Name == "HOST_IP" && e.ValueFrom.FieldRef.FieldPath == "status.hostIP"
	}) {
		t.Errorf("%s: no HOST_IP from status.hostIP: %+v", ds.Name, ctr.Env)
	}
}

// TestKubeletStaticPodPath: the kubelet runs layout.ManifestsDir's pods
// in static-pods mode only.
func TestKubeletStaticPodPath(t *testing.T) {
	for _, v := range variants {
		c := loadSpec(t, v)
		for host, files := range renderHosts(t, v) {
			var k kubeletv1beta1.KubeletConfiguration
			decodeStrict(t, fileAt(t, files, layout.KubeletConfig).Content, &k)
			if want := map[bool]string{true: layout.ManifestsDir}[c.Spec.StaticPods()]; k.StaticPodPath != want {
				t.Errorf("%s/%s: staticPodPath %q, want %q", v, host, k.StaticPodPath, want)
			}
		}
	}
}

// TestHostPathsFor: a path below a known directory is mounted through the
// innermost, other files alone, and a mount inside another is left out.
func TestHostPathsFor(t *testing.T) {
	got := hostPathsFor([]string{layout.EtcdCACert, layout.APIServerCert, layout.AdminConf, "/var/log/kubernetes/audit.log"})
	var paths []string
	for _, hp := range got {
		paths = append(paths, hp.path)
	}
	want := []string{"/var/log/kubernetes", layout.AdminConf, layout.PKIDir}
	if !slices.Equal(paths, want) {
		t.Errorf("hostPathsFor = %v, want %v", paths, want)
	}
	if etcd := hostPathsFor([]string{layout.EtcdServerKey}); len(etcd) != 1 || etcd[0].path != layout.EtcdPKIDir {
		t.Errorf("etcd's key is mounted as %+v, want through %s alone", etcd, layout.EtcdPKIDir)
	}
	long := "/" + strings.Repeat("x", 70)
	if n := volumeName(long); len(validation.IsDNS1123Label(n)) > 0 || volumeName(path.Join(long, "y")) == n {
		t.Errorf("volume name %q of a long path is invalid or not unique", n)
	}
}

func TestPodArgs(t *testing.T) {
	if got := podArgs([]string{"--a=$(X)", "--b=c"}); !slices.Equal(got, []string{"--a=$$(X)", "--b=c"}) {
		t.Errorf("podArgs = %v", got)
	}
}
