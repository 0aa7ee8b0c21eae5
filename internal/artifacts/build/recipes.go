package build

import (
	"fmt"
	"strings"

	"kubeup.dev/kubeup/internal/artifacts/inventory"
	"kubeup.dev/kubeup/internal/artifacts/podimages"
	"kubeup.dev/kubeup/internal/versions"
)

// Component names: the projects of package inventory, and those whose
// binaries only go into images.
const (
	Kubernetes = inventory.Kubernetes
	Etcd       = inventory.Etcd
	Flannel    = inventory.Flannel
	FlannelCNI = inventory.FlannelCNI
	Containerd = inventory.Containerd
	Runc       = inventory.Runc
	CNIPlugins = inventory.CNIPlugins
	CriTools   = inventory.CriTools
	CoreDNS    = "coredns"
	Pause      = "pause"
	Smoke      = "smoke"
	// Conformance is what running the conformance suite needs, built
	// from the same k8s.io/kubernetes version as the cluster: e2e.test, the
	// ginkgo CLI and the binaries of the test images.
	Conformance = "conformance"
)

// Kinds of wrapper module.
const (
	kindKubernetes = "kubernetes" // generated go.mod replacing staging modules, main.go from a template
	kindTool       = "tool"       // go.mod with tool directives for upstream main packages
	kindLocal      = "local"      // kubeup's own sources, embedded from build/
	// kubernetes-test: the kubernetes go.mod with a tools file that imports
	// the test packages (and their tests' imports), so go mod tidy keeps
	// what go test -c needs.
	kindKubernetesTest = "kubernetes-test"
	// images: no wrapper module and nothing compiled: an image archive
	// (podimages) assembled from the binaries other recipes build.
	kindImages = "images"
)

// recipe says how one component is built: from which wrapper module, with
// which flags, into which binaries and images. It is hashed (with the
// sources and the Go version) to decide whether a cached build is current.
type recipe struct {
	Name    string            `json:"name"`
	Version string            `json:"version"`
	Arch    string            `json:"arch"`
	Kind    string            `json:"kind"`
	Require map[string]string `json:"require,omitempty"` // tool: module path -> version
	Source  string            `json:"source,omitempty"`  // local: embedded directory
	CGO     bool              `json:"cgo"`
	Static  bool              `json:"static,omitempty"` // cgo, linked statically
	X       []string          `json:"x,omitempty"`      // -X importpath.name=value
	// Tags are build tags (go build -tags). omitempty keeps the JSON, and
	// so the hash and the cached builds, of recipes without tags as they
	// were before the field existed.
	Tags     []string `json:"tags,omitempty"`
	Binaries []binary `json:"binaries"`
	Images   []image  `json:"images,omitempty"`
	// Archive is an images recipe's archive; its hash also covers the
	// sha256 of the binaries it is made of (see builder.hash).
	Archive *podimages.Archive `json:"archive,omitempty"`
}

// binary is one go build output.
type binary struct {
	Name    string   `json:"name"`              // manifest name, stored at bin/NAME
	Package string   `json:"package"`           // package to build, relative to the wrapper
	Aliases []string `json:"aliases,omitempty"` // more names for the same file (multi-call)
	Test    bool     `json:"test,omitempty"`    // go test -c: the package's test binary
}

// image is one image made of a built binary.
type image struct {
	Name   string   `json:"name"`   // manifest name, stored at images/NAME.tar
	Ref    string   `json:"ref"`    // tag
	Binary string   `json:"binary"` // a binary's name in the same recipe
	Path   string   `json:"path"`   // in the image
	Cmd    []string `json:"cmd,omitempty"`
	Ports  []string `json:"ports,omitempty"`
}

// recipes returns every component of set, built for arch; the images
// recipes come after the recipes of the binaries they are made of.
func recipes(set versions.Set, arch string) ([]recipe, error) {
	k, err := kubernetesRecipe(set.Kubernetes, arch)
	if err != nil {
		return nil, err
	}
	cni, err := cniPluginsRecipe(set.CNIPlugins, arch)
	if err != nil {
		return nil, err
	}
	rs := []recipe{
		localRecipe(Pause, set.Pause, arch, image{Name: Pause, Ref: set.PauseImage(), Binary: Pause, Path: "/pause"}),
		localRecipe(Smoke, set.SmokeImage, arch, image{Name: Smoke, Ref: set.SmokeTestImage(), Binary: Smoke, Path: "/smoke",
			Cmd: []string{"serve"}, Ports: []string{"8080/tcp"}}),
		etcdRecipe(set.Etcd, arch),
		flannelRecipe(set.Flannel, arch),
		flannelCNIRecipe(arch),
		containerdRecipe(set.Containerd, arch),
		runcRecipe(set.Runc, arch),
		cni,
		criToolsRecipe(set.CriTools, arch),
		coreDNSRecipe(set, arch),
		k,
	}
	return append(rs, imagesRecipes(set, arch)...), nil
}

