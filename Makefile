# kubeup: the two set-up commands are `make demo` and `make test`.
GO        ?= go
BIN       := bin/kubeup
# K8S_VER: the Kubernetes version of demo and conformance (default: kubeup's, see kubeup versions)
K8S_VER   ?=
DEMO_NAME ?= demo
E2E_TIMEOUT ?= 80m

.PHONY: all build prereqs lint unit e2e test demo demo-clean bench conformance versions clean

all: build

build:
	$(GO) build -ldflags "-X kubeup.dev/kubeup/internal/cli.version=$$(git describe --tags --match 'v*' --dirty 2>/dev/null || echo v0.0.0-$$(git describe --always --dirty 2>/dev/null || echo unknown)) -X kubeup.dev/kubeup/internal/cli.commit=$$(git rev-parse HEAD 2>/dev/null)" -o $(BIN) ./cmd/kubeup

prereqs:
	./hack/ensure-prereqs.sh

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags e2e ./...

unit:
	$(GO) test -count=1 ./...

# Unit, integration and end-to-end tiers: the e2e tag adds the tests that use
# real sshd, Docker node containers and compiled Kubernetes components.
e2e: build
	KUBEUP_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -tags e2e -timeout $(E2E_TIMEOUT) ./...

test: prereqs lint unit e2e

demo: prereqs build
	./hack/demo.sh $(DEMO_NAME) $(K8S_VER)

demo-clean: build
	$(BIN) sandbox delete --name $(DEMO_NAME)
	rm -rf _out/$(DEMO_NAME).yaml _out/.kubeup/$(DEMO_NAME)

bench: prereqs build
	./hack/bench.sh

# The whole [Conformance] suite on a sandbox cluster (or on $$KUBECONFIG's):
# long, not part of make test; writes conformance/results/latest.json.
conformance: prereqs build
	./hack/conformance.sh $(K8S_VER)

# Every supported Kubernetes minor builds and deploys with smoke validation
# on a sandbox: long, not part of make test.
versions: prereqs build
	./hack/versions.sh

clean:
	rm -rf bin
