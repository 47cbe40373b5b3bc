#!/bin/sh
# Runs inside the VM as root on a cgroup v2 kernel. The exit status counts
# failures.
. /vm/lib.sh
$S import /vm/rootfs.tar bb >/dev/null || { bad import "skiff import failed"; exit 1; }
limit_checks root /sys/fs/cgroup
exit $fail
