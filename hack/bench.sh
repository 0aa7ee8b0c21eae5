#!/usr/bin/env bash
# make bench: the figures named in the issues, medians of several rounds in
# one run, written to bench/results/latest.json.
set -euo pipefail
cd "$(dirname "$0")/.."
go run ./hack/bench -kubeup bin/kubeup "$@"
