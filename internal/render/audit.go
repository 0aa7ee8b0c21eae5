package render

import (
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"

	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
)

// auditPolicyFile renders the audit policy: nothing for health checks and
// the constant heartbeat and leader-election traffic, metadata only (never
// bodies) for everything else, Secrets and tokens included.
func auditPolicyFile(*input) ([]hostfile.File, error) {
	b, err := yamlFile(auditPolicy())
	if err != nil {
		return nil, err
	}
	return []hostfile.File{file(layout.AuditPolicy, modePublic, b)}, nil
}

func auditPolicy() *auditv1.Policy {
	core := func(rs ...string) []auditv1.GroupResources { return []auditv1.GroupResources{{Resources: rs}} }
	return &auditv1.Policy{
		TypeMeta:   typeMeta(auditv1.SchemeGroupVersion.String(), "Policy"),
		OmitStages: []auditv1.Stage{auditv1.StageRequestReceived},
		Rules: []auditv1.PolicyRule{
			{Level: auditv1.LevelNone, NonResourceURLs: []string{
				"/healthz*", "/livez*", "/readyz*", "/version", "/version/", "/metrics"}},
			{Level: auditv1.LevelNone, Verbs: []string{"get", "update"},
				Resources: []auditv1.GroupResources{{Group: "coordination.k8s.io", Resources: []string{"leases"}}}},
			{Level: auditv1.LevelNone, Users: []string{"system:kube-proxy"}, Verbs: []string{"watch"},
				Resources: []auditv1.GroupResources{{Resources: []string{"endpoints", "services", "nodes"}},
					{Group: "discovery.k8s.io", Resources: []string{"endpointslices"}}}},
			{Level: auditv1.LevelNone, UserGroups: []string{"system:nodes"}, Verbs: []string{"get"},
				Resources: core("nodes", "nodes/status")},
			{Level: auditv1.LevelNone, Resources: []auditv1.GroupResources{
				{Resources: []string{"events"}}, {Group: "events.k8s.io", Resources: []string{"events"}}}},
			// Listed before the catch-all so that no later rule can raise
			// their level to one that logs bodies.
			{Level: auditv1.LevelMetadata, Resources: []auditv1.GroupResources{
				{Resources: []string{"secrets", "configmaps", "serviceaccounts/token"}},
				{Group: "authentication.k8s.io", Resources: []string{"tokenreviews"}},
				{Group: "certificates.k8s.io", Resources: []string{"certificatesigningrequests"}}}},
			{Level: auditv1.LevelMetadata},
		},
	}
}
