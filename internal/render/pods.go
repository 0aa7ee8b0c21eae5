package render

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"kubeup.dev/kubeup/internal/artifacts/podimages"
	"kubeup.dev/kubeup/internal/catalog"
	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/staticpod"
)

// The priority of the pods kubeup runs on every node (kubeadm's).
const (
	systemNodeCritical         = "system-node-critical"
	systemNodeCriticalPriority = 2000001000
)

// imagePrograms are the programs' paths in the component images
// (versions.Set.ComponentImage, laid out by package podimages): the
// images hold no shell and are run with an absolute command.
func imagePrograms() map[string]string {
	out := map[string]string{}
	for _, k := range catalog.All() {
		if p := podimages.Program(k.Name); p != "" {
			out[k.Name] = p
		}
	}
	return out
}

// staticPodSpec is what one static pod adds to the common form.
type staticPodSpec struct {
	cpu, memory string // requests (kubeadm's); memory may be empty
	// at is the URL the kubelet probes, from the merged flags.
	at func(f map[string]string) string
	// live, ready and start are the paths of the liveness, readiness and
	// startup probes; an empty one leaves that probe out.
	live, ready, start string
	// paths are host paths the program reads that no flag names.
	paths []string
	// user is the host's system user it runs as (its ids are the
	// supervisor's to fill in); empty for root.
	user string
	// annotations are the pod's.
	annotations func() map[string]string
}

// staticPodSpecs are kubeadm's requests and probes. etcd's startup probe
// asks /livez rather than kubeadm's /readyz: a member of a new cluster is
// not ready before quorum, which it waits for while apply installs the
// other members' manifests one host at a time.
func staticPodSpecs() map[string]staticPodSpec {
	return map[string]staticPodSpec{
		"etcd": {cpu: "100m", memory: "100Mi", at: func(f map[string]string) string { return f["listen-metrics-urls"] },
			live: "/livez", ready: "/readyz", start: "/livez", user: EtcdUser, annotations: etcdCredentialSources},
		"kube-apiserver": {cpu: "250m", at: func(f map[string]string) string {
			return httpsURL(f["advertise-address"], f["secure-port"])
		}, live: "/livez", ready: "/readyz", start: "/livez", paths: []string{caCertsDir}},
		"kube-controller-manager": {cpu: "200m", at: boundURL("kube-controller-manager"),
			live: "/healthz", start: "/healthz", paths: []string{caCertsDir}},
		"kube-scheduler": {cpu: "100m", at: boundURL("kube-scheduler"), live: "/healthz", start: "/healthz"},
	}
}

// boundURL is a controller's health URL: its --bind-address and the
// secure port the catalog gives it.
func boundURL(name string) func(f map[string]string) string {
	port := strconv.Itoa(component(name).Ports[0])
	return func(f map[string]string) string { return httpsURL(f["bind-address"], port) }
}

// staticPodFile renders component name's staged static pod manifest,
// root-only as the unit it replaces (CIS 1.1.1 to 1.1.8); apply copies it
// into layout.ManifestsDir with its stamp.
func staticPodFile(in *input, name string, defaults, extra map[string]string) (hostfile.File, error) {
	pod, err := staticPodObject(in, name, mergeFlags(defaults, extra))
	if err != nil {
		return hostfile.File{}, err
	}
	b, err := yamlFile(pod)
	if err != nil {
		return hostfile.File{}, err
	}
	return rootOnly(layout.StagedManifest(name), b), nil
}

