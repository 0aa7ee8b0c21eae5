#!/bin/sh
# Finishes a kubeup sandbox node image. Runs as root inside the imported
# debootstrap root file system, without network. Part of the image recipe:
# changing it changes the image tag.
set -eu

# CNI plugins: Debian installs them to /usr/lib/cni; containerd and kubelet
# look in /opt/cni/bin.
mkdir -p /opt/cni/bin
for p in /usr/lib/cni/*; do ln -sf "$p" "/opt/cni/bin/$(basename "$p")"; done

# sshd: key-only root login with one ed25519 host key, which kubeup writes
# into each node before it starts (a node without one makes its own).
cat >/etc/ssh/sshd_config.d/kubeup.conf <<'CONF'
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
HostKey /etc/ssh/ssh_host_ed25519_key
UseDNS no
PrintMotd no
CONF
rm -f /etc/ssh/ssh_host_*
mkdir -p /etc/systemd/system/ssh.service.d
cat >/etc/systemd/system/ssh.service.d/kubeup.conf <<'CONF'
[Service]
ExecStartPre=
ExecStartPre=/bin/sh -c 'test -s /etc/ssh/ssh_host_ed25519_key || ssh-keygen -q -t ed25519 -N "" -f /etc/ssh/ssh_host_ed25519_key'
ExecStartPre=/usr/sbin/sshd -t
CONF
# pam_loginuid cannot always write loginuid inside a container.
sed -i 's/^session\s\+required\s\+pam_loginuid.so/session optional pam_loginuid.so/' /etc/pam.d/sshd
mkdir -p -m 0700 /root/.ssh

# Each node container gets its own machine ID from systemd at boot.
: >/etc/machine-id
rm -f /var/lib/dbus/machine-id
ln -s /etc/machine-id /var/lib/dbus/machine-id

# journald must not read the host's kernel log through /dev/kmsg.
mkdir -p /etc/systemd/journald.conf.d
printf '[Journal]\nReadKMsg=no\nStorage=volatile\n' >/etc/systemd/journald.conf.d/kubeup.conf

# Units and generators that make no sense in a container, fail there, or
# only slow the boot down (every one on the boot's critical path costs
# time when the machine is busy).
systemctl set-default multi-user.target
systemctl mask \
	getty.target console-getty.service serial-getty@.service getty@.service \
	systemd-udevd.service systemd-udev-trigger.service systemd-udev-settle.service \
	systemd-udevd-control.socket systemd-udevd-kernel.socket \
	systemd-modules-load.service modprobe@.service kmod-static-nodes.service \
	systemd-remount-fs.service systemd-tmpfiles-setup-dev.service \
	sys-kernel-config.mount sys-kernel-debug.mount sys-kernel-tracing.mount sys-fs-fuse-connections.mount \
	dev-hugepages.mount \
	systemd-binfmt.service proc-sys-fs-binfmt_misc.automount proc-sys-fs-binfmt_misc.mount \
	systemd-firstboot.service systemd-machine-id-commit.service systemd-sysusers.service \
	systemd-update-utmp.service systemd-update-utmp-runlevel.service systemd-journal-flush.service \
	systemd-pstore.service systemd-ask-password-console.path systemd-ask-password-wall.path \
	apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer e2scrub_reap.service \
	fstrim.timer cryptsetup.target integritysetup.target veritysetup.target
mkdir -p /etc/systemd/system-generators
for g in cryptsetup debug getty gpt-auto hibernate-resume integritysetup rc-local run \
	system-update sysv veritysetup; do
	ln -sf /dev/null "/etc/systemd/system-generators/systemd-$g-generator"
done

systemctl enable ssh.service containerd.service

apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/*.log /tmp/* /var/tmp/*
