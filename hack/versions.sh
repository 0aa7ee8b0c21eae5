#!/usr/bin/env bash
# make versions: every Kubernetes minor kubeup supports today (kubeup
# versions) builds and deploys: for each, the artifacts are built (cached),
# a 1 control plane + 2 workers sandbox is deployed with kubeup apply (which
# validates it with smoke pods on every node) and reset, and the sandbox is
# deleted. Long (a cold build is 20-30 minutes a minor); not part of make
# test, which deploys the default minor and the upgrade source.
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/lib.sh
kubeup=$PWD/bin/kubeup
out=$PWD/_out/versions
mkdir -p "$out"
supported=$("$kubeup" versions | awk 'NR>1 && $0 !~ /end of life: upgrade source only/ {print $2}')
failed=()
for version in $supported; do
  name=ver$(echo "$version" | tr -d 'v.')
  spec=$out/$name.yaml
  step "Kubernetes $version: artifacts"
  "$kubeup" artifacts build --kubernetes-version "$version"
  sandbox_1cp2w "$kubeup" "$name" "$spec"
  sed -i "s/^\( *kubernetesVersion:\).*/\1 $version/" "$spec"
  step "Kubernetes $version: kubeup apply (validates with smoke pods)"
  if "$kubeup" apply -f "$spec" && "$kubeup" reset -f "$spec" --yes; then
    "$kubeup" sandbox delete --name "$name"
  else
    failed+=("$version")
    echo "versions: $version failed; its sandbox $name stays for inspection" >&2
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "versions: failed: ${failed[*]}" >&2
  exit 1
fi
step "every supported minor deploys: $(echo $supported)"
