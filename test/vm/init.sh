#!/bin/busybox sh
# PID 1 of the VM: mounts what a host has, with cgroup v2 and every
# controller delegated to the root's children, runs the checks, powers off.
/bin/busybox --install -s /bin
# pivot_root does not work from the initramfs itself: move everything to
# a tmpfs root first, as a real system's root would be.
if [ ! -e /.moved ]; then
	mkdir /newroot && mount -t tmpfs -o size=80% tmpfs /newroot
	for d in /*; do
		case "$d" in /newroot | /proc | /sys | /dev) ;; *) cp -a "$d" /newroot/ ;; esac
	done
	mkdir -p /newroot/proc /newroot/sys /newroot/dev && touch /newroot/.moved
	exec switch_root /newroot /init
fi
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm && mount -t devpts devpts /dev/pts
mount -t cgroup2 cgroup2 /sys/fs/cgroup
for c in $(cat /sys/fs/cgroup/cgroup.controllers); do echo "+$c" > /sys/fs/cgroup/cgroup.subtree_control; done
mount -t tmpfs tmpfs /tmp
mkdir -p /var/lib /run && mount -t tmpfs tmpfs /var/lib && mount -t tmpfs tmpfs /run
export PATH=/usr/local/bin:/bin HOME=/root
echo "VM-CONTROLLERS: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
sh /vm/checks.sh
echo "VM-RESULT: $?"
poweroff -f
