#!/bin/sh
# Runs inside the VM as an unprivileged user, in the cgroup that init.sh
# delegated to it (MODE parent: the user owns its cgroup's parent too;
# MODE leaf: only its own cgroup, whose processes skiff moves into a leaf;
# MODE partial: only memory and pids are; MODE none: nothing is; MODE
# systemd: a unit of the user's systemd manager, which makes the scopes).
# The exit status counts failures.
. /vm/lib.sh
mode=$1
self=$(sed -n 's/^0:://p' /proc/self/cgroup)
if ! $S inspect bb >/dev/null 2>&1; then
	$S import /vm/rootfs.tar bb >/dev/null || { bad "rootless import" "skiff import failed"; exit 1; }
fi
case $mode in
parent)
	limit_checks rootless "/sys/fs/cgroup${self%/*}"
	;;
leaf)
	$S run -d --name leaf --network none -m 32m bb sleep 600 >/dev/null || bad "rootless, own cgroup only: run" "exit $?"
	cg=$(cgroup_of leaf)
	check "rootless, own cgroup only: container cgroup" "${cg%/*}" "/sys/fs/cgroup$self/skiff"
	check "rootless, own cgroup only: memory.max" "$(cat $cg/memory.max)" 33554432
	check "rootless, own cgroup only: this shell moved to a leaf" "$(sed -n 's/^0:://p' /proc/self/cgroup)" "$self/init"
	$S rm -f leaf >/dev/null
	;;
partial)
	err=$($S run -d --name part --network none -m 32m --cpus 0.5 bb sleep 600 2>&1 >/dev/null)
	case $err in
	*"limits ignored (--cpus)"*"has: memory pids)"*) ok "rootless, memory and pids delegated: a warning names --cpus" ;;
	*) bad "rootless, memory and pids delegated: the warning" "$err" ;;
	esac
	cg=$(cgroup_of part)
	check "rootless, memory and pids delegated: memory.max" "$(cat $cg/memory.max)" 33554432
	check "rootless, memory and pids delegated: no cpu controller" "$(cat $cg/cgroup.controllers)" "memory pids"
	$S rm -f part >/dev/null
	;;
none)
	err=$($S run --rm --network none --strict-limits -m 32m bb true 2>&1)
	check "not delegated, --strict-limits: exit code" "$?" 125
	case $err in *"not delegated to you"*) ok "not delegated: the error says why" ;; *) bad "not delegated: the error" "$err" ;; esac
	err=$($S run --rm --network none -m 32m bb true 2>&1 >/dev/null)
	check "not delegated: runs without limits" "$?" 0
	case $err in *"limits ignored (--memory)"*) ok "not delegated: one warning" ;; *) bad "not delegated: the warning" "$err" ;; esac
	;;
systemd)
	sd="rootless, systemd user manager"
	mgr=/sys/fs/cgroup$(systemctl --user show --property ControlGroup --value)
	limit_checks "$sd" "$mgr/user.slice" "skiff-%s.scope"
	$S run -d --name sd --network none -m 32m bb sleep 600 >/dev/null || bad "$sd: run" "exit $?"
	scope=skiff-$($S inspect -f '{{.Id}}' sd).scope
	check "$sd: the scope is the manager's unit" "/sys/fs/cgroup$(systemctl --user show -p ControlGroup --value $scope)" "$(cgroup_of sd)"
	check "$sd: MemoryMax, as systemd knows it" "$(systemctl --user show -p MemoryMax --value $scope)" 33554432
	$S update -m 48m sd >/dev/null || bad "$sd: update" "exit $?"
	check "$sd: MemoryMax after update" "$(systemctl --user show -p MemoryMax --value $scope)" 50331648
	# This runs as a unit (systemd-run): the supervisor stays in it. Run
	# from outside a unit, it gets a scope of its own beside the container's.
	spid=$($S inspect -f '{{.State.SupervisorPid}}' sd)
	check "$sd: under a unit, the supervisor stays in the unit" "$(sed -n 's/^0:://p' /proc/$spid/cgroup)" "$self"
	env -u INVOCATION_ID $S run -d --name sup --network none bb sleep 600 >/dev/null || bad "$sd: run outside a unit" "exit $?"
	spid=$($S inspect -f '{{.State.SupervisorPid}}' sup)
	check "$sd: outside a unit, the supervisor's own scope" "$(sed -n 's/^0:://p' /proc/$spid/cgroup | sed 's#.*/##')" \
		"skiff-supervisor-$($S inspect -f '{{.Id}}' sup).scope"
	supid=$($S inspect -f '{{.Id}}' sup)
	$S rm -f sup >/dev/null
	check "$sd: rm leaves neither the container's scope nor its supervisor's" \
		"$(systemctl --user list-units --all --no-legend --plain "skiff-*$supid.scope" | awk '{print $1, $3, $4}' | tr '\n' ' ')" ""
	# Killed, not by the OOM killer, after another scope's OOM kill.
	$S kill sd >/dev/null && $S wait sd >/dev/null
	check "$sd: killed, not OOMKilled" "$($S inspect -f '{{.State.ExitCode}} {{.State.OOMKilled}}' sd)" "137 false"
	$S rm -f sd >/dev/null
	# rm returns once systemd has collected the container's scopes (and
	# those of the containers removed before it).
	check "$sd: no scope left behind" "$(systemctl --user list-units --all --no-legend --plain 'skiff-*' | awk '{print $1, $3, $4}' | tr '\n' ' ')" ""
	# Without the session bus, skiff falls back to the unit's delegated
	# cgroup (Delegate=yes).
	env -u DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR=$HOME $S --runroot "$XDG_RUNTIME_DIR/skiff" \
		run -d --name nobus --network none -m 32m bb sleep 600 >/dev/null || bad "$sd, no session bus: run" "exit $?"
	cg=$(cgroup_of nobus)
	check "$sd, no session bus: cgroupfs" "$cg" "/sys/fs/cgroup$self/skiff/$($S inspect -f '{{.Id}}' nobus)"
	check "$sd, no session bus: memory.max" "$(cat $cg/memory.max)" 33554432
	$S rm -f nobus >/dev/null
	;;
esac
exit $fail
