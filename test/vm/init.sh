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
# An unprivileged user, set up as systemd's Delegate=yes would: cgroups
# it owns, whose processes it may move and whose controllers it may hand on.
mkdir -p /home/skiffu /run/user/1000 && chown 1000:1000 /home/skiffu /run/user/1000 && chmod 700 /run/user/1000
delegate() {
	mkdir -p "$1"
	chown 1000:1000 "$1" "$1/cgroup.procs" "$1/cgroup.subtree_control" "$1/cgroup.threads"
}
as_user() { # CGROUP SCRIPT ARGS: run a script as the user, in CGROUP
	cg=$1 && shift
	sh -c "echo \$\$ > $cg/cgroup.procs && exec su -s /bin/sh skiffu -c \
		'env -i HOME=/home/skiffu USER=skiffu XDG_RUNTIME_DIR=/run/user/1000 PATH=$PATH sh $*'"
}
delegate /sys/fs/cgroup/user && delegate /sys/fs/cgroup/user/session

bench=$(sed -n 's/.*skiff\.bench=\([0-9]*\).*/\1/p' /proc/cmdline)
if [ -n "$bench" ]; then
	sh /vm/bench.sh root "$bench" && as_user /sys/fs/cgroup/user/session /vm/bench.sh rootless "$bench"
	echo "VM-RESULT: $?"
	poweroff -f
fi

sh /vm/checks.sh
failed=$?
as_user /sys/fs/cgroup/user/session /vm/user-checks.sh parent
failed=$((failed + $?))
delegate /sys/fs/cgroup/own
as_user /sys/fs/cgroup/own /vm/user-checks.sh leaf
failed=$((failed + $?))
mkdir /sys/fs/cgroup/some && echo "+memory +pids" > /sys/fs/cgroup/some/cgroup.subtree_control
delegate /sys/fs/cgroup/some/user && delegate /sys/fs/cgroup/some/user/session
as_user /sys/fs/cgroup/some/user/session /vm/user-checks.sh partial
failed=$((failed + $?))
as_user /sys/fs/cgroup /vm/user-checks.sh none
failed=$((failed + $?))
echo "VM-RESULT: $failed"
poweroff -f
