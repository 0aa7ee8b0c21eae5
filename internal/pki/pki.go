// Package pki declares kubeup's certificate set as data (kubeadm's
// /etc/kubernetes/pki layout plus the client certificates embedded in
// kubeconfigs), issues it into the cluster state directory, reuses what is
// still valid, and says which certificate and key files each host receives.
//
// Certificate authorities are never replaced on their own: a CA that is
// missing its key, expired or unreadable is an error for the user to fix.
package pki

import (
	"fmt"
	"time"
)

// Names of the client certificates used by kubeconfig files.
const (
	Admin             = "admin"
	ControllerManager = "controller-manager"
	Scheduler         = "scheduler"
	KubeProxy         = "kube-proxy"
	Flanneld          = "flanneld"
)

// Names of the certificate authorities.
const (
	CA           = "ca"
	FrontProxyCA = "front-proxy-ca"
	EtcdCA       = "etcd/ca"
)

// renewBefore is how long before expiry a leaf certificate is re-issued;
// a short-lived leaf is re-issued in the last third of its lifetime instead,
// so that it is not re-issued on every run.
const renewBefore = 30 * 24 * time.Hour

// renewalWindow is the time before c's expiry from which it is re-issued.
func renewalWindow(lifetime time.Duration) time.Duration {
	return min(renewBefore, lifetime/3)
}

// backdate moves NotBefore into the past to tolerate clock skew.
const backdate = 5 * time.Minute

// Action says what Ensure did with one certificate or key pair.
type Action string

// The actions Ensure reports.
const (
	Created  Action = "created"
	Reused   Action = "reused"
	Reissued Action = "reissued"
)

// Change reports what Ensure did with one certificate or key pair.
type Change struct {
	Name   string // e.g. "apiserver", "etcd/node1/server", "sa"
	Action Action
	Reason string // why it was re-issued; empty otherwise
}

// String renders the change for printing.
func (c Change) String() string {
	if c.Reason == "" {
		return fmt.Sprintf("%s %s", c.Name, c.Action)
	}
	return fmt.Sprintf("%s %s: %s", c.Name, c.Action, c.Reason)
}

// Expiry is the validity of one certificate, for status output.
type Expiry struct {
	Name      string // e.g. "apiserver", "etcd/node1/server"
	CA        string // the signing CA's name; empty for a CA
	Subject   string // the common name
	NotBefore time.Time
	NotAfter  time.Time
}
