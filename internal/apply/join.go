package apply

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"kubeup.dev/kubeup/internal/bootstrap"
	"kubeup.dev/kubeup/internal/csrapprove"
	"kubeup.dev/kubeup/internal/host"
	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/kubeconfig"
	"kubeup.dev/kubeup/internal/layout"
	"kubeup.dev/kubeup/internal/phase"
	"kubeup.dev/kubeup/internal/remoteops"
	"kubeup.dev/kubeup/internal/spec"
)

// startKubelet starts kubelet. A host whose kubelet holds no valid client
// certificate first joins: it gets a bootstrap token of its own, which
// apply approves for its node name only and deletes once the node holds
// its certificate (see join); a host that runs static pods gets its
// certificate from the cluster CA instead (see issueKubeletIdentity). Bootstrap credentials older kubeup versions
// left on the host are removed.
func startKubelet(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	need, err := needsJoin(ctx, s.Host(), s.HostName(), r.Now())
	if err != nil {
		return err
	}
	switch {
	case need && len(r.StaticPodsOn(r.SpecHost(s.HostName()))) > 0:
		err = issueKubeletIdentity(ctx, r, s)
	case need:
		err = join(ctx, r, s)
	default:
		err = ensureUnits(ctx, r, s, "kubelet")
	}
	if err != nil {
		return err
	}
	return removeStale(ctx, s, retiredBootstrapFiles(r.HostFiles(s.HostName()).Host))
}

// retiredBootstrapFiles are the files that held the cluster-wide bootstrap
// token of older kubeup versions.
func retiredBootstrapFiles(h spec.Host) []string {
	out := []string{layout.BootstrapKubeletConf}
	if h.HasRole(spec.RoleControlPlane) {
		out = append(out, layout.Addon(bootstrap.RetiredTokenAddon))
	}
	return out
}

// clientCertProbe prints the certificate (not the key) of the kubelet's
// client pair when the kubelet's kubeconfig exists.
func clientCertProbe() string {
	return fmt.Sprintf(`[ -s %s ] && sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' %s 2>/dev/null; true`,
		host.Quote(layout.KubeletConf), host.Quote(layout.KubeletClientCert))
}

// needsJoin reports whether the host's kubelet lacks a client certificate
// it can use (missing, unreadable or expired). A certificate for another
// node name is an error: the host was another node.
func needsJoin(ctx context.Context, h host.Host, node string, now time.Time) (bool, error) {
	out, _, err := h.Exec(ctx, clientCertProbe())
	if err != nil {
		return false, fmt.Errorf("read the kubelet's client certificate: %w", err)
	}
	return joinNeeded(out, node, now)
}

func joinNeeded(certPEM []byte, node string, now time.Time) (bool, error) {
	block, _ := pem.Decode(certPEM)
	if block == nil {
		return true, nil
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return true, nil
	}
	if want := "system:node:" + node; cert.Subject.CommonName != want {
		return false, fmt.Errorf("the kubelet holds the client certificate of %q, not %s: reset the host (kubeup reset --host %s) before it joins as %s",
			cert.Subject.CommonName, want, node, node)
	}
	return !now.Before(cert.NotAfter), nil
}

// join makes the host's kubelet join with a token of its own: the token
// expires after spec.kubelet.bootstrapTokenTTL, is labelled with the
// node's name, and is deleted (with the file holding it) once the node's
// client certificate is issued or the join fails.
func join(ctx context.Context, r *remoteops.Run, s *phase.Step) (err error) {
	node := s.HostName()
	tok, err := bootstrap.NewToken(rand.Reader)
	if err != nil {
		return err
	}
	s.Secret(tok.String(), tok.Secret)
	var cs kubernetes.Interface
	if !s.DryRun() {
		if cs, err = r.Client(); err != nil {
			return err
		}
	}
	if err := createToken(ctx, r, s, cs, tok); err != nil {
		return err
	}
	defer func() { err = errors.Join(err, forgetToken(ctx, s, cs, tok)) }()
	if err := writeBootstrapConf(ctx, r, s, tok); err != nil {
		return err
	}
	if err := restartToJoin(ctx, r, s); err != nil {
		return err
	}
	if s.DryRun() {
		return nil
	}
	return s.Do("approve the client certificate of node "+node+" (its own token only)", func() error {
		return awaitJoin(ctx, r, s, cs, tok)
	})
}