// imagesRecipes make the static-pods images (package podimages) from the
// binaries of the kubernetes, etcd and flannel recipes. They are
// components of their own, named after their archive, so that a change of
// image layout rebuilds them in seconds and never recompiles a binary.
func imagesRecipes(set versions.Set, arch string) []recipe {
	var rs []recipe
	for _, a := range podimages.Archives(set) {
		rs = append(rs, recipe{Name: a.Name, Version: a.Version, Arch: arch, Kind: kindImages, Archive: &a})
	}
	return rs
}

// kubernetesRecipe builds one multi-call binary installed under every
// command name, stamped the way Kubernetes' hack/lib/version.sh stamps it.
// buildDate is added at build time from the module's commit time.
func kubernetesRecipe(version, arch string) (recipe, error) {
	var major, minor, patch int
	if _, err := fmt.Sscanf(version, "v%d.%d.%d", &major, &minor, &patch); err != nil || fmt.Sprintf("v%d.%d.%d", major, minor, patch) != version {
		return recipe{}, fmt.Errorf("kubernetes version %q is not of the form v1.Y.Z (for example v1.34.4)", version)
	}
	var x []string
	for _, pkg := range []string{"k8s.io/component-base/version", "k8s.io/client-go/pkg/version"} {
		x = append(x,
			pkg+".gitVersion="+version,
			pkg+".gitMajor="+fmt.Sprint(major),
			pkg+".gitMinor="+fmt.Sprint(minor),
			pkg+".gitTreeState=archive")
	}
	cmds := inventory.Binaries(Kubernetes)
	return recipe{Name: Kubernetes, Version: version, Arch: arch, Kind: kindKubernetes, X: x,
		Binaries: []binary{{Name: cmds[0], Package: ".", Aliases: cmds[1:]}}}, nil
}

// conformanceRecipe builds, from k8s.io/kubernetes version, the
// conformance suite (e2e.test, the package's test binary), the ginkgo CLI
// of the version Kubernetes requires (it runs e2e.test in parallel), and
// the binaries the suite's images are made of: agnhost (also the webhook,
// netexec and test-webserver of the specs), the sample API server and
// nonewprivs' nnp.
// They are stamped like the cluster's binaries, since e2e.test reports its
// version and compares it with the server's.
func conformanceRecipe(version, arch string) (recipe, error) {
	k, err := kubernetesRecipe(version, arch)
	if err != nil {
		return recipe{}, err
	}
	return recipe{Name: Conformance, Version: version, Arch: arch, Kind: kindKubernetesTest, X: k.X,
		Binaries: []binary{
			{Name: "e2e.test", Package: "k8s.io/kubernetes/test/e2e", Test: true},
			{Name: "ginkgo", Package: "github.com/onsi/ginkgo/v2/ginkgo"},
			{Name: "agnhost", Package: "k8s.io/kubernetes/test/images/agnhost"},
			{Name: "sample-apiserver", Package: "k8s.io/sample-apiserver"},
			{Name: "nnp", Package: "k8s.io/kubernetes/test/images/nonewprivs"},
		}}, nil
}

// etcdRecipe builds etcd and etcdctl; their own go.mod files replace
// sibling modules with ../api and so on, hence the wrapper. Their version
// is a constant in go.etcd.io/etcd/api/v3/version: no stamping needed.
func etcdRecipe(version, arch string) recipe {
	return recipe{Name: Etcd, Version: version, Arch: arch, Kind: kindTool,
		Require: map[string]string{"go.etcd.io/etcd/server/v3": version, "go.etcd.io/etcd/etcdctl/v3": version},
		Binaries: []binary{
			{Name: "etcd", Package: "go.etcd.io/etcd/server/v3"},
			{Name: "etcdctl", Package: "go.etcd.io/etcd/etcdctl/v3"},
		}}
}

// flannelRecipe builds flanneld with cgo (its UDP backend), statically
// linked as upstream's Makefile does.
func flannelRecipe(version, arch string) recipe {
	return recipe{Name: Flannel, Version: version, Arch: arch, Kind: kindTool, CGO: true, Static: true,
		Require:  map[string]string{"github.com/flannel-io/flannel": version},
		X:        []string{"github.com/flannel-io/flannel/pkg/version.Version=" + version},
		Binaries: []binary{{Name: "flanneld", Package: "github.com/flannel-io/flannel"}}}
}

// flannelCNIVersion is the containernetworking/plugins release whose
// meta/flannel plugin is built: flannel-io/cni-plugin is not served by the
// module proxy, and v0.9.1 is the last release that still had the plugin.
const flannelCNIVersion = "v0.9.1"

// flannelCNIRecipe builds the flannel CNI plugin, bin/cni/flannel.
func flannelCNIRecipe(arch string) recipe {
	return recipe{Name: FlannelCNI, Version: flannelCNIVersion, Arch: arch, Kind: kindTool,
		Require:  map[string]string{"github.com/containernetworking/plugins": flannelCNIVersion},
		X:        []string{cniBuildVersion + "=" + flannelCNIVersion},
		Binaries: []binary{{Name: inventory.CNIBinary("flannel"), Package: cniPluginsModule + "/plugins/meta/flannel"}}}
}

