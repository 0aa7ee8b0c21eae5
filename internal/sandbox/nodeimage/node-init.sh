#!/bin/sh
# kubeup sandbox node entrypoint: makes the node's own cgroups writable,
# then runs systemd as PID 1.
#
# Node containers run in a private cgroup namespace, so the cgroup file
# systems Docker mounts show the container's own cgroup as their root:
# each node's systemd and kubelet get a tree of their own instead of
# sharing the machine's (where nodes that boot at once remove each other's
# unit cgroups). Docker mounts them read-only; systemd needs them writable.
# On a hybrid (v1 + v2) machine Docker does not mount the cgroup2 hierarchy
# that systemd tracks processes in: mount it too.
set -eu
awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break }
	$(i + 1) ~ /^cgroup2?$/ && $5 ~ /^\/sys\/fs\/cgroup/ { print $5 }' /proc/self/mountinfo |
while read -r m; do
	mount -o remount,bind,rw "$m"
done
if [ ! -e /sys/fs/cgroup/cgroup.controllers ] && [ ! -e /sys/fs/cgroup/unified/cgroup.procs ] &&
	grep -qw cgroup2 /proc/filesystems; then
	mkdir -p /sys/fs/cgroup/unified
	mount -t cgroup2 cgroup2 /sys/fs/cgroup/unified
fi
exec /sbin/init "$@"
