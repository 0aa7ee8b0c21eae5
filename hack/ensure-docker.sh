#!/usr/bin/env bash
# Makes sure a Docker engine answers on this machine, idempotently:
#   - installs Debian's docker.io when dockerd is missing,
#   - starts dockerd in the background when the engine does not answer
#     (these machines have no systemd as PID 1, so no service manager),
#   - waits until `docker info` answers,
#   - installs debootstrap (the node image's build tool) when missing.
# Used by `make demo`, `make test` and kubeup's own error messages.
set -euo pipefail

log() { echo "ensure-docker: $*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}

apt_updated=0
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if [ "$apt_updated" -eq 0 ]; then
    as_root apt-get -o DPkg::Lock::Timeout=600 update -qq
    apt_updated=1
  fi
  log "installing $*"
  as_root apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$@" >/dev/null
}

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ]; }

engine_answers() { timeout 10 docker info >/dev/null 2>&1; }

start_dockerd() {
  local logfile=/var/log/dockerd.log
  log "starting dockerd (log: $logfile)"
  # A stale pid file from a killed engine makes dockerd refuse to start.
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    as_root rm -f /var/run/docker.pid
  fi
  # setsid: dockerd gets its own session, so it outlives the shell (and CI
  # job) that started it.
  as_root setsid -f dockerd >>"$logfile" 2>&1 </dev/null
}

wait_engine() {
  local i
  for i in $(seq 1 60); do
    if engine_answers; then return 0; fi
    sleep 1
  done
  log "the Docker engine did not answer within 60s; see /var/log/dockerd.log"
  return 1
}

main() {
  local pkgs=()
  have dockerd || pkgs+=(docker.io)
  have debootstrap || pkgs+=(debootstrap)
  # docker.io brings its own client; a preinstalled client (/usr/local/bin/docker) also works.
  if [ ${#pkgs[@]} -gt 0 ]; then apt_install "${pkgs[@]}"; fi
  if ! have docker; then apt_install docker.io; fi

  if engine_answers; then
    log "engine answers ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"
    return 0
  fi
  if ! pgrep -x dockerd >/dev/null 2>&1; then
    start_dockerd
  else
    log "dockerd is running but not answering yet; waiting"
  fi
  wait_engine
  log "engine answers ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"
}

main "$@"
