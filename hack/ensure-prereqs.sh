#!/usr/bin/env bash
# Installs what kubeup's build, tests and demo need on a fresh Debian 12
# machine, idempotently: tools from Debian's packages and a running Docker
# engine (hack/ensure-docker.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pair in openssl:openssl sshd:openssh-server debootstrap:debootstrap \
            systemd-analyze:systemd sudo:sudo iptables:iptables \
            gcc:gcc make:make bzip2:bzip2 pkg-config:pkg-config; do
  cmd=${pair%%:*} pkg=${pair#*:}
  if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$cmd" ]; then need+=("$pkg"); fi
done
# Libraries the artifact build links: runc links libseccomp statically
# (found with pkg-config).
for pkg in libseccomp-dev; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed'; then need+=("$pkg"); fi
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ -x hack/ensure-docker.sh ]; then hack/ensure-docker.sh; fi

# Every sandbox node runs systemd, containerd and a kubelet, and all of them
# share this machine's per-user inotify limits: with a few sandboxes at once
# (make test runs several) the default 128 instances run out and kubelets exit
# with "inotify_init: too many open files". Raise them as kind's docs advise.
raise() {
  local key=$1 want=$2 have
  have=$(sysctl -n "$key" 2>/dev/null || echo 0)
  if [ "$have" -lt "$want" ]; then
    echo "raising $key from $have to $want (sandbox nodes share it)"
    sysctl -qw "$key=$want"
  fi
}
raise fs.inotify.max_user_instances 8192
raise fs.inotify.max_user_watches 1048576
