package staticpod

import (
	"testing"

	"sigs.k8s.io/yaml"
)

func TestStampedIsAStringLabel(t *testing.T) {
	staged := []byte("metadata:\n  labels:\n    " + StampLabel + ": " + StampPlaceholder + "\nspec:\n  env:\n  - name: " + StampEnv + "\n    value: " + StampPlaceholder + "\n")
	var pod struct {
		Metadata struct{ Labels map[string]any }
		Spec     struct {
			Env []struct{ Name, Value string }
		}
	}
	if err := yaml.Unmarshal(Stamped(staged, "1234567890123456"), &pod); err != nil {
		t.Fatal(err)
	}
	if v, ok := pod.Metadata.Labels[StampLabel].(string); !ok || v != "1234567890123456" {
		t.Errorf("label %#v: a stamp of digits must stay a string", pod.Metadata.Labels[StampLabel])
	}
	if pod.Spec.Env[0].Name != StampEnv || pod.Spec.Env[0].Value != "1234567890123456" {
		t.Errorf("env %+v", pod.Spec.Env)
	}
}