func createToken(ctx context.Context, r *remoteops.Run, s *phase.Step, cs kubernetes.Interface, tok bootstrap.Token) error {
	expires := r.Now().Add(r.Cluster.Spec.Kubelet.BootstrapTokenTTL.Duration)
	what := fmt.Sprintf("create bootstrap token %s for node %s only (expires %s)", tok.ID, s.HostName(), expires.UTC().Format(time.RFC3339))
	return s.Wet(what, func(host.Host) error {
		sec := bootstrap.NodeTokenSecret(tok, s.HostName(), expires)
		_, err := cs.CoreV1().Secrets(sec.Namespace).Create(ctx, sec, metav1.CreateOptions{})
		return err
	})
}

func writeBootstrapConf(ctx context.Context, r *remoteops.Run, s *phase.Step, tok bootstrap.Token) error {
	b, err := kubeconfig.Bootstrap(r.Cluster, r.Plan.PKI.CACert(), tok.String())
	if err != nil {
		return err
	}
	f := hostfile.File{Path: layout.BootstrapKubeletConf, Mode: 0o600, Content: b}
	return s.Wet(fmt.Sprintf("write %s (0600, the node's own token)", f.Path), func(h host.Host) error {
		return h.WriteFile(ctx, f)
	})
}

// restartToJoin starts kubelet; one already running (with an expired
// certificate, or still waiting on a token of a failed run) is stopped
// first so that it reads the new token.
func restartToJoin(ctx context.Context, r *remoteops.Run, s *phase.Step) error {
	st, err := r.Supervisor.States(ctx, s.Host(), []string{"kubelet"})
	if err != nil {
		return err
	}
	if st["kubelet"].Active {
		stop := r.Supervisor.Stop("kubelet")
		err := s.Wet(stop.What+": it joins again with a new token", func(h host.Host) error { return stop.Do(ctx, h) })
		if err != nil {
			return err
		}
	}
	return ensureUnits(ctx, r, s, "kubelet")
}

// awaitJoin approves the node's client certificate request made with tok
// (a request for any other node name is denied and fails the join) and
// waits until the kubelet holds the certificate.
func awaitJoin(ctx context.Context, r *remoteops.Run, s *phase.Step, cs kubernetes.Interface, tok bootstrap.Token) error {
	node := s.HostName()
	var denied error
	err := remoteops.Poll(ctx, r.Waits.Nodes, func(ctx context.Context) (bool, string) {
		res, err := csrapprove.ApproveJoin(ctx, cs, map[string]string{tok.ID: node})
		if err != nil {
			return false, err.Error()
		}
		if len(res.Refused) > 0 {
			denied = refusedJoin(node, res.Refused)
			return true, ""
		}
		need, err := needsJoin(ctx, s.Host(), node, r.Now())
		if err != nil || need {
			return false, "the kubelet of " + node + " holds no client certificate yet (journalctl -u kubelet on " + node + ")"
		}
		return true, ""
	})
	if denied != nil {
		return denied
	}
	return err
}

func refusedJoin(node string, refused map[string]string) error {
	var why []string
	for name, reason := range refused {
		why = append(why, name+": "+reason)
	}
	return fmt.Errorf("denied certificate requests made with node %s's bootstrap token (%s): "+
		"something on %s asked for another identity; the token is deleted, check the host before you apply again",
		node, strings.Join(why, "; "), node)
}

// forgetToken deletes the token's Secret and the file holding it.
func forgetToken(ctx context.Context, s *phase.Step, cs kubernetes.Interface, tok bootstrap.Token) error {
	del := s.Wet("delete bootstrap token "+tok.ID+" of node "+s.HostName(), func(host.Host) error {
		err := cs.CoreV1().Secrets(metav1.NamespaceSystem).Delete(ctx, bootstrap.SecretName(tok.ID), metav1.DeleteOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return err
	})
	rm := s.Wet("remove "+layout.BootstrapKubeletConf, func(h host.Host) error {
		_, _, err := h.Exec(ctx, "rm -f "+host.Quote(layout.BootstrapKubeletConf))
		return err
	})
	return errors.Join(del, rm)
}

// removeStale removes those of paths that exist on the host.
func removeStale(ctx context.Context, s *phase.Step, paths []string) error {
	have, err := remoteFiles(ctx, s.Host(), paths)
	if err != nil {
		return err
	}
	for _, p := range paths {
		if _, ok := have[p]; !ok {
			continue
		}
		err := s.Wet("remove "+p+" (a bootstrap credential kubeup no longer keeps)", func(h host.Host) error {
			_, _, err := h.Exec(ctx, "rm -f "+host.Quote(p))
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}
