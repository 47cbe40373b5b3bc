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
export PATH=/usr/local/bin:/usr/bin:/bin HOME=/root
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

# skiffu's systemd user manager, as user@1000.service runs it on a host:
# in user.slice/user-1000.slice/user@1000.service, delegated to the user
# (every controller, as a user@.service.d drop-in with Delegate=yes gives
# it), with the session bus it starts from dbus.socket. PID 1 here is not
# systemd, so sd_booted()'s mark, which libcontainer's systemd driver
# looks for, is made by hand. Ready once systemd answers on the bus.
user_manager() {
	um=/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service
	mkdir -p $um /run/systemd/system
	for d in ${um%/*/*} ${um%/*}; do
		for c in $(cat $d/cgroup.controllers); do echo "+$c" > $d/cgroup.subtree_control; done
	done
	delegate $um
	ln -s /run /var/run
	sh -c "echo \$\$ > $um/cgroup.procs && exec su -s /bin/sh skiffu -c \
		'exec env -i HOME=/home/skiffu USER=skiffu LOGNAME=skiffu XDG_RUNTIME_DIR=/run/user/1000 PATH=$PATH \
		/usr/lib/systemd/systemd --user'" >/tmp/user-manager.log 2>&1 &
	for i in $(seq 150); do
		as_skiffu busctl --user --no-pager status org.freedesktop.systemd1 >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	echo "not ok - systemd user manager: not ready in 30 s; its log:" && tail -20 /tmp/user-manager.log
	return 1
}
as_skiffu() { # COMMAND...: run a command as the user, in this cgroup
	su -s /bin/sh skiffu -c "env -i HOME=/home/skiffu XDG_RUNTIME_DIR=/run/user/1000 PATH=$PATH $*"
}

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
# Last: until now no user manager ran, so the modes above also proved the
# cgroupfs placement on a host without one. The checks run as the user's
# own service, delegated as the error above asks.
if user_manager; then
	as_skiffu systemd-run --user --wait --pipe --quiet -p Delegate=yes sh /vm/user-checks.sh systemd
	failed=$((failed + $?))
else
	failed=$((failed + 1))
fi
echo "VM-RESULT: $failed"
poweroff -f
