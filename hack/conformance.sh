#!/usr/bin/env bash
# make conformance: run the whole [Conformance] suite of Kubernetes VERSION
# (e2e.test built from its Go module) on a 1 control plane + 2 workers
# sandbox cluster made by kubeup, or on the cluster of $KUBECONFIG, and
# write conformance/results/latest.json (and the JUnit reports beside it).
# Long (one to two hours on 2 cores); not part of make test.
# CONFORMANCE_PARALLEL (processes, default 4), CONFORMANCE_FOCUS (a regular
# expression: only the specs it matches), CONFORMANCE_RESULTS (default
# conformance/results) and CONFORMANCE_MODE (spec.controlPlane.mode of the
# sandbox cluster: systemd, the default, or static-pods) change the run.
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/lib.sh
version=${1:-}
parallel=${CONFORMANCE_PARALLEL:-4}
mode=${CONFORMANCE_MODE:-systemd}
kubeup=$PWD/bin/kubeup
version=${version:-$("$kubeup" versions --default)}
results=${CONFORMANCE_RESULTS:-$PWD/conformance/results}
focus=()
if [ -n "${CONFORMANCE_FOCUS:-}" ]; then focus=(--focus "$CONFORMANCE_FOCUS"); fi
mkdir -p "$results"


if [ -n "${KUBECONFIG:-}" ]; then
  step "conformance $version on the cluster of KUBECONFIG=$KUBECONFIG"
  exec "$kubeup" conformance run --kubeconfig "$KUBECONFIG" --kubernetes-version "$version" \
    --parallel "$parallel" --results "$results" "${focus[@]}"
fi

name=conformance out=$PWD/_out
spec=$out/$name.yaml
mkdir -p "$out"
step "artifacts and the conformance kit for Kubernetes $version (cached in ~/.cache/kubeup)"
"$kubeup" artifacts build --kubernetes-version "$version"
"$kubeup" conformance build --kubernetes-version "$version"

sandbox_1cp2w "$kubeup" "$name" "$spec"
sed -i "s/^\( *kubernetesVersion:\).*/\1 $version/" "$spec"
sed -i "/^  controlPlane:\$/,/^  [a-z]/ s/^\(    mode:\).*/\1 $mode/" "$spec"
grep -q "^    mode: $mode\$" "$spec" || { echo "conformance: could not set spec.controlPlane.mode in $spec" >&2; exit 3; }
step "kubeup apply -f $spec"
"$kubeup" apply -f "$spec"

step "kubeup conformance run -f $spec (results in $results)"
status=0
"$kubeup" conformance run -f "$spec" --parallel "$parallel" --results "$results" "${focus[@]}" || status=$?
cat <<MSG

The sandbox stays for inspection: KUBECONFIG=$out/.kubeup/$name/admin.conf
Remove it with: bin/kubeup sandbox delete --name $name
MSG
exit $status