// staticPodObject is kubeadm's form of a control-plane static pod: on the
// host's network, critical, labelled with its component and the stamp
// placeholder, running the component's image (imported by kubeup, never
// pulled) with args and every host path they name mounted. The stamp
// placeholder is also the value of the process's staticpod.StampEnv.
func staticPodObject(in *input, name string, args []string) (*corev1.Pod, error) {
	ps := staticPodSpecs()[name]
	c, err := ps.container(in, name, args)
	if err != nil {
		return nil, fmt.Errorf("static pod %s: %w", name, err)
	}
	hps := hostPathsFor(append(flagPaths(args), ps.paths...))
	c.VolumeMounts = volumeMounts(hps)
	pod := &corev1.Pod{
		TypeMeta: typeMeta("v1", "Pod"),
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: metav1.NamespaceSystem, Labels: map[string]string{
			staticpod.ComponentLabel: name, "tier": "control-plane", staticpod.StampLabel: staticpod.StampPlaceholder}},
		Spec: corev1.PodSpec{
			HostNetwork:       true,
			PriorityClassName: systemNodeCritical,
			Priority:          ptr[int32](systemNodeCriticalPriority),
			SecurityContext: &corev1.PodSecurityContext{
				SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
			Containers: []corev1.Container{c},
			Volumes:    podVolumes(hps),
		},
	}
	if ps.annotations != nil {
		pod.Annotations = ps.annotations()
	}
	if ps.user != "" {
		// The host's ids of the user, filled in on the host.
		pod.Spec.SecurityContext.RunAsUser = ptr(staticpod.UIDPlaceholder)
		pod.Spec.SecurityContext.RunAsGroup = ptr(staticpod.GIDPlaceholder)
		pod.Spec.SecurityContext.RunAsNonRoot = ptr(true)
	}
	return pod, nil
}

// container is the static pod's one container, without its mounts.
func (ps staticPodSpec) container(in *input, name string, args []string) (corev1.Container, error) {
	c := corev1.Container{
		Name:            name,
		Image:           in.v.ComponentImage(name),
		ImagePullPolicy: corev1.PullNever,
		Command:         append([]string{imagePrograms()[name]}, podArgs(args)...),
		Env:             []corev1.EnvVar{{Name: staticpod.StampEnv, Value: staticpod.StampPlaceholder}},
		Resources:       corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(ps.cpu)}},
	}
	if ps.memory != "" {
		c.Resources.Requests[corev1.ResourceMemory] = resource.MustParse(ps.memory)
	}
	at, err := url.Parse(ps.at(flagMap(args)))
	if err != nil || at.Hostname() == "" || at.Port() == "" {
		return c, fmt.Errorf("no health endpoint to probe in its flags (%q): set its address and port flags", ps.at(flagMap(args)))
	}
	c.LivenessProbe = probe(at, ps.live, livenessTiming())
	c.ReadinessProbe = probe(at, ps.ready, readinessTiming())
	c.StartupProbe = probe(at, ps.start, startupTiming())
	return c, nil
}

// probe is an HTTP(S) GET of path at base with timing t; nil without a
// path.
func probe(base *url.URL, path string, t corev1.Probe) *corev1.Probe {
	if path == "" {
		return nil
	}
	t.ProbeHandler = corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
		Host: base.Hostname(), Port: intstr.Parse(base.Port()), Path: path,
		Scheme: corev1.URIScheme(strings.ToUpper(base.Scheme))}}
	return &t
}

// kubeadm's probe timings: a liveness failure restarts the container after
// 80 s, startup may take 250 s, readiness is checked each second.
func livenessTiming() corev1.Probe {
	return corev1.Probe{InitialDelaySeconds: 10, TimeoutSeconds: 15, PeriodSeconds: 10, FailureThreshold: 8}
}

func readinessTiming() corev1.Probe {
	return corev1.Probe{TimeoutSeconds: 15, PeriodSeconds: 1, FailureThreshold: 3}
}

func startupTiming() corev1.Probe {
	return corev1.Probe{InitialDelaySeconds: 10, TimeoutSeconds: 15, PeriodSeconds: 10, FailureThreshold: 24}
}

// podArgs escapes command words for a pod: the kubelet reads "$$" as "$"
// (and "$(NAME)" as a variable, which a static pod does not define).
func podArgs(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = strings.ReplaceAll(w, "$", "$$")
	}
	return out
}

// flagMap reads "--name=value" words back into a map.
func flagMap(words []string) map[string]string {
	out := map[string]string{}
	for _, w := range words {
		name, v, _ := strings.Cut(strings.TrimPrefix(w, "--"), "=")
		out[name] = v
	}
	return out
}

// component returns the catalog's component name (one kubeup renders).
func component(name string) catalog.Component {
	for _, k := range catalog.All() {
		if k.Name == name {
			return k
		}
	}
	panic("render: no catalog component " + name)
}

// runsAs says how component name runs in the cluster being rendered.
func (in *input) runsAs(name string) catalog.Runner { return component(name).RunsAs(in.c) }
