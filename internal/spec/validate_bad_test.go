package spec

import (
	"io/fs"
	"reflect"
	"strings"
	"testing"
)

// badHead starts every document of TestBadSpecDocuments.
const badHead = "apiVersion: kubeup.dev/v1alpha1\nkind: Cluster\nmetadata: {name: bad}\nspec:\n"

// hostsDoc is a spec whose hosts are the given flow mappings, one per
// list item, followed by extra spec lines.
func hostsDoc(extra string, hosts ...string) string {
	var b strings.Builder
	b.WriteString(badHead + "  hosts:\n")
	for _, h := range hosts {
		b.WriteString("    - " + h + "\n")
	}
	return b.String() + extra
}

// threeDoc is a valid spec of three IPv4 hosts (n1 runs everything, n2
// and n3 are workers) followed by extra spec lines.
func threeDoc(extra string) string {
	return hostsDoc(extra,
		"{name: n1, address: 10.0.0.1, roles: [ai]}",
		"{name: n2, address: 10.0.0.2, roles: [i]}",
		"{name: n3, address: 10.0.0.3, roles: [i]}")
}

// sixDoc is a valid spec of two IPv6 hosts and IPv6 ranges, followed by
// extra spec lines.
func sixDoc(extra string) string {
	return hostsDoc("  network: {podCIDR: \"fd00:10:244::/56\", serviceCIDR: \"fd00:10:96::/112\"}\n"+extra,
		`{name: n1, address: "fd00::1", roles: [ai]}`,
		`{name: n2, address: "fd00::2", roles: [i]}`)
}

// externalDoc is threeDoc with an external etcd whose fields are the
// given flow mapping entries.
func externalDoc(fields string) string {
	return hostsDoc("  etcd:\n    external: {"+fields+"}\n",
		"{name: n1, address: 10.0.0.1, roles: [control-plane, worker]}",
		"{name: n2, address: 10.0.0.2, roles: [i]}")
}

// goodExternal are external etcd fields that validate.
const goodExternal = `endpoints: ["https://etcd.example.com:2379"], caFile: /etc/etcd/ca.crt, certFile: etcd/client.crt, keyFile: ~/etcd/client.key`

// keyDoc is threeDoc whose second host uses keyPath k.
func keyDoc(k string) string {
	return hostsDoc("",
		"{name: n1, address: 10.0.0.1, roles: [ai]}",
		"{name: n2, address: 10.0.0.2, roles: [i], ssh: {keyPath: "+k+"}}")
}

// specProblems is what kubeup validate reports for doc: the field problems
// when Parse refuses it (Parse's own error, at no path, when no field is
// at fault), else what Validate finds.
func specProblems(doc string, opts Options) Problems {
	c, err := Parse([]byte(doc))
	if err == nil {
		return Validate(c, opts)
	}
	if ps := DecodeProblems([]byte(doc)); ps.HasErrors() {
		return ps
	}
	return Problems{{Message: err.Error(), Severity: SeverityError}}
}

// maxMessage is the longest problem text a test accepts: values are cut
// short in messages (see clip), so that even a path and a message that
// both hold a long value stay this short.
const maxMessage = 1500

func TestBadSpecDocumentsStartFromValidOnes(t *testing.T) {
	for name, doc := range map[string]string{
		"three":            threeDoc(""),
		"six":              sixDoc(""),
		"external":         externalDoc(goodExternal),
		"key of n2":        keyDoc("keys/w2"),
		"encrypted key":    keyDoc("~/.ssh/id_encrypted"),
		"bracketed v6 lb":  sixDoc("  controlPlane: {endpoint: \"[fd00::100]:6443\"}\n"),
		"bare v6 lb":       sixDoc("  controlPlane: {endpoint: \"fd00::100\"}\n"),
		"solo loopback":    hostsDoc("", "{name: n1, address: 127.0.0.1, roles: [ai]}"),
		"solo localhost":   hostsDoc("  controlPlane: {endpoint: \"localhost:6443\"}\n", "{name: n1, address: localhost, roles: [ai]}"),
		"omitted numbers":  threeDoc("  kubelet: {maxPods: null}\n  pki: {caValidity: null}\n"),
		"omitted strings":  threeDoc("  kubernetesVersion:\n  network: {podCIDR: ~, plugin: null, flannel: {backend: null}}\n  artifacts: {source: null}\n"),
		"null ssh fields":  hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai], ssh: {user: null, keyPath: ~, proxyJump: null}}"),
		"empty endpoint":   threeDoc("  controlPlane: {endpoint: \"\"}\n"),
		"null port":        hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai], ssh: {port: null}}"),
		"quoted #":         threeDoc("  controlPlane: {apiServerExtraArgs: {v: \"2 # not a comment\"}}\n"),
		"quotes in values": threeDoc("  controlPlane:\n    apiServerExtraArgs:\n      v: 'it''s \"2\"'\n"),
		"bundle":           threeDoc("  artifacts: {source: bundle, bundle: bundles/kubeup-v1.34.4.tar}\n"),
	} {
		if ps := specProblems(doc, testOptions()); len(ps) > 0 {
			t.Errorf("%s: want no problems, got:\n%s\n%s", name, render(ps), doc)
		}
	}
}

