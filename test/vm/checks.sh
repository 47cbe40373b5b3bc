#!/bin/sh
# Runs inside the VM as root on a cgroup v2 kernel: one line per check,
# "ok - NAME" or "not ok - NAME: why". The exit status counts failures.
fail=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1: $2"; fail=$((fail + 1)); }
check() { # NAME GOT WANT
	if [ "$2" = "$3" ]; then ok "$1 = $3"; else bad "$1" "got '$2', want '$3'"; fi
}
S="skiff --storage-driver vfs"

$S import /vm/rootfs.tar bb >/dev/null || { bad import "skiff import failed"; exit 1; }
$S run -d --name lim --network none -m 64m --memory-reservation 32m --pids-limit 20 \
	--cpus 0.5 --cpu-shares 512 --blkio-weight 300 bb sleep 600 >/dev/null || bad "run with limits" "exit $?"
id=$($S inspect -f '{{.Id}}' lim)
cg=/sys/fs/cgroup/skiff/$id
check memory.max "$(cat $cg/memory.max)" 67108864
check memory.low "$(cat $cg/memory.low)" 33554432
check pids.max "$(cat $cg/pids.max)" 20
check cpu.max "$(cat $cg/cpu.max)" "50000 100000"
# --cpu-shares 512 on v2, as the cgroups library converts it.
check cpu.weight "$(cat $cg/cpu.weight)" "$(cat /vm/cpu-weight)"
if [ -f $cg/io.bfq.weight ]; then
	check io.bfq.weight "$(cat $cg/io.bfq.weight)" "default 300"
else
	check io.weight "$(cat $cg/io.weight)" "default $(cat /vm/io-weight)"
fi

$S update -m 128m lim >/dev/null || bad update "exit $?"
check "memory.max after update" "$(cat $cg/memory.max)" 134217728
check "stats memory limit" "$($S stats --no-stream --format '{{.MemUsage}}' lim | sed 's/.* \/ //')" 128MiB

$S run --name hog --network none -m 32m --memory-swap 32m bb sh -c 'dd if=/dev/zero of=/dev/null bs=100M count=1' >/dev/null 2>&1
check "OOM exit code" "$?" 137
check "OOMKilled" "$($S inspect -f '{{.State.OOMKilled}}' hog)" true

out=$($S run --rm --network none --pids-limit 10 bb sh -c 'for i in $(seq 30); do sleep 5 & echo $i; done' 2>/dev/null | wc -l)
if [ "$out" -gt 0 ] && [ "$out" -lt 10 ]; then ok "fork bomb held by --pids-limit 10 ($out started)"; else bad "fork bomb" "$out processes started"; fi

$S rm -f lim hog >/dev/null
[ -d $cg ] && bad "cgroup removed" "$cg is still there" || ok "cgroup removed with the container"
exit $fail
