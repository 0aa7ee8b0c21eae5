#!/usr/bin/env bash
# Installs what kubeup's build, tests and demo need on a fresh Debian 12
# machine, idempotently: tools from Debian's packages and a running Docker
# engine (hack/ensure-docker.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pair in openssl:openssl sshd:openssh-server debootstrap:debootstrap \
            systemd-analyze:systemd sudo:sudo iptables:iptables \
            gcc:gcc make:make bzip2:bzip2; do
  cmd=${pair%%:*} pkg=${pair#*:}
  if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$cmd" ]; then need+=("$pkg"); fi
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ -x hack/ensure-docker.sh ]; then hack/ensure-docker.sh; fi
