package render

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	apiserverv1 "k8s.io/apiserver/pkg/apis/apiserver/v1"

	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
)

// anonymousPaths are the only paths anonymous requests may reach.
func anonymousPaths() []string { return []string{"/healthz", "/livez", "/readyz"} }

// authenticationConfigFile renders the AuthenticationConfiguration that
// limits anonymous requests to the health endpoints (see addAnonymousFlags).
// The v1 API exists from Kubernetes 1.34, the oldest minor kubeup knows.
func authenticationConfigFile(*input) ([]hostfile.File, error) {
	b, err := yamlFile(authenticationV1())
	if err != nil {
		return nil, err
	}
	return []hostfile.File{file(layout.AuthenticationConfig, modePublic, b)}, nil
}

func authenticationV1() *apiserverv1.AuthenticationConfiguration {
	a := &apiserverv1.AnonymousAuthConfig{Enabled: true}
	for _, p := range anonymousPaths() {
		a.Conditions = append(a.Conditions, apiserverv1.AnonymousAuthCondition{Path: p})
	}
	return &apiserverv1.AuthenticationConfiguration{
		TypeMeta:  typeMeta(apiserverv1.SchemeGroupVersion.String(), "AuthenticationConfiguration"),
		Anonymous: a,
	}
}

func typeMeta(apiVersion, kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}
}
