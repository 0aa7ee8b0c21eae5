package pki

import (
	"fmt"
	"path"
	"strings"

	"kubeup.dev/kubeup/internal/spec"
)

// item is a catalog entry resolved against a cluster spec: one concrete
// certificate, CA or key pair.
// Its name is unique (per-host entries become e.g. "etcd/node1/server")
// and its common name final.
type item struct {
	def
	owner string // the host a per-host certificate belongs to
	sans  altNames
}

// items resolves the catalog for c, one item per etcd host for per-host
// entries, leaving out etcd entries when etcd is external.
func items(c *spec.Cluster) ([]item, error) {
	var out []item
	for _, d := range catalog() {
		if d.etcd && c.Spec.Etcd.External != nil {
			continue
		}
		owners := []spec.Host{{}}
		if d.perEtcdHost {
			owners = c.Spec.EtcdHosts()
		}
		for _, h := range owners {
			it, err := resolve(d, c, h)
			if err != nil {
				return nil, err
			}
			out = append(out, it)
		}
	}
	return out, nil
}

func resolve(d def, c *spec.Cluster, h spec.Host) (item, error) {
	it := item{def: d, owner: h.Name}
	if d.perEtcdHost {
		if h.Name == "" || h.Name == "." || h.Name == ".." || strings.ContainsAny(h.Name, `/\`) {
			return item{}, fmt.Errorf("certificate %s: host name %q cannot name a directory (validate the spec)", d.name, h.Name)
		}
		it.name = path.Join(path.Dir(d.name), h.Name, path.Base(d.name))
		it.cn = h.Name
	}
	if d.sans == nil {
		return it, nil
	}
	names, err := d.sans(c, h)
	if err != nil {
		return item{}, fmt.Errorf("certificate %s: %w", it.name, err)
	}
	it.sans = newAltNames(names)
	return it, nil
}
