#!/bin/sh
# The guest's benchmark (make bench): the start latency that limits add,
# where they apply. Prints "BENCH WHO: with limits|without limits TIMES".
# $1 names who runs it (root, rootless).
who=$1 n=${2:-15}
S="skiff --storage-driver vfs"
$S inspect bb >/dev/null 2>&1 || $S import /vm/rootfs.tar bb >/dev/null || { echo "VM-BENCH-ERROR: import"; exit 1; }
# One warm-up of each, then alternate, so drift hits both alike.
$S run --rm --network none bb true && $S run --rm --network none -m 64m --pids-limit 100 bb true || exit 1
out=$(timer "$n" -- $S run --rm --network none bb true -- $S run --rm --network none --memory 64m --pids-limit 100 bb true) || exit 1
echo "BENCH $who, without limits: $(echo "$out" | sed -n 1p)"
echo "BENCH $who, --memory 64m --pids-limit 100: $(echo "$out" | sed -n 2p)"
