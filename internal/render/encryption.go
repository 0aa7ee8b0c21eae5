package render

import (
	apiserverv1 "k8s.io/apiserver/pkg/apis/apiserver/v1"

	"kubeup.dev/kubeup/internal/hostfile"
	"kubeup.dev/kubeup/internal/layout"
)

// encryptionKeyName names the cluster's single encryption key. A future key
// rotation adds a second key before this one.
const encryptionKeyName = "kubeup-1"

// encryptionConfigFile renders the EncryptionConfiguration (0600): Secrets
// are written encrypted with secretbox (XSalsa20-Poly1305, the recommended
// local provider; aescbc is vulnerable to padding oracles) and the identity
// provider still reads Secrets stored before encryption was enabled.
func encryptionConfigFile(in *input) ([]hostfile.File, error) {
	cfg := &apiserverv1.EncryptionConfiguration{
		TypeMeta: typeMeta(apiserverv1.SchemeGroupVersion.String(), "EncryptionConfiguration"),
		Resources: []apiserverv1.ResourceConfiguration{{
			Resources: []string{"secrets"},
			Providers: []apiserverv1.ProviderConfiguration{
				{Secretbox: &apiserverv1.SecretboxConfiguration{Keys: []apiserverv1.Key{
					{Name: encryptionKeyName, Secret: in.sec.EncryptionKey},
				}}},
				{Identity: &apiserverv1.IdentityConfiguration{}},
			},
		}},
	}
	b, err := yamlFile(cfg)
	if err != nil {
		return nil, err
	}
	return []hostfile.File{file(layout.EncryptionConfig, modeSecret, b)}, nil
}
