#!/usr/bin/env bash
# make demo: build the artifacts (cached), start a 3-node sandbox (1 control
# plane + 2 workers), deploy a cluster onto it with kubeup apply, and print
# kubectl get nodes. Re-running converges the existing demo cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/lib.sh
name=${1:-demo} version=${2:-}
kubeup=$PWD/bin/kubeup
version=${version:-$("$kubeup" versions --default)}
out=$PWD/_out
spec=$out/$name.yaml
mkdir -p "$out"


step "artifacts for Kubernetes $version (cached in ~/.cache/kubeup; the first build takes 20-30 minutes)"
"$kubeup" artifacts build --kubernetes-version "$version"

sandbox_1cp2w "$kubeup" "$name" "$spec"
sed -i "s/^\( *kubernetesVersion:\).*/\1 $version/" "$spec"

step "kubeup apply -f $spec"
"$kubeup" apply -f "$spec"

kubeconfig=$out/.kubeup/$name/admin.conf
kubectl=${KUBEUP_CACHE:-$HOME/.cache/kubeup}/artifacts/$version/amd64/bin/kubectl
step "kubectl get nodes -o wide"
KUBECONFIG=$kubeconfig "$kubectl" get nodes -o wide
cat <<MSG

The cluster is ready. Use it with:
  export KUBECONFIG=$kubeconfig
  $kubectl get pods -A
Check it:     bin/kubeup status -f $spec --smoke
Remove it:    make demo-clean
MSG