// containerdModule is containerd's Go module.
const containerdModule = "github.com/containerd/containerd/v2"

// containerdRecipe builds containerd, its runc shim and ctr (version is
// containerd's, without v) without cgo, which only the btrfs snapshotter
// needs. They are stamped as containerd's Makefile does (its VERSION is
// the git tag, v2.4.2) and built with the tag its Makefile always sets.
func containerdRecipe(version, arch string) recipe {
	var bins []binary
	for _, name := range inventory.Binaries(Containerd) {
		bins = append(bins, binary{Name: name, Package: containerdModule + "/cmd/" + name})
	}
	return recipe{Name: Containerd, Version: version, Arch: arch, Kind: kindTool,
		Require:  map[string]string{containerdModule: "v" + version},
		X:        []string{containerdModule + "/version.Version=v" + version},
		Tags:     []string{"urfave_cli_no_docs"},
		Binaries: bins}
}

// runcRecipe builds runc with cgo (its nsenter is C), statically linked
// with libseccomp (libseccomp-dev and pkg-config at build time), as its
// Makefile's static target does: its build tags without libpathrs, a Rust
// library Debian does not package (runc then uses its Go pathrs-lite).
// runc embeds its version from its VERSION file: no stamping needed.
func runcRecipe(version, arch string) recipe {
	const module = "github.com/opencontainers/runc"
	return recipe{Name: Runc, Version: version, Arch: arch, Kind: kindTool, CGO: true, Static: true,
		Require:  map[string]string{module: version},
		Tags:     []string{"seccomp", "urfave_cli_no_docs", "netgo", "osusergo"},
		Binaries: []binary{{Name: "runc", Package: module}}}
}

// cniPluginsModule is the module of the reference CNI plugins.
const cniPluginsModule = "github.com/containernetworking/plugins"

// cniBuildVersion is the variable the CNI plugins print as their version,
// stamped as their release script does.
const cniBuildVersion = cniPluginsModule + "/pkg/utils/buildversion.BuildVersion"

// cniPluginsRecipe builds the CNI plugins of inventory.CNIPluginNames,
// named with inventory.CNIBinary, from their directories in the module.
func cniPluginsRecipe(version, arch string) (recipe, error) {
	dirs := map[string]string{"bridge": "main", "host-local": "ipam", "loopback": "main", "portmap": "meta"}
	var bins []binary
	for _, p := range inventory.CNIPluginNames() {
		dir, ok := dirs[p]
		if !ok {
			return recipe{}, fmt.Errorf("CNI plugin %s: no directory of %s is known for it: add it to cniPluginsRecipe", p, cniPluginsModule)
		}
		bins = append(bins, binary{Name: inventory.CNIBinary(p), Package: cniPluginsModule + "/plugins/" + dir + "/" + p})
	}
	return recipe{Name: CNIPlugins, Version: version, Arch: arch, Kind: kindTool,
		Require:  map[string]string{cniPluginsModule: version},
		X:        []string{cniBuildVersion + "=" + version},
		Binaries: bins}, nil
}

// criToolsRecipe builds crictl, stamped as cri-tools' Makefile does: its
// VERSION is the git tag without v.
func criToolsRecipe(version, arch string) recipe {
	const module = "sigs.k8s.io/cri-tools"
	return recipe{Name: CriTools, Version: version, Arch: arch, Kind: kindTool,
		Require:  map[string]string{module: version},
		X:        []string{module + "/pkg/version.Version=" + strings.TrimPrefix(version, "v")},
		Binaries: []binary{{Name: "crictl", Package: module + "/cmd/crictl"}}}
}

// coreDNSRecipe builds CoreDNS (its version is a constant in coremain)
// and its image: entrypoint /coredns as upstream's; it runs as root so that
// it can bind port 53 without file capabilities.
func coreDNSRecipe(set versions.Set, arch string) recipe {
	return recipe{Name: CoreDNS, Version: set.CoreDNS, Arch: arch, Kind: kindTool,
		Require:  map[string]string{"github.com/coredns/coredns": set.CoreDNS},
		Binaries: []binary{{Name: "coredns", Package: "github.com/coredns/coredns"}},
		Images: []image{{Name: CoreDNS, Ref: set.CoreDNSImage(), Binary: "coredns", Path: "/coredns",
			Ports: []string{"53/tcp", "53/udp", "9153/tcp"}}}}
}

// localRecipe builds kubeup's own cmd/NAME from build/ and its image.
func localRecipe(name, version, arch string, img image) recipe {
	return recipe{Name: name, Version: version, Arch: arch, Kind: kindLocal, Source: "cmd/" + name,
		X:        []string{"main.version=" + version},
		Binaries: []binary{{Name: name, Package: "."}},
		Images:   []image{img}}
}

// module is the wrapper module path of r.
func (r recipe) module() string {
	return "kubeup.dev/kubeup/build/" + strings.ReplaceAll(r.Name, "/", "-")
}

// tools returns the packages of a tool recipe's binaries.
func (r recipe) tools() []string {
	var t []string
	for _, b := range r.Binaries {
		t = append(t, b.Package)
	}
	return t
}