func TestBadSpecDocuments(t *testing.T) {
	huge := strings.Repeat("a", 10<<20)  // 10 MB: one value pasted by mistake
	big := huge[:1<<20]                  // 1 MB, where 10 MB would only slow the test
	longKey := strings.Repeat("k", 1000) // YAML allows keys of at most 1024 characters
	shown := func(c string) string { return strings.Repeat(c, maxShown) + "..." }
	tests := []struct {
		name, doc  string
		opts       func(*Options)
		path, msg  string
		warn       bool
		onlyHeader bool // the document is of another kind: one problem only
	}{
		// Header: another kind of document says so, not "unknown field".
		{name: "kind Pod", doc: "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: default}\nspec:\n  containers: [{name: web, image: nginx}]\n",
			path: "kind", msg: "line 2: kind Pod is not supported: kubeup reads kind Cluster (apiVersion kubeup.dev/v1alpha1)", onlyHeader: true},
		{name: "kind Deployment", doc: "apiVersion: apps/v1\nkind: Deployment\nspec: {replicas: 2}\n", path: "kind", msg: "kind Deployment is not supported", onlyHeader: true},
		{name: "kind lower case", doc: strings.Replace(threeDoc(""), "kind: Cluster", "kind: cluster", 1), path: "kind", msg: "kind cluster is not supported: kubeup reads kind Cluster", onlyHeader: true},
		{name: "kind ConfigMap first", doc: "kind: ConfigMap\napiVersion: v1\ndata: {a: b}\n", path: "kind", msg: "line 1: kind ConfigMap is not supported", onlyHeader: true},
		{name: "Cluster API cluster", doc: strings.Replace(threeDoc(""), "kubeup.dev/v1alpha1", "cluster.x-k8s.io/v1beta1", 1), path: "apiVersion", msg: "line 1: apiVersion cluster.x-k8s.io/v1beta1 is not supported: use kubeup.dev/v1alpha1", onlyHeader: true},
		{name: "apiVersion of another version", doc: strings.Replace(threeDoc(""), "v1alpha1", "v1alpha2", 1), path: "apiVersion", msg: "apiVersion kubeup.dev/v1alpha2 is not supported", onlyHeader: true},
		{name: "kind missing", doc: strings.Replace(threeDoc(""), "kind: Cluster\n", "", 1), path: "kind", msg: `"" is not supported: use Cluster`},
		{name: "apiVersion missing", doc: strings.Replace(threeDoc(""), "apiVersion: kubeup.dev/v1alpha1\n", "", 1), path: "apiVersion", msg: "use kubeup.dev/v1alpha1"},
		{name: "big kind", doc: "kind: " + big + "\n", path: "kind", msg: "aaaa... (1048576 bytes) is not supported"},

		// The document as a whole.
		{name: "empty", doc: "", msg: "the spec is empty: run 'kubeup init'"},
		{name: "comments only", doc: "# nothing yet\n", msg: "the spec is empty"},
		{name: "two documents", doc: threeDoc("") + "---\n" + threeDoc(""), msg: "more than one YAML document"},
		{name: "a list", doc: "- a\n- b\n", msg: "line 1: expected fields (apiVersion, kind, metadata, spec), not a list"},
		{name: "a scalar", doc: "hello\n", msg: `line 1: expected fields (apiVersion, kind, metadata, spec), not "hello"`},
		{name: "spec a scalar", doc: badHead[:len(badHead)-len("spec:\n")] + "spec: hello\n", path: "spec", msg: "line 4: expected fields"},
		{name: "key set twice", doc: threeDoc("  kubernetesVersion: v1.34.4\n  kubernetesVersion: v1.35.0\n"), path: "spec.kubernetesVersion", msg: "line 10: set again (first on line 9): keep one"},
		{name: "unknown top-level field", doc: threeDoc("") + "status: {}\n", path: "status", msg: "line 9: unknown field"},
		{name: "misspelt spec field", doc: threeDoc("  netwrok: {}\n"), path: "spec.netwrok", msg: `line 9: unknown field: did you mean "network"?`},
		{name: "long unknown field", doc: threeDoc("  " + longKey + ": 1\n"), path: "spec." + shown("k") + " (1000 bytes)", msg: "line 9: unknown field: known fields are kubernetesVersion, hosts,"},

		// YAML syntax: the right line and what is wrong.
		{name: "tab before a list item", doc: strings.Replace(threeDoc(""), "    - {name: n2", "\t- {name: n2", 1), msg: "line 7: a tab indents this line: YAML indents with spaces only"},
		{name: "tab before a field", doc: "apiVersion: kubeup.dev/v1alpha1\nkind: Cluster\nmetadata:\n\tname: x\nspec: {}\n", msg: "line 4: a tab indents this line"},
		{name: "tab after spaces", doc: "apiVersion: kubeup.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: x\nspec:\n  hosts:\n    - name: a\n    \taddress: b\n", msg: "line 8: a tab indents this line"},
		{name: "tab in a nested mapping", doc: threeDoc("  network:\n    podCIDR: 10.244.0.0/16\n\t\tplugin: flannel\n"), msg: "line 11: a tab indents this line"},
		{name: "unclosed double quote", doc: "apiVersion: kubeup.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: \"x\nspec:\n  hosts: []\n", msg: `line 4: the value opened with " is not closed on its line: add the closing "`},
		{name: "unclosed single quote", doc: "apiVersion: kubeup.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: 'x\nspec:\n  hosts: []\n", msg: "line 4: the value opened with ' is not closed"},
		{name: "unclosed quote closed lines later", doc: "apiVersion: kubeup.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: \"x\nspec:\n  hosts: \"a\"\n  network: {}\n", msg: `line 4: the value opened with "`},
		{name: "unclosed quote in a flow host", doc: hostsDoc("", `{name: n1, address: "10.0.0.1, roles: [ai]}`, "{name: n2, address: 10.0.0.2, roles: [i]}"), msg: `line 6: the value opened with "`},
		{name: "unclosed quote in a list", doc: threeDoc("  sandbox: {nameservers: [\"1.1.1.1, 8.8.8.8]}\n"), msg: `line 9: the value opened with "`},
		{name: "escaped quote left open", doc: threeDoc("  controlPlane: {endpoint: \"lb\\\"}\n"), msg: `line 9: the value opened with "`},
		{name: "unclosed flow list", doc: "apiVersion: kubeup.dev/v1alpha1\nkind: Cluster\nmetadata: {name: [a, b}\n", msg: "invalid YAML: line 3: the { opened here is never closed: add the closing }"},
		{name: "unclosed flow list over lines", doc: threeDoc("  sandbox:\n    nameservers: [1.1.1.1,\n      8.8.8.8\n  kubelet: {}\n"), msg: "line 10: the [ opened here is never closed: add the closing ]"},
		{name: "unclosed flow host", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai]", "{name: n2}"), msg: "line 6: the { opened here is never closed"},

		// metadata and version.
		{name: "no cluster name", doc: strings.Replace(threeDoc(""), "{name: bad}", "{}", 1), path: "metadata.name", msg: "the cluster needs a name, such as demo"},
		{name: "cluster name upper case", doc: strings.Replace(threeDoc(""), "{name: bad}", "{name: Bad}", 1), path: "metadata.name", msg: `such as "bad"`},
		{name: "cluster name underscore", doc: strings.Replace(threeDoc(""), "{name: bad}", "{name: my_cluster}", 1), path: "metadata.name", msg: `"my_cluster" is not a valid name`},
		{name: "cluster name with a dot", doc: strings.Replace(threeDoc(""), "{name: bad}", "{name: a.b}", 1), path: "metadata.name", msg: "is not a valid name"},
		{name: "cluster name too long", doc: strings.Replace(threeDoc(""), "{name: bad}", "{name: "+strings.Repeat("a", 64)+"}", 1), path: "metadata.name", msg: "at most 63"},
		{name: "cluster name with a line break", doc: strings.Replace(threeDoc(""), "{name: bad}", `{name: "a\nb"}`, 1), path: "metadata.name", msg: "holds a line break: write the value on one line"},
		{name: "cluster name a list", doc: strings.Replace(threeDoc(""), "{name: bad}", "{name: [a]}", 1), path: "metadata.name", msg: "line 3: expected a string, not a list"},
		{name: "version without v", doc: threeDoc("  kubernetesVersion: 1.34.4\n"), path: "spec.kubernetesVersion", msg: "must start with v"},
		{name: "version two parts", doc: threeDoc("  kubernetesVersion: v1.34\n"), path: "spec.kubernetesVersion", msg: "v1.MINOR.PATCH"},
		{name: "version too old", doc: threeDoc("  kubernetesVersion: v1.33.9\n"), path: "spec.kubernetesVersion", msg: "not known to this kubeup: it knows 1.34 to 1.37"},
		{name: "version too new", doc: threeDoc("  kubernetesVersion: v1.38.0\n"), path: "spec.kubernetesVersion", msg: "not known to this kubeup: it knows 1.34 to 1.37"},
		{name: "version latest", doc: threeDoc("  kubernetesVersion: latest\n"), path: "spec.kubernetesVersion", msg: "must start with v"},
		{name: "version with a line break", doc: threeDoc("  kubernetesVersion: \"v1.34.4\\n\"\n"), path: "spec.kubernetesVersion", msg: "holds a line break"},
		{name: "version a number", doc: threeDoc("  kubernetesVersion: 1.34\n"), path: "spec.kubernetesVersion", msg: "must start with v"},
		{name: "big version", doc: threeDoc("  kubernetesVersion: v" + big + "\n"), path: "spec.kubernetesVersion", msg: "(1048577 bytes)"},

		// Hosts: the list.
		{name: "no hosts", doc: badHead + "  network: {}\n", path: "spec.hosts", msg: "no hosts: add at least one"},
		{name: "empty host list", doc: badHead + "  hosts: []\n", path: "spec.hosts", msg: "no hosts"},
		{name: "null host", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai]}", "null", "{name: n3, address: 10.0.0.3, roles: [i]}"), path: "spec.hosts[1]", msg: "line 7: an empty list item (- null or a lone -) would be dropped: remove it or fill it in"},
		{name: "lone dash host", doc: badHead + "  hosts:\n    - {name: n1, address: 10.0.0.1, roles: [ai]}\n    -\n", path: "spec.hosts[1]", msg: "line 7: an empty list item"},
		{name: "tilde host", doc: hostsDoc("", "~", "{name: n1, address: 10.0.0.1, roles: [ai]}"), path: "spec.hosts[0]", msg: "an empty list item"},
		{name: "hosts a mapping", doc: badHead + "  hosts: {name: a}\n", path: "spec.hosts", msg: "expected a list, such as [a, b], not a mapping"},
		{name: "host a string", doc: hostsDoc("", "n1"), path: "spec.hosts[0]", msg: `expected fields (name, address, roles, ssh), not "n1"`},
		{name: "misspelt host field", doc: hostsDoc("", "{name: n1, adress: 10.0.0.1, roles: [ai]}"), path: "spec.hosts[0].adress", msg: `did you mean "address"?`},

		// Hosts: names.
		{name: "host without name", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai]}", "{address: 10.0.0.2, roles: [i]}"), path: "spec.hosts[1].name", msg: "the host needs a name, such as node1"},
		{name: "host name underscore", doc: hostsDoc("", "{name: node_1, address: 10.0.0.1, roles: [ai]}"), path: "spec.hosts[0].name", msg: `"node_1" is not a valid name`},
		{name: "host name upper case", doc: hostsDoc("", "{name: Node1, address: 10.0.0.1, roles: [ai]}"), path: "spec.hosts[0].name", msg: `such as "node1"`},
		{name: "host name with dots", doc: hostsDoc("", "{name: n1.example.com, address: 10.0.0.1, roles: [ai]}"), path: "spec.hosts[0].name", msg: "is not a valid name"},
		{name: "host name with a line break", doc: hostsDoc("", `{name: "n1\r", address: 10.0.0.1, roles: [ai]}`), path: "spec.hosts[0].name", msg: "holds a line break"},
		{name: "host name with a NUL", doc: hostsDoc("", `{name: "n\0", address: 10.0.0.1, roles: [ai]}`), path: "spec.hosts[0].name", msg: "holds the control character U+0000: remove it"},
		{name: "duplicate host name", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai]}", "{name: n1, address: 10.0.0.2, roles: [i]}"), path: "spec.hosts[1].name", msg: `host name "n1" is also used by spec.hosts[0]`},

		// Hosts: addresses that are not addresses.
		{name: "address empty", doc: hostsDoc("", "{name: n1, roles: [ai]}"), path: "spec.hosts[0].address", msg: "the address is required: an IP address, a DNS name or localhost"},
		{name: "address three octets", doc: hostsDoc("", "{name: n1, address: 10.0.0, roles: [ai]}"), path: "spec.hosts[0].address", msg: `"10.0.0" is not an IP address or DNS name`},
		{name: "address octet too big", doc: hostsDoc("", "{name: n1, address: 10.0.0.256, roles: [ai]}"), path: "spec.hosts[0].address", msg: "is not an IP address or DNS name"},
		{name: "address five octets", doc: hostsDoc("", "{name: n1, address: 1.2.3.4.5, roles: [ai]}"), path: "spec.hosts[0].address", msg: "is not an IP address or DNS name"},
		{name: "address with a space", doc: hostsDoc("", "{name: n1, address: node 1, roles: [ai]}"), path: "spec.hosts[0].address", msg: "is not an IP address or DNS name"},
		{name: "address a URL", doc: hostsDoc("", "{name: n1, address: \"http://n1\", roles: [ai]}"), path: "spec.hosts[0].address", msg: "is not an IP address or DNS name"},
		{name: "address with a port", doc: hostsDoc("", "{name: n1, address: \"10.0.0.1:22\", roles: [ai]}"), path: "spec.hosts[0].address", msg: "is not an IP address or DNS name"},
		{name: "address with a CIDR", doc: hostsDoc("", "{name: n1, address: 10.0.0.1/24, roles: [ai]}"), path: "spec.hosts[0].address", msg: "is not an IP address or DNS name"},
		{name: "address underscore", doc: hostsDoc("", "{name: n1, address: node_1, roles: [ai]}"), path: "spec.hosts[0].address", msg: "is not an IP address or DNS name"},
		{name: "address double dot", doc: hostsDoc("", "{name: n1, address: a..b, roles: [ai]}"), path: "spec.hosts[0].address", msg: "is not an IP address or DNS name"},
		{name: "address with a zone", doc: hostsDoc("", `{name: n1, address: "fe80::1%eth0", roles: [ai]}`), path: "spec.hosts[0].address", msg: "has an IPv6 zone: use an address without %zone"},
		{name: "address with a line break", doc: hostsDoc("", `{name: n1, address: "10.0.0.1\n", roles: [ai]}`), path: "spec.hosts[0].address", msg: "holds a line break"},
		{name: "address a list", doc: hostsDoc("", "{name: n1, address: [10.0.0.1], roles: [ai]}"), path: "spec.hosts[0].address", msg: "expected a string, not a list"},
		{name: "huge address", doc: hostsDoc("", "{name: n1, address: "+huge+", roles: [ai]}"), path: "spec.hosts[0].address", msg: `"` + shown("a") + ` (10485760 bytes)" is not an IP address or DNS name`},

		// Hosts: addresses that cannot name one reachable machine.
		{name: "address 0.0.0.0", doc: hostsDoc("", "{name: n1, address: 0.0.0.0, roles: [ai]}"), path: "spec.hosts[0].address", msg: "0.0.0.0 is the unspecified address (any address, for listening): write the address the machine has"},
		{name: "address ::", doc: hostsDoc("", `{name: n1, address: "::", roles: [ai]}`), path: "spec.hosts[0].address", msg: ":: is the unspecified address"},
		{name: "address IPv4 multicast", doc: hostsDoc("", "{name: n1, address: 224.0.0.1, roles: [ai]}"), path: "spec.hosts[0].address", msg: "224.0.0.1 is a multicast address"},
		{name: "address IPv4 multicast high", doc: hostsDoc("", "{name: n1, address: 239.255.255.250, roles: [ai]}"), path: "spec.hosts[0].address", msg: "is a multicast address"},
		{name: "address IPv6 multicast", doc: hostsDoc("", `{name: n1, address: "ff02::1", roles: [ai]}`), path: "spec.hosts[0].address", msg: "ff02::1 is a multicast address"},
		{name: "address broadcast", doc: hostsDoc("", "{name: n1, address: 255.255.255.255, roles: [ai]}"), path: "spec.hosts[0].address", msg: "is the broadcast address"},
		{name: "address IPv4 link-local", doc: hostsDoc("", "{name: n1, address: 169.254.10.1, roles: [ai]}"), path: "spec.hosts[0].address", msg: "169.254.10.1 is link-local (169.254.0.0/16, fe80::/10)"},
		{name: "address IPv6 link-local", doc: hostsDoc("", `{name: n1, address: "fe80::1", roles: [ai]}`), path: "spec.hosts[0].address", msg: "fe80::1 is link-local"},
		{name: "address IPv4-mapped", doc: hostsDoc("", `{name: n1, address: "::ffff:10.0.0.1", roles: [ai]}`), path: "spec.hosts[0].address", msg: "::ffff:10.0.0.1 is an IPv4 address written as IPv6: write it as 10.0.0.1"},
		{name: "address IPv4-mapped duplicates a host", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai]}", `{name: n2, address: "::ffff:10.0.0.1", roles: [i]}`), path: "spec.hosts[1].address", msg: `address "10.0.0.1" is also used by spec.hosts[0]`},
		{name: "address IPv4-mapped hex duplicates a host", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai]}", `{name: n2, address: "::ffff:a00:1", roles: [i]}`), path: "spec.hosts[1].address", msg: "is also used by spec.hosts[0]"},
		{name: "loopback in a multi-host cluster", doc: hostsDoc("", "{name: n1, address: 127.0.0.1, roles: [ai]}", "{name: n2, address: 10.0.0.2, roles: [i]}"), path: "spec.hosts[0].address", msg: "127.0.0.1 names this machine only: the other 1 hosts cannot reach it; write the address this host has"},
		{name: "other loopback in a multi-host cluster", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai]}", "{name: n2, address: 127.0.1.1, roles: [i]}", "{name: n3, address: 10.0.0.3, roles: [i]}"), path: "spec.hosts[1].address", msg: "127.0.1.1 names this machine only: the other 2 hosts"},
		{name: "IPv6 loopback in a multi-host cluster", doc: hostsDoc("  network: {podCIDR: \"fd00:10:244::/56\", serviceCIDR: \"fd00:10:96::/112\"}\n", `{name: n1, address: "::1", roles: [ai]}`, `{name: n2, address: "fd00::2", roles: [i]}`), path: "spec.hosts[0].address", msg: "::1 names this machine only"},
		{name: "localhost in a multi-host cluster", doc: hostsDoc("", "{name: n1, address: localhost, roles: [ai]}", "{name: n2, address: 10.0.0.2, roles: [i]}"), path: "spec.hosts[0].address", msg: "localhost names this machine only"},
		{name: "LOCALHOST in a multi-host cluster", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai]}", "{name: n2, address: LOCALHOST, roles: [i]}"), path: "spec.hosts[1].address", msg: "names this machine only"},

		// Hosts: duplicates and families.
		{name: "duplicate address", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai]}", "{name: n2, address: 10.0.0.1, roles: [i]}"), path: "spec.hosts[1].address", msg: `address "10.0.0.1" is also used by spec.hosts[0]: each host needs its own`},
		{name: "duplicate IPv6 spelled differently", doc: hostsDoc("", `{name: n1, address: "fd00::1", roles: [ai]}`, `{name: n2, address: "fd00:0:0::1", roles: [i]}`), path: "spec.hosts[1].address", msg: `"fd00::1" is also used by spec.hosts[0]`},
		{name: "duplicate IPv6 upper case", doc: hostsDoc("", `{name: n1, address: "fd00::a", roles: [ai]}`, `{name: n2, address: "FD00::A", roles: [i]}`), path: "spec.hosts[1].address", msg: "is also used by spec.hosts[0]"},
		{name: "duplicate DNS name in other case", doc: hostsDoc("", "{name: n1, address: n1.example.com, roles: [ai]}", "{name: n2, address: N1.Example.com, roles: [i]}"), path: "spec.hosts[1].address", msg: "is also used by spec.hosts[0]"},
		{name: "duplicate DNS name with a dot", doc: hostsDoc("", "{name: n1, address: n1.example.com, roles: [ai]}", "{name: n2, address: n1.example.com., roles: [i]}"), path: "spec.hosts[1].address", msg: "is also used by spec.hosts[0]"},
		{name: "IPv6 host among IPv4 hosts", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai]}", "{name: n2, address: 10.0.0.2, roles: [i]}", `{name: n3, address: "fd00::3", roles: [i]}`), path: "spec.hosts[2].address", msg: "fd00::3 is IPv6 but spec.hosts[0] (n1) has the IPv4 address 10.0.0.1: clusters are single-stack"},
		{name: "IPv4 host among IPv6 hosts", doc: hostsDoc("  network: {podCIDR: \"fd00:10:244::/56\", serviceCIDR: \"fd00:10:96::/112\"}\n", `{name: n1, address: "fd00::1", roles: [ai]}`, "{name: n2, address: 10.0.0.2, roles: [i]}"), path: "spec.hosts[1].address", msg: "10.0.0.2 is IPv4 but spec.hosts[0] (n1) has the IPv6 address fd00::1"},
		{name: "IPv6 hosts with the default IPv4 pod range", doc: hostsDoc("  network: {serviceCIDR: \"fd00:10:96::/112\"}\n", `{name: n1, address: "fd00::1", roles: [ai]}`), path: "spec.network.podCIDR", msg: "10.244.0.0/16 is IPv4 but the hosts have IPv6 addresses (spec.hosts[0] is fd00::1): use an IPv6 range, such as fd00:10:244::/56"},
		{name: "IPv6 hosts with the default IPv4 service range", doc: hostsDoc("  network: {podCIDR: \"fd00:10:244::/56\"}\n", `{name: n1, address: "fd00::1", roles: [ai]}`), path: "spec.network.serviceCIDR", msg: "10.96.0.0/12 is IPv4 but the hosts have IPv6 addresses (spec.hosts[0] is fd00::1): use an IPv6 range, such as fd00:10:96::/112"},
		{name: "IPv6 hosts with IPv4 ranges", doc: hostsDoc("", `{name: n1, address: "fd00::1", roles: [ai]}`, `{name: n2, address: "fd00::2", roles: [i]}`), path: "spec.network.podCIDR", msg: "is IPv4 but the hosts have IPv6 addresses"},
		{name: "IPv4 hosts with IPv6 ranges", doc: threeDoc("  network: {podCIDR: \"fd00:10:244::/56\", serviceCIDR: \"fd00:10:96::/112\"}\n"), path: "spec.network.podCIDR", msg: "fd00:10:244::/56 is IPv6 but the hosts have IPv4 addresses (spec.hosts[0] is 10.0.0.1): use an IPv4 range, such as 10.244.0.0/16"},
		{name: "IPv4 hosts with an IPv6 service range", doc: threeDoc("  network: {podCIDR: \"fd00:10:244::/56\", serviceCIDR: \"fd00:10:96::/112\"}\n"), path: "spec.network.serviceCIDR", msg: "such as 10.96.0.0/12"},

		// Hosts: roles.
		{name: "unknown role", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai]}", "{name: n2, address: 10.0.0.2, roles: [worker, master]}"), path: "spec.hosts[1].roles[1]", msg: `unknown role "master": use control-plane, etcd or worker`},
		{name: "role with a line break", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [control-plane, \"etcd\\n\"]}"), path: "spec.hosts[0].roles[1]", msg: "holds a line break"},
		{name: "no roles", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai]}", "{name: n2, address: 10.0.0.2}"), path: "spec.hosts[1].roles", msg: "the host has no roles"},
		{name: "empty roles", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai]}", "{name: n2, address: 10.0.0.2, roles: []}"), path: "spec.hosts[1].roles", msg: "the host has no roles"},
		{name: "null role", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai, null]}"), path: "spec.hosts[0].roles[1]", msg: "an empty list item"},
		{name: "roles a string", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: control-plane}"), path: "spec.hosts[0].roles", msg: `expected a list, such as [a, b], not "control-plane"`},
		{name: "no control plane", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [etcd, worker]}"), path: "spec.hosts", msg: "no host has the control-plane role"},
		{name: "no etcd", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [control-plane, worker]}"), path: "spec.hosts", msg: "no host has the etcd role"},
		{name: "no worker", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [a]}"), path: "spec.hosts", msg: "no host has the worker role", warn: true},
		{name: "even etcd count", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai]}", "{name: n2, address: 10.0.0.2, roles: [etcd, worker]}"), path: "spec.hosts", msg: "2 hosts have the etcd role", warn: true},

		// Hosts: SSH.
		{name: "SSH user with host", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai], ssh: {user: root@n1}}"), path: "spec.hosts[0].ssh.user", msg: `"root@n1" is not a user name: write the name alone`},
		{name: "SSH user with a space", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai], ssh: {user: a b}}"), path: "spec.hosts[0].ssh.user", msg: "is not a user name"},
		{name: "SSH user with a slash", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai], ssh: {user: a/b}}"), path: "spec.hosts[0].ssh.user", msg: "is not a user name"},
		{name: "SSH user with a line break", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai], ssh: {user: \"root\\n\"}}"), path: "spec.hosts[0].ssh.user", msg: "holds a line break"},
		{name: "SSH port 0", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai], ssh: {port: 0}}"), path: "spec.hosts[0].ssh.port", msg: `line 6: "0" makes no sense here: use a port from 1 to 65535, or leave port out for the default 22`},
		{name: "SSH port 00", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai], ssh: {port: 00}}"), path: "spec.hosts[0].ssh.port", msg: `"00" makes no sense here`},
		{name: "SSH port 0 of the second host", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai]}", "{name: n2, address: 10.0.0.2, roles: [i], ssh: {port: 0}}"), path: "spec.hosts[1].ssh.port", msg: "line 7: \"0\" makes no sense here"},
		{name: "SSH port negative", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai], ssh: {port: -1}}"), path: "spec.hosts[0].ssh.port", msg: "port -1 is out of range: use 1 to 65535"},
		{name: "SSH port too big", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai], ssh: {port: 65536}}"), path: "spec.hosts[0].ssh.port", msg: "out of range"},
		{name: "SSH port a word", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai], ssh: {port: ssh}}"), path: "spec.hosts[0].ssh.port", msg: `"ssh" is not a whole number`},
		{name: "SSH port a fraction", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai], ssh: {port: 22.5}}"), path: "spec.hosts[0].ssh.port", msg: `"22.5" is not a whole number`},
		{name: "SSH port big", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai], ssh: {port: "+big+"}}"), path: "spec.hosts[0].ssh.port", msg: "... (1048576 bytes)\" is not a whole number"},
		{name: "SSH unknown field", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai], ssh: {identityFile: x}}"), path: "spec.hosts[0].ssh.identityFile", msg: "unknown field"},

		// Hosts: the SSH key file.
		{name: "key is a directory", doc: keyDoc("~/.ssh"), path: "spec.hosts[1].ssh.keyPath", msg: "SSH key /home/test/.ssh is a directory: name the file itself, such as /home/test/.ssh/id_ed25519"},
		{name: "key is a directory with a slash", doc: keyDoc("~/.ssh/"), path: "spec.hosts[1].ssh.keyPath", msg: "is a directory"},
		{name: "key is the spec directory", doc: keyDoc("."), path: "spec.hosts[1].ssh.keyPath", msg: "SSH key /specs is a directory"},
		{name: "key is empty", doc: keyDoc("~/.ssh/empty"), path: "spec.hosts[1].ssh.keyPath", msg: "SSH key /home/test/.ssh/empty is empty: set keyPath to a private key"},
		{name: "key is blank lines", doc: keyDoc("~/.ssh/blank"), path: "spec.hosts[1].ssh.keyPath", msg: "is empty"},
		{name: "key is a public key", doc: keyDoc("~/.ssh/id_ed25519.pub"), path: "spec.hosts[1].ssh.keyPath", msg: "SSH key /home/test/.ssh/id_ed25519.pub holds a public key: set keyPath to the private key (the same name without .pub)"},
		{name: "key is not a key", doc: keyDoc("~/.ssh/garbage"), path: "spec.hosts[1].ssh.keyPath", msg: "holds no private key kubeup can read"},
		{name: "key is a certificate", doc: keyDoc("~/.ssh/cert.pem"), path: "spec.hosts[1].ssh.keyPath", msg: "holds no private key kubeup can read"},
		{name: "key is a PuTTY key", doc: keyDoc("~/.ssh/putty.ppk"), path: "spec.hosts[1].ssh.keyPath", msg: "is a PuTTY key: convert it with puttygen"},
		{name: "key is a pipe", doc: keyDoc("~/.ssh/pipe"), path: "spec.hosts[1].ssh.keyPath", msg: "is not a regular file"},
		{name: "key missing", doc: keyDoc("~/.ssh/id_rsa"), path: "spec.hosts[1].ssh.keyPath", msg: "SSH key /home/test/.ssh/id_rsa does not exist: create one with ssh-keygen"},
		{name: "key relative to the spec missing", doc: keyDoc("keys/n2"), path: "spec.hosts[1].ssh.keyPath", msg: "/specs/keys/n2 does not exist"},
		{name: "key of another user", doc: keyDoc("~bob/.ssh/id"), path: "spec.hosts[1].ssh.keyPath", msg: "~user paths are not supported"},
		{name: "key with a line break", doc: keyDoc(`"~/.ssh/id_ed25519\n"`), path: "spec.hosts[1].ssh.keyPath", msg: "holds a line break"},
		{name: "key unreadable", doc: keyDoc("~/.ssh/id_ed25519"), opts: func(o *Options) {
			o.ReadFile = func(string) ([]byte, error) { return nil, fs.ErrPermission }
		}, path: "spec.hosts[1].ssh.keyPath", msg: "SSH key /home/test/.ssh/id_ed25519 cannot be read: permission denied"},
		{name: "key with unknown home", doc: keyDoc("~/.ssh/id_ed25519"), opts: func(o *Options) { o.HomeDir = "" }, path: "spec.hosts[1].ssh.keyPath", msg: "the home directory is unknown"},
		{name: "key path big", doc: keyDoc(big), path: "spec.hosts[1].ssh.keyPath", msg: "SSH key /specs/" + shown("a")[len("/specs/"):] + " (1048583 bytes) does not exist"},
		{name: "known_hosts with a line break", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai], ssh: {knownHostsPath: \"a\\nb\"}}"), path: "spec.hosts[0].ssh.knownHostsPath", msg: "holds a line break"},

		// Hosts: the jump host.
		{name: "proxyJump bad port", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai], ssh: {proxyJump: \"bastion:99999\"}}"), path: "spec.hosts[0].ssh.proxyJump", msg: `port "99999" is not a number from 1 to 65535`},
		{name: "proxyJump port 0", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai], ssh: {proxyJump: \"bastion:0\"}}"), path: "spec.hosts[0].ssh.proxyJump", msg: `port "0" is not a number from 1 to 65535`},
		{name: "proxyJump empty port", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai], ssh: {proxyJump: \"bastion:\"}}"), path: "spec.hosts[0].ssh.proxyJump", msg: `"bastion:" ends in ':' but names no port`},
		{name: "proxyJump empty user", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai], ssh: {proxyJump: \"@bastion\"}}"), path: "spec.hosts[0].ssh.proxyJump", msg: "the user before @ must be a user name"},
		{name: "proxyJump bad host", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai], ssh: {proxyJump: \"admin@bas tion\"}}"), path: "spec.hosts[0].ssh.proxyJump", msg: `"bas tion" is not an IP address or DNS name`},
		{name: "proxyJump chain with an empty hop", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai], ssh: {proxyJump: \"a@b,,c@d\"}}"), path: "spec.hosts[0].ssh.proxyJump", msg: `hop 2 of "a@b,,c@d": an empty jump host`},
		{name: "proxyJump chain bad hop", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai], ssh: {proxyJump: \"a@b,c@d:0\"}}"), path: "spec.hosts[0].ssh.proxyJump", msg: `hop 2 of "a@b,c@d:0"`},
		{name: "sudo password file missing", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai], ssh: {user: deploy, sudoPasswordFile: ~/sudo-pw}}"), path: "spec.hosts[0].ssh.sudoPasswordFile", msg: "sudo password file /home/test/sudo-pw does not exist: write the password in it (chmod 600)"},
		{name: "proxyJump URL", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai], ssh: {proxyJump: \"ssh://bastion\"}}"), path: "spec.hosts[0].ssh.proxyJump", msg: "has a URL scheme"},
		{name: "proxyJump open bracket", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai], ssh: {proxyJump: \"[fd00::1\"}}"), path: "spec.hosts[0].ssh.proxyJump", msg: "is not host[:port]"},
		{name: "proxyJump unspecified", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai], ssh: {proxyJump: \"0.0.0.0:22\"}}"), path: "spec.hosts[0].ssh.proxyJump", msg: "0.0.0.0 is the unspecified address"},
		{name: "proxyJump multicast", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai], ssh: {proxyJump: \"admin@224.0.0.5\"}}"), path: "spec.hosts[0].ssh.proxyJump", msg: "is a multicast address"},

		// Network.
		{name: "pod CIDR not a CIDR", doc: threeDoc("  network: {podCIDR: 10.244.0.0}\n"), path: "spec.network.podCIDR", msg: `"10.244.0.0" is not a CIDR such as 10.244.0.0/16`},
		{name: "pod CIDR host bits", doc: threeDoc("  network: {podCIDR: 10.244.1.0/16}\n"), path: "spec.network.podCIDR", msg: "has bits set past its /16 prefix: use 10.244.0.0/16"},
		{name: "pod CIDR with a line break", doc: threeDoc("  network: {podCIDR: \"10.244.0.0/16\\n\"}\n"), path: "spec.network.podCIDR", msg: "holds a line break"},
		{name: "CIDRs overlap", doc: threeDoc("  network: {serviceCIDR: 10.244.128.0/20}\n"), path: "spec.network.serviceCIDR", msg: "overlaps podCIDR 10.244.0.0/16"},
		{name: "CIDR families differ", doc: threeDoc("  network: {serviceCIDR: \"fd00:96::/112\"}\n"), path: "spec.network.serviceCIDR", msg: "different IP families"},
		{name: "pod CIDR contains a host", doc: threeDoc("  network: {podCIDR: 10.0.0.0/16}\n"), path: "spec.network.podCIDR", msg: "contains 10.0.0.1, the address of spec.hosts[0] (n1)"},
		{name: "service CIDR contains a host", doc: threeDoc("  network: {serviceCIDR: 10.0.0.0/16}\n"), path: "spec.network.serviceCIDR", msg: "contains 10.0.0.1"},
		{name: "pod CIDR contains the endpoint", doc: threeDoc("  controlPlane: {endpoint: \"10.244.3.3:6443\"}\n"), path: "spec.network.podCIDR", msg: "contains 10.244.3.3, the control-plane endpoint"},
		{name: "pod CIDR too small for the hosts", doc: threeDoc("  network: {podCIDR: 10.244.0.0/23}\n"), path: "spec.network.podCIDR", msg: "holds 2 node subnets of /24 but there are 3 hosts"},
		{name: "node mask 0", doc: threeDoc("  network: {nodeCIDRMaskSize: 0}\n"), path: "spec.network.nodeCIDRMaskSize", msg: `line 9: "0" makes no sense here: use a prefix length longer than podCIDR's, or leave nodeCIDRMaskSize out for the default (24, or 64 for IPv6)`},
		{name: "node mask negative", doc: threeDoc("  network: {nodeCIDRMaskSize: -1}\n"), path: "spec.network.nodeCIDRMaskSize", msg: "-1 must be greater than the podCIDR prefix length 16"},
		{name: "node mask equal to the pod prefix", doc: threeDoc("  network: {nodeCIDRMaskSize: 16}\n"), path: "spec.network.nodeCIDRMaskSize", msg: "16 must be greater than the podCIDR prefix length 16"},
		{name: "node mask too long", doc: threeDoc("  network: {nodeCIDRMaskSize: 31}\n"), path: "spec.network.nodeCIDRMaskSize", msg: "use at most 30"},
		{name: "node mask too far from the pod prefix", doc: threeDoc("  network: {podCIDR: 10.0.0.0/8, nodeCIDRMaskSize: 28}\n"), path: "spec.network.nodeCIDRMaskSize", msg: "kube-controller-manager allows at most 16, so use at most 24"},
		{name: "node mask a word", doc: threeDoc("  network: {nodeCIDRMaskSize: big}\n"), path: "spec.network.nodeCIDRMaskSize", msg: `"big" is not a whole number`},
		{name: "service CIDR too large", doc: threeDoc("  network: {serviceCIDR: 10.64.0.0/11}\n"), path: "spec.network.serviceCIDR", msg: "use /12 or longer"},
		{name: "service CIDR too small", doc: threeDoc("  network: {serviceCIDR: 10.96.0.0/29}\n"), path: "spec.network.serviceCIDR", msg: "use /28 or shorter"},
		{name: "maxPods above the node subnet", doc: threeDoc("  network: {nodeCIDRMaskSize: 26}\n"), path: "spec.kubelet.maxPods", msg: "110 pods do not fit a /26 node subnet (61 pod addresses)", warn: true},
		{name: "DNS domain", doc: threeDoc("  network: {dnsDomain: Cluster_Local}\n"), path: "spec.network.dnsDomain", msg: `"Cluster_Local" is not a DNS domain`},
		{name: "DNS domain with a line break", doc: threeDoc("  network: {dnsDomain: \"cluster.local\\n\"}\n"), path: "spec.network.dnsDomain", msg: "holds a line break"},
		{name: "network plugin", doc: threeDoc("  network: {plugin: calico}\n"), path: "spec.network.plugin", msg: `unknown network plugin "calico": use flannel`},
		{name: "flannel backend", doc: threeDoc("  network: {flannel: {backend: udp}}\n"), path: "spec.network.flannel.backend", msg: `unknown flannel backend "udp"`},
		{name: "flannel a string", doc: threeDoc("  network: {flannel: vxlan}\n"), path: "spec.network.flannel", msg: `expected fields (backend), not "vxlan"`},

		// The control-plane endpoint.
		{name: "endpoint with an empty port", doc: threeDoc("  controlPlane: {endpoint: \"lb.example.com:\"}\n"), path: "spec.controlPlane.endpoint", msg: `"lb.example.com:" ends in ':' but names no port: write the port after it, such as lb.example.com:6443, or leave the ':' out`},
		{name: "endpoint IPv6 with an empty port", doc: sixDoc("  controlPlane: {endpoint: \"[fd00::100]:\"}\n"), path: "spec.controlPlane.endpoint", msg: "ends in ':' but names no port"},
		{name: "endpoint bracketed without a port", doc: sixDoc("  controlPlane: {endpoint: \"[fd00::100]\"}\n"), path: "spec.controlPlane.endpoint", msg: `"[fd00::100]" is bracketed without a port: write fd00::100, or [fd00::100]:6443 with the port`},
		{name: "endpoint 0.0.0.0 with a port", doc: threeDoc("  controlPlane: {endpoint: \"0.0.0.0:6443\"}\n"), path: "spec.controlPlane.endpoint", msg: `"0.0.0.0:6443": 0.0.0.0 is the unspecified address`},
		{name: "endpoint 0.0.0.0", doc: threeDoc("  controlPlane: {endpoint: 0.0.0.0}\n"), path: "spec.controlPlane.endpoint", msg: "0.0.0.0 is the unspecified address"},
		{name: "endpoint [::] with a port", doc: sixDoc("  controlPlane: {endpoint: \"[::]:6443\"}\n"), path: "spec.controlPlane.endpoint", msg: ":: is the unspecified address"},
		{name: "endpoint multicast", doc: threeDoc("  controlPlane: {endpoint: \"224.0.0.1:6443\"}\n"), path: "spec.controlPlane.endpoint", msg: "is a multicast address"},
		{name: "endpoint link-local", doc: threeDoc("  controlPlane: {endpoint: \"169.254.0.1:6443\"}\n"), path: "spec.controlPlane.endpoint", msg: "is link-local"},
		{name: "endpoint loopback in a multi-host cluster", doc: threeDoc("  controlPlane: {endpoint: \"127.0.0.1:6443\"}\n"), path: "spec.controlPlane.endpoint", msg: `"127.0.0.1:6443" names this machine only: the other 2 hosts cannot reach the API server there`},
		{name: "endpoint localhost in a multi-host cluster", doc: threeDoc("  controlPlane: {endpoint: localhost}\n"), path: "spec.controlPlane.endpoint", msg: "names this machine only"},
		{name: "endpoint IPv4-mapped", doc: threeDoc("  controlPlane: {endpoint: \"[::ffff:10.0.0.100]:6443\"}\n"), path: "spec.controlPlane.endpoint", msg: "is an IPv4 address written as IPv6: write it as 10.0.0.100"},
		{name: "endpoint IPv6 for IPv4 hosts", doc: threeDoc("  controlPlane: {endpoint: \"[fd00::100]:6443\"}\n"), path: "spec.controlPlane.endpoint", msg: "fd00::100 is IPv6 but the hosts have IPv4 addresses"},
		{name: "endpoint bare IPv6 for IPv4 hosts", doc: threeDoc("  controlPlane: {endpoint: \"fd00::100\"}\n"), path: "spec.controlPlane.endpoint", msg: "is IPv6 but the hosts have IPv4 addresses"},
		{name: "endpoint IPv4 for IPv6 hosts", doc: sixDoc("  controlPlane: {endpoint: \"10.0.0.100:6443\"}\n"), path: "spec.controlPlane.endpoint", msg: "10.0.0.100 is IPv4 but the hosts have IPv6 addresses"},
		{name: "endpoint with a scheme", doc: threeDoc("  controlPlane: {endpoint: \"https://lb:6443\"}\n"), path: "spec.controlPlane.endpoint", msg: "has a URL scheme: write host[:port]"},
		{name: "endpoint port a word", doc: threeDoc("  controlPlane: {endpoint: \"lb:https\"}\n"), path: "spec.controlPlane.endpoint", msg: `port "https" is not a number`},
		{name: "endpoint port 0", doc: threeDoc("  controlPlane: {endpoint: \"lb:0\"}\n"), path: "spec.controlPlane.endpoint", msg: `port "0" is not a number from 1 to 65535`},
		{name: "endpoint port too big", doc: threeDoc("  controlPlane: {endpoint: \"lb:65536\"}\n"), path: "spec.controlPlane.endpoint", msg: `port "65536" is not a number`},
		{name: "endpoint without a host", doc: threeDoc("  controlPlane: {endpoint: \":6443\"}\n"), path: "spec.controlPlane.endpoint", msg: `"" is not an IP address or DNS name`},
		{name: "endpoint bad host", doc: threeDoc("  controlPlane: {endpoint: \"lb_1:6443\"}\n"), path: "spec.controlPlane.endpoint", msg: `"lb_1" is not an IP address or DNS name`},
		{name: "endpoint with two ports", doc: threeDoc("  controlPlane: {endpoint: \"[fd00::1]:1:2\"}\n"), path: "spec.controlPlane.endpoint", msg: "is not host[:port]"},
		{name: "endpoint with a line break", doc: threeDoc("  controlPlane: {endpoint: \"lb\\n:6443\"}\n"), path: "spec.controlPlane.endpoint", msg: "holds a line break"},
		{name: "several control planes without an endpoint", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai]}", "{name: n2, address: 10.0.0.2, roles: [a]}", "{name: n3, address: 10.0.0.3, roles: [a]}"), path: "spec.controlPlane.endpoint", msg: "3 control-plane hosts but no endpoint", warn: true},

		// Extra arguments.
		{name: "extra arg with dashes", doc: threeDoc("  controlPlane: {apiServerExtraArgs: {--v: \"2\"}}\n"), path: "spec.controlPlane.apiServerExtraArgs[--v]", msg: "write the flag name without dashes: v"},
		{name: "extra arg only dashes", doc: threeDoc("  controlPlane: {apiServerExtraArgs: {--: \"2\"}}\n"), path: "spec.controlPlane.apiServerExtraArgs[--]", msg: `"--" is not a flag name`},
		{name: "extra arg empty name", doc: threeDoc("  controlPlane: {apiServerExtraArgs: {\"\": \"2\"}}\n"), path: "spec.controlPlane.apiServerExtraArgs[]", msg: "is not a flag name"},
		{name: "extra arg with =", doc: threeDoc("  controlPlane: {apiServerExtraArgs: {\"v=2\": \"\"}}\n"), path: "spec.controlPlane.apiServerExtraArgs[v=2]", msg: `"v=2" holds '=': write the flag name as the key and its value as the value, such as v: "2"`},
		{name: "extra arg with dashes and =", doc: threeDoc("  controlPlane: {controllerManagerExtraArgs: {\"--bind-address=0.0.0.0\": \"\"}}\n"), path: "spec.controlPlane.controllerManagerExtraArgs[--bind-address=0.0.0.0]", msg: `such as bind-address: "0.0.0.0"`},
		{name: "extra arg with a space", doc: threeDoc("  controlPlane: {schedulerExtraArgs: {\"v 2\": \"\"}}\n"), path: "spec.controlPlane.schedulerExtraArgs[v 2]", msg: "holds white space: a flag name is one word"},
		{name: "extra arg name with a line break", doc: threeDoc("  controlPlane: {apiServerExtraArgs: {\"v\\n--anonymous-auth\": \"true\"}}\n"), path: "spec.controlPlane.apiServerExtraArgs[v\n--anonymous-auth]", msg: "holds a line break"},
		{name: "extra arg value with a line break", doc: threeDoc("  controlPlane: {apiServerExtraArgs: {v: \"2\\n--anonymous-auth=true\"}}\n"), path: "spec.controlPlane.apiServerExtraArgs[v]", msg: "holds a line break"},
		{name: "extra arg value with a tab", doc: threeDoc("  controlPlane: {schedulerExtraArgs: {v: \"2\\t3\"}}\n"), path: "spec.controlPlane.schedulerExtraArgs[v]", msg: "holds the control character U+0009"},
		{name: "extra arg value a list", doc: threeDoc("  controlPlane: {apiServerExtraArgs: {v: [2]}}\n"), path: "spec.controlPlane.apiServerExtraArgs[v]", msg: "expected a string, not a list"},
		{name: "extra args a list", doc: threeDoc("  controlPlane: {apiServerExtraArgs: [v]}\n"), path: "spec.controlPlane.apiServerExtraArgs", msg: "expected name: value pairs, not a list"},
		{name: "extra arg long name", doc: threeDoc("  controlPlane: {apiServerExtraArgs: {" + longKey + "=1: x}}\n"), path: "spec.controlPlane.apiServerExtraArgs[" + shown("k") + " (1002 bytes)]", msg: "holds '='"},
		{name: "extra arg big value", doc: threeDoc("  controlPlane: {apiServerExtraArgs: {v: \"" + big + "\\n\"}}\n"), path: "spec.controlPlane.apiServerExtraArgs[v]", msg: shown("a") + " (1048577 bytes)\" holds a line break"},

		// External etcd.
		{name: "external etcd over http", doc: externalDoc(strings.Replace(goodExternal, "https://", "http://", 1)), path: "spec.etcd.external.endpoints[0]", msg: "must use https"},
		{name: "external etcd not a URL", doc: externalDoc(strings.Replace(goodExternal, "https://etcd.example.com:2379", "etcd:2379", 1)), path: "spec.etcd.external.endpoints[0]", msg: "is not a URL"},
		{name: "external etcd with a path", doc: externalDoc(strings.Replace(goodExternal, ":2379", "/v3", 1)), path: "spec.etcd.external.endpoints[0]", msg: "write only scheme, host and port"},
		{name: "external etcd with credentials", doc: externalDoc(strings.Replace(goodExternal, "https://", "https://user:pass@", 1)), path: "spec.etcd.external.endpoints[0]", msg: "write only scheme, host and port"},
		{name: "external etcd port 0", doc: externalDoc(strings.Replace(goodExternal, ":2379", ":0", 1)), path: "spec.etcd.external.endpoints[0]", msg: `port "0" is not a number`},
		{name: "external etcd unspecified", doc: externalDoc(strings.Replace(goodExternal, "etcd.example.com", "0.0.0.0", 1)), path: "spec.etcd.external.endpoints[0]", msg: "0.0.0.0 is the unspecified address"},
		{name: "external etcd multicast", doc: externalDoc(strings.Replace(goodExternal, "etcd.example.com", "[ff02::1]", 1)), path: "spec.etcd.external.endpoints[0]", msg: "is a multicast address"},
		{name: "external etcd bad host", doc: externalDoc(strings.Replace(goodExternal, "etcd.example.com", "etcd_1", 1)), path: "spec.etcd.external.endpoints[0]", msg: `"etcd_1" is not an IP address or DNS name`},
		{name: "external etcd endpoint with a line break", doc: externalDoc(strings.Replace(goodExternal, ":2379", ":2379\\n", 1)), path: "spec.etcd.external.endpoints[0]", msg: "holds a line break"},
		{name: "external etcd null endpoint", doc: externalDoc(strings.Replace(goodExternal, `["https://etcd.example.com:2379"]`, "[null]", 1)), path: "spec.etcd.external.endpoints[0]", msg: "an empty list item"},
		{name: "external etcd without endpoints", doc: externalDoc(strings.Replace(goodExternal, `["https://etcd.example.com:2379"]`, "[]", 1)), path: "spec.etcd.external.endpoints", msg: "at least one endpoint"},
		{name: "external etcd and the etcd role", doc: hostsDoc("  etcd:\n    external: {"+goodExternal+"}\n", "{name: n1, address: 10.0.0.1, roles: [ai]}"), path: "spec.hosts[0].roles", msg: "has the etcd role but spec.etcd.external is set"},
		{name: "external etcd CA missing", doc: externalDoc(strings.Replace(goodExternal, "/etc/etcd/ca.crt", "ca.pem", 1)), path: "spec.etcd.external.caFile", msg: "etcd CA file /specs/ca.pem does not exist: copy the etcd CA certificate there"},
		{name: "external etcd CA a directory", doc: externalDoc(strings.Replace(goodExternal, "/etc/etcd/ca.crt", "/etc/etcd", 1)), path: "spec.etcd.external.caFile", msg: "etcd CA file /etc/etcd is a directory: name the file itself, such as /etc/etcd/ca.crt"},
		{name: "external etcd CA empty", doc: externalDoc(strings.Replace(goodExternal, "/etc/etcd/ca.crt", "/etc/etcd/empty.crt", 1)), path: "spec.etcd.external.caFile", msg: "etcd CA file /etc/etcd/empty.crt holds no PEM block (-----BEGIN CERTIFICATE-----): copy the etcd CA certificate there"},
		{name: "external etcd CA is a key", doc: externalDoc(strings.Replace(goodExternal, "/etc/etcd/ca.crt", "/etc/etcd/ca.key", 1)), path: "spec.etcd.external.caFile", msg: "holds a PEM PRIVATE KEY block, not a CERTIFICATE"},
		{name: "external etcd CA damaged", doc: externalDoc(strings.Replace(goodExternal, "/etc/etcd/ca.crt", "/etc/etcd/garbage.crt", 1)), path: "spec.etcd.external.caFile", msg: "holds a damaged certificate"},
		{name: "external etcd certificate is a key", doc: externalDoc(strings.Replace(goodExternal, "etcd/client.crt", "~/etcd/client.key", 1)), path: "spec.etcd.external.certFile", msg: "etcd client certificate /home/test/etcd/client.key holds a PEM PRIVATE KEY block, not a CERTIFICATE: copy the client certificate there (are certFile and keyFile swapped?)"},
		{name: "external etcd key is a certificate", doc: externalDoc(strings.Replace(goodExternal, "~/etcd/client.key", "/etc/etcd/ca.crt", 1)), path: "spec.etcd.external.keyFile", msg: "etcd client key /etc/etcd/ca.crt holds a PEM CERTIFICATE block, not a PRIVATE KEY"},
		{name: "external etcd key a directory", doc: externalDoc(strings.Replace(goodExternal, "~/etcd/client.key", "~/etcd", 1)), path: "spec.etcd.external.keyFile", msg: "is a directory"},
		{name: "external etcd key empty", doc: externalDoc(strings.Replace(goodExternal, "~/etcd/client.key", "/etc/etcd/empty.crt", 1)), path: "spec.etcd.external.keyFile", msg: "holds no PEM block (-----BEGIN PRIVATE KEY-----)"},
		{name: "external etcd key missing", doc: externalDoc(strings.Replace(goodExternal, "~/etcd/client.key", "~/etcd/gone.key", 1)), path: "spec.etcd.external.keyFile", msg: "does not exist: copy the client key there"},
		{name: "external etcd key unset", doc: externalDoc(strings.Replace(goodExternal, ", keyFile: ~/etcd/client.key", "", 1)), path: "spec.etcd.external.keyFile", msg: "the etcd client key path is required"},
		{name: "external etcd a list", doc: threeDoc("  etcd: {external: [a]}\n"), path: "spec.etcd.external", msg: "expected fields (endpoints, caFile, certFile, keyFile), not a list"},

		// Kubelet.
		{name: "cgroup driver", doc: threeDoc("  kubelet: {cgroupDriver: none}\n"), path: "spec.kubelet.cgroupDriver", msg: `unknown cgroup driver "none"`},
		{name: "maxPods 0", doc: threeDoc("  kubelet: {maxPods: 0}\n"), path: "spec.kubelet.maxPods", msg: `line 9: "0" makes no sense here: use 1 to 1000, or leave maxPods out for the default 110`},
		{name: "maxPods negative", doc: threeDoc("  kubelet: {maxPods: -5}\n"), path: "spec.kubelet.maxPods", msg: "-5 is out of range: use 1 to 1000"},
		{name: "maxPods too many", doc: threeDoc("  kubelet: {maxPods: 1001}\n"), path: "spec.kubelet.maxPods", msg: "1001 is out of range"},
		{name: "maxUnavailable 0", doc: threeDoc("  upgrade: {maxUnavailable: 0}\n"), path: "spec.upgrade.maxUnavailable", msg: `line 9: "0" makes no sense here: use 1 or more worker hosts, or leave maxUnavailable out for the default 1`},
		{name: "maxUnavailable negative", doc: threeDoc("  upgrade: {maxUnavailable: -1}\n"), path: "spec.upgrade.maxUnavailable", msg: "-1 is out of range: use 1 or more worker hosts (the default is 1)"},
		{name: "drainTimeout short", doc: threeDoc("  upgrade: {drainTimeout: 1s}\n"), path: "spec.upgrade.drainTimeout", msg: "1s is out of range: use 10s to 2h (the default is 5m)"},
		{name: "drainTimeout 0", doc: threeDoc("  upgrade: {drainTimeout: 0s}\n"), path: "spec.upgrade.drainTimeout", msg: `makes no sense here: use 10s to 2h, or leave drainTimeout out for the default 5m`},
		{name: "maxPods too big for int32", doc: threeDoc("  kubelet: {maxPods: 3000000000}\n"), path: "spec.kubelet.maxPods", msg: `"3000000000" is not a whole number`},
		{name: "maxPods a word", doc: threeDoc("  kubelet: {maxPods: many}\n"), path: "spec.kubelet.maxPods", msg: `"many" is not a whole number`},
		{name: "bootstrap token TTL 0s", doc: threeDoc("  kubelet: {bootstrapTokenTTL: 0s}\n"), path: "spec.kubelet.bootstrapTokenTTL", msg: `"0s" makes no sense here: use 1m to 24h, or leave bootstrapTokenTTL out for the default 1h`},
		{name: "bootstrap token TTL too short", doc: threeDoc("  kubelet: {bootstrapTokenTTL: 30s}\n"), path: "spec.kubelet.bootstrapTokenTTL", msg: "30s is out of range: use 1m to 24h (the default is 1h)"},
		{name: "bootstrap token TTL too long", doc: threeDoc("  kubelet: {bootstrapTokenTTL: 168h}\n"), path: "spec.kubelet.bootstrapTokenTTL", msg: "168h is out of range"},
		{name: "bootstrap token TTL negative", doc: threeDoc("  kubelet: {bootstrapTokenTTL: -1h}\n"), path: "spec.kubelet.bootstrapTokenTTL", msg: "-1h is out of range"},
		{name: "bootstrap token TTL a number", doc: threeDoc("  kubelet: {bootstrapTokenTTL: 60}\n"), path: "spec.kubelet.bootstrapTokenTTL", msg: `"60" is not a duration`},
		{name: "kubelet unknown field", doc: threeDoc("  kubelet: {maxpods: 10}\n"), path: "spec.kubelet.maxpods", msg: `did you mean "maxPods"?`},

		// PKI.
		{name: "key algorithm", doc: threeDoc("  pki: {keyAlgorithm: ed25519}\n"), path: "spec.pki.keyAlgorithm", msg: `unknown key algorithm "ed25519": use ecdsa (P-256) or rsa`},
		{name: "certificate validity 0s", doc: threeDoc("  pki: {certificateValidity: 0s}\n"), path: "spec.pki.certificateValidity", msg: `line 9: "0s" makes no sense here: use at least 1h, or leave certificateValidity out for the default 8760h`},
		{name: "certificate validity 0", doc: threeDoc("  pki: {certificateValidity: \"0\"}\n"), path: "spec.pki.certificateValidity", msg: `"0" makes no sense here`},
		{name: "CA validity 0h", doc: threeDoc("  pki: {caValidity: 0h}\n"), path: "spec.pki.caValidity", msg: `"0h" makes no sense here: use at least 1h, or leave caValidity out for the default 87600h`},
		{name: "CA validity 0m0s", doc: threeDoc("  pki: {caValidity: 0m0s}\n"), path: "spec.pki.caValidity", msg: "makes no sense here"},
		{name: "certificate validity too short", doc: threeDoc("  pki: {certificateValidity: 30m}\n"), path: "spec.pki.certificateValidity", msg: "30m is too short: use at least 1h"},
		{name: "certificate validity negative", doc: threeDoc("  pki: {certificateValidity: -24h}\n"), path: "spec.pki.certificateValidity", msg: "-24h is too short"},
		{name: "CA validity negative", doc: threeDoc("  pki: {caValidity: -1h}\n"), path: "spec.pki.caValidity", msg: "-1h is too short"},
		{name: "certificate outlives its CA", doc: threeDoc("  pki: {certificateValidity: 87600h}\n"), path: "spec.pki.certificateValidity", msg: "87600h is not shorter than caValidity 87600h"},
		{name: "validity in years", doc: threeDoc("  pki: {certificateValidity: 1 year}\n"), path: "spec.pki.certificateValidity", msg: `line 9: "1 year" is not a duration`},
		{name: "validity without a unit", doc: threeDoc("  pki: {caValidity: 8760}\n"), path: "spec.pki.caValidity", msg: `"8760" is not a duration`},
		{name: "validity a mapping", doc: threeDoc("  pki: {caValidity: {hours: 1}}\n"), path: "spec.pki.caValidity", msg: "a duration must be a string"},
		{name: "validity big", doc: threeDoc("  pki: {caValidity: " + big + "}\n"), path: "spec.pki.caValidity", msg: "(1048576 bytes)\" is not a duration"},

		// Artifacts.
		{name: "artifact source", doc: threeDoc("  artifacts: {source: git}\n"), path: "spec.artifacts.source", msg: `unknown source "git": use build, release or bundle`},
		{name: "bundle without a path", doc: threeDoc("  artifacts: {source: bundle}\n"), path: "spec.artifacts.bundle", msg: "source bundle needs the path of a bundle file"},
		{name: "bundle missing", doc: threeDoc("  artifacts: {source: bundle, bundle: /tmp/b.tar}\n"), path: "spec.artifacts.bundle", msg: "bundle /tmp/b.tar does not exist: make one with kubeup artifacts bundle"},
		{name: "bundle a directory", doc: threeDoc("  artifacts: {source: bundle, bundle: bundles}\n"), path: "spec.artifacts.bundle", msg: "bundle /specs/bundles is a directory: name the file itself"},
		{name: "bundle a nested directory", doc: threeDoc("  artifacts: {source: bundle, bundle: bundles/old/}\n"), path: "spec.artifacts.bundle", msg: "is a directory"},
		{name: "bundle with a line break", doc: threeDoc("  artifacts: {source: bundle, bundle: \"bundles/kubeup-v1.34.4.tar\\n\"}\n"), path: "spec.artifacts.bundle", msg: "holds a line break"},
		{name: "bundle ignored", doc: threeDoc("  artifacts: {bundle: /tmp/b.tar}\n"), path: "spec.artifacts.bundle", msg: "ignored because source is build", warn: true},
		{name: "unknown mirror", doc: threeDoc("  artifacts: {source: release, mirrors: {docker: \"https://m\"}}\n"), path: "spec.artifacts.mirrors[docker]", msg: `unknown mirror "docker"`},
		{name: "mirror not http", doc: threeDoc("  artifacts: {source: release, mirrors: {etcd: \"ftp://m/etcd\"}}\n"), path: "spec.artifacts.mirrors[etcd]", msg: `"ftp://m/etcd" is not an http(s) URL`},
		{name: "mirror without a host", doc: threeDoc("  artifacts: {source: release, mirrors: {etcd: \"https:///etcd\"}}\n"), path: "spec.artifacts.mirrors[etcd]", msg: "is not an http(s) URL"},
		{name: "mirror with a line break", doc: threeDoc("  artifacts: {source: release, mirrors: {etcd: \"https://m/etcd\\n\"}}\n"), path: "spec.artifacts.mirrors[etcd]", msg: "holds a line break"},
		{name: "checksum not hex", doc: threeDoc("  artifacts: {source: release, checksums: {flannel-v0.26.7-linux-amd64.tar.gz: xyz}}\n"), path: "spec.artifacts.checksums[flannel-v0.26.7-linux-amd64.tar.gz]", msg: `"xyz" is not a sha256: write the 64 hex digits of sha256sum flannel-v0.26.7-linux-amd64.tar.gz`},
		{name: "checksum too short", doc: threeDoc("  artifacts: {source: release, checksums: {f.tar.gz: \"" + strings.Repeat("a", 63) + "\"}}\n"), path: "spec.artifacts.checksums[f.tar.gz]", msg: "is not a sha256"},
		{name: "checksum of a path", doc: threeDoc("  artifacts: {source: release, checksums: {\"dl/f.tar.gz\": \"" + strings.Repeat("a", 64) + "\"}}\n"), path: "spec.artifacts.checksums[dl/f.tar.gz]", msg: "is not a release file name: use the name alone"},
		{name: "checksums without release", doc: threeDoc("  artifacts: {checksums: {f.tar.gz: \"" + strings.Repeat("a", 64) + "\"}}\n"), path: "spec.artifacts.checksums", msg: "ignored because source is build", warn: true},
		{name: "mirror big", doc: threeDoc("  artifacts: {source: release, mirrors: {etcd: " + big + "}}\n"), path: "spec.artifacts.mirrors[etcd]", msg: "(1048576 bytes)\" is not an http(s) URL"},
		{name: "mirrors ignored", doc: threeDoc("  artifacts: {mirrors: {etcd: \"https://m/etcd\"}}\n"), path: "spec.artifacts.mirrors", msg: "ignored because source is build", warn: true},

		// Explicit empty strings: an omitted field takes its default, "" is refused.
		{name: "version empty", doc: threeDoc("  kubernetesVersion: \"\"\n"), path: "spec.kubernetesVersion", msg: `line 9: "" makes no sense here: write a value, or leave kubernetesVersion out for the default v1.37.2`},
		{name: "version empty in single quotes", doc: threeDoc("  kubernetesVersion: ''\n"), path: "spec.kubernetesVersion", msg: `"" makes no sense here`},
		{name: "pod CIDR empty", doc: threeDoc("  network: {podCIDR: \"\"}\n"), path: "spec.network.podCIDR", msg: `line 9: "" makes no sense here: write a value, or leave podCIDR out for the default 10.244.0.0/16`},
		{name: "service CIDR empty", doc: threeDoc("  network: {serviceCIDR: \"\"}\n"), path: "spec.network.serviceCIDR", msg: "leave serviceCIDR out for the default 10.96.0.0/12"},
		{name: "DNS domain empty", doc: threeDoc("  network: {dnsDomain: \"\"}\n"), path: "spec.network.dnsDomain", msg: "leave dnsDomain out for the default cluster.local"},
		{name: "plugin empty", doc: threeDoc("  network: {plugin: \"\"}\n"), path: "spec.network.plugin", msg: "leave plugin out for the default flannel"},
		{name: "flannel backend empty", doc: threeDoc("  network: {flannel: {backend: \"\"}}\n"), path: "spec.network.flannel.backend", msg: "leave backend out for the default vxlan"},
		{name: "flannel backend empty in a block", doc: threeDoc("  network:\n    flannel:\n      backend: ''\n"), path: "spec.network.flannel.backend", msg: `line 11: "" makes no sense here`},
		{name: "cgroup driver empty", doc: threeDoc("  kubelet: {cgroupDriver: \"\"}\n"), path: "spec.kubelet.cgroupDriver", msg: "leave cgroupDriver out for the default systemd"},
		{name: "key algorithm empty", doc: threeDoc("  pki: {keyAlgorithm: \"\"}\n"), path: "spec.pki.keyAlgorithm", msg: "leave keyAlgorithm out for the default ecdsa"},
		{name: "artifact source empty", doc: threeDoc("  artifacts: {source: \"\"}\n"), path: "spec.artifacts.source", msg: "leave source out for the default build"},
		{name: "SSH user empty", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai], ssh: {user: \"\"}}"), path: "spec.hosts[0].ssh.user", msg: `line 6: "" makes no sense here: write a user name, or leave user out for ~/.ssh/config's User, else root`},
		{name: "SSH user empty on the second host", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai]}", "{name: n2, address: 10.0.0.2, roles: [i], ssh: {user: ''}}"), path: "spec.hosts[1].ssh.user", msg: `line 7: "" makes no sense here`},
		{name: "SSH key path empty", doc: keyDoc(`""`), path: "spec.hosts[1].ssh.keyPath", msg: "leave keyPath out for ssh-agent's keys and ~/.ssh/config's IdentityFile, else ~/.ssh/id_ed25519, id_ecdsa and id_rsa"},
		{name: "SSH proxy jump empty", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai], ssh: {proxyJump: \"\"}}"), path: "spec.hosts[0].ssh.proxyJump", msg: "or write none to connect directly whatever ~/.ssh/config says"},
		{name: "SSH sudo password file empty", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai], ssh: {sudoPasswordFile: \"\"}}"), path: "spec.hosts[0].ssh.sudoPasswordFile", msg: "leave sudoPasswordFile out to be asked once on the terminal"},
		{name: "SSH known hosts empty", doc: hostsDoc("", "{name: n1, address: 10.0.0.1, roles: [ai], ssh: {knownHostsPath: \"\"}}"), path: "spec.hosts[0].ssh.knownHostsPath", msg: "leave knownHostsPath out for the state directory's known_hosts"},
		{name: "empty strings in a block host", doc: badHead + "  hosts:\n    - name: n1\n      address: 10.0.0.1\n      roles: [ai]\n      ssh:\n        user: \"\"\n", path: "spec.hosts[0].ssh.user", msg: `line 10: "" makes no sense here`},

		// Sandbox.
		{name: "sandbox nameserver", doc: threeDoc("  sandbox: {nameservers: [1.1.1.1, dns.google]}\n"), path: "spec.sandbox.nameservers[1]", msg: `"dns.google" is not an IP address`},
		{name: "sandbox null nameserver", doc: threeDoc("  sandbox: {nameservers: [null]}\n"), path: "spec.sandbox.nameservers[0]", msg: "an empty list item"},
		{name: "sandbox flag not a bool", doc: threeDoc("  sandbox: {createKmsg: maybe}\n"), path: "spec.sandbox.createKmsg", msg: `"maybe" is not true or false`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := testOptions()
			if tt.opts != nil {
				tt.opts(&opts)
			}
			ps := specProblems(tt.doc, opts)
			want := SeverityError
			if tt.warn {
				want = SeverityWarning
			}
			if !hasProblem(ps, tt.path, tt.msg, want) {
				t.Errorf("want %s at %q containing %q, got:\n%s", want, tt.path, tt.msg, firstBytes(render(ps), 4000))
			}
			if tt.warn && ps.HasErrors() {
				t.Errorf("want only warnings, got:\n%s", render(ps))
			}
			if tt.onlyHeader && len(ps) != 1 {
				t.Errorf("a document of another kind: want one problem, got:\n%s", render(ps))
			}
			for _, p := range ps {
				if n := len(p.text()); n > maxMessage {
					t.Errorf("a %d-byte message repeats a value whole: %s", n, firstBytes(p.text(), 4000))
				}
			}
		})
	}
	if len(tests) < 200 {
		t.Errorf("only %d bad specs: the table should hold 200 or more", len(tests))
	}
}

