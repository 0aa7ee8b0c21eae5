package render

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	apiserverv1 "k8s.io/apiserver/pkg/apis/apiserver/v1"
	apiserverv1beta1 "k8s.io/apiserver/pkg/apis/apiserver/v1beta1"

	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
)

// anonymousPaths are the only paths anonymous requests may reach.
func anonymousPaths() []string { return []string{"/healthz", "/livez", "/readyz"} }

// authenticationConfigFile renders the AuthenticationConfiguration that
// limits anonymous requests to the health endpoints (see addAnonymousFlags).
// The v1 API exists from Kubernetes 1.34; older versions read v1beta1.
func authenticationConfigFile(in *input) ([]hostfile.File, error) {
	var obj any = authenticationV1()
	if in.minor < 34 {
		obj = authenticationV1beta1()
	}
	b, err := yamlFile(obj)
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

func authenticationV1beta1() *apiserverv1beta1.AuthenticationConfiguration {
	a := &apiserverv1beta1.AnonymousAuthConfig{Enabled: true}
	for _, p := range anonymousPaths() {
		a.Conditions = append(a.Conditions, apiserverv1beta1.AnonymousAuthCondition{Path: p})
	}
	return &apiserverv1beta1.AuthenticationConfiguration{
		TypeMeta:  typeMeta(apiserverv1beta1.ConfigSchemeGroupVersion.String(), "AuthenticationConfiguration"),
		Anonymous: a,
	}
}

func typeMeta(apiVersion, kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}
}
