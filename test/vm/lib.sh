# Shared by the guest's check scripts: one line per check, "ok - NAME" or
# "not ok - NAME: why"; $fail counts failures.
fail=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1: $2"; fail=$((fail + 1)); }
check() { # NAME GOT WANT
	if [ "$2" = "$3" ]; then ok "$1 = $3"; else bad "$1" "got '$2', want '$3'"; fi
}
S="skiff --storage-driver vfs"

# cgroup_of NAME: the cgroup directory of a running container's process.
cgroup_of() {
	echo "/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/$($S inspect -f '{{.State.Pid}}' "$1")/cgroup)"
}

# limit_checks WHO PARENT [LEAF]: every limit, update, stats, the OOM flag
# and a fork bomb, for containers whose cgroups belong under PARENT, named
# LEAF (a printf format of the id; skiff/%s unless given).
limit_checks() {
	who=$1 parent=$2 leaf=${3:-skiff/%s}
	$S run -d --name lim --network none -m 64m --memory-reservation 32m --cgroup-conf memory.high=50331648 \
		--pids-limit 20 --cpus 0.5 --cpu-shares 512 --blkio-weight 300 bb sleep 600 >/dev/null ||
		bad "$who: run with limits" "exit $?"
	id=$($S inspect -f '{{.Id}}' lim)
	cg=$(cgroup_of lim)
	check "$who: container cgroup" "$cg" "$parent/$(printf "$leaf" "$id")"
	check "$who: memory.max" "$(cat $cg/memory.max)" 67108864
	check "$who: memory.low" "$(cat $cg/memory.low)" 33554432
	check "$who: memory.high" "$(cat $cg/memory.high)" 50331648
	check "$who: pids.max" "$(cat $cg/pids.max)" 20
	check "$who: cpu.max" "$(cat $cg/cpu.max)" "50000 100000"
	# --cpu-shares 512 on v2, as the cgroups library converts it.
	check "$who: cpu.weight" "$(cat $cg/cpu.weight)" "$(cat /vm/cpu-weight)"
	if [ -f $cg/io.bfq.weight ]; then
		check "$who: io.bfq.weight" "$(cat $cg/io.bfq.weight)" "default 300"
	else
		check "$who: io.weight" "$(cat $cg/io.weight)" "default $(cat /vm/io-weight)"
	fi

	$S update -m 128m lim >/dev/null || bad "$who: update" "exit $?"
	check "$who: memory.max after update" "$(cat $cg/memory.max)" 134217728
	check "$who: stats memory limit" "$($S stats --no-stream --format '{{.MemUsage}}' lim | sed 's/.* \/ //')" 128MiB

	$S run --name hog --network none -m 32m --memory-swap 32m bb sh -c 'dd if=/dev/zero of=/dev/null bs=100M count=1' >/dev/null 2>&1
	check "$who: OOM exit code" "$?" 137
	check "$who: OOMKilled" "$($S inspect -f '{{.State.OOMKilled}}' hog)" true

	out=$($S run --rm --network none --pids-limit 10 bb sh -c 'for i in $(seq 30); do sleep 5 & echo $i; done' 2>/dev/null | wc -l)
	if [ "$out" -gt 0 ] && [ "$out" -lt 10 ]; then
		ok "$who: fork bomb held by --pids-limit 10 ($out started)"
	else
		bad "$who: fork bomb" "$out processes started"
	fi

	$S rm -f lim hog >/dev/null
	if [ -d "$cg" ]; then bad "$who: cgroup removed" "$cg is still there"; else ok "$who: cgroup removed with the container"; fi
}