// firstBytes returns at most the first n bytes of s.
func firstBytes(s string, n int) string { return s[:min(n, len(s))] }

// TestZeroHintCoversEveryDefaultedString: every string field that
// SetDefaults fills, and every ssh field (filled from ~/.ssh/config and
// kubeup's defaults when left out), refuses an explicit "".
func TestZeroHintCoversEveryDefaultedString(t *testing.T) {
	c := &Cluster{Spec: Spec{Hosts: []Host{{}}}}
	SetDefaults(c)
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		rt := v.Type()
		for _, f := range yamlFields(rt) {
			fv, p := v.Field(f.index), pathField(path, f.name)
			switch {
			case fv.Kind() == reflect.String && (fv.String() != "" || rt == reflect.TypeFor[SSH]()):
				if zeroHint(rt, f.name) == "" {
					t.Errorf("%s is a string that takes a default when left out: give it a zeroHint", p)
				}
			case fv.Kind() == reflect.Struct:
				walk(fv, p)
			case fv.Kind() == reflect.Slice && fv.Len() > 0 && fv.Index(0).Kind() == reflect.Struct:
				walk(fv.Index(0), pathIndex(p, 0))
			}
		}
	}
	walk(reflect.ValueOf(c).Elem(), "")
}

func TestZeroHintCoversEveryDefaultedNumber(t *testing.T) {
	var walk func(t reflect.Type, path string)
	walk = func(rt reflect.Type, path string) {
		for _, f := range yamlFields(rt) {
			ft := f.typ
			for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
				ft = ft.Elem()
			}
			switch {
			case ft == reflect.TypeFor[Duration]() || ft.Kind() >= reflect.Int && ft.Kind() <= reflect.Uint64:
				if zeroHint(rt, f.name) == "" {
					t.Errorf("%s.%s is a number that SetDefaults may fill: give it a zeroHint", path, f.name)
				}
			case ft.Kind() == reflect.Struct:
				walk(ft, pathField(path, f.name))
			}
		}
	}
	walk(reflect.TypeFor[Cluster](), "")
}
