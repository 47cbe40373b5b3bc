package engine

import (
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// oomFloor is the lowest OOM score adjustment this process can give its
// container, whose processes inherit its own: the kernel lets a process
// without CAP_SYS_RESOURCE (in the host's user namespace) raise its
// score, never lower it. A rootless process never has the capability
// there, whatever its user namespace grants; root may lack it too (in a
// container). -1000 is no floor, also where the own score cannot be read
// (the kernel then judges at the start).
func oomFloor(rootless bool) int {
	if !rootless && hasSysResource() {
		return -1000
	}
	b, err := os.ReadFile("/proc/self/oom_score_adj")
	if err != nil {
		return -1000
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return -1000
	}
	return n
}

// hasSysResource reports whether this process has CAP_SYS_RESOURCE in
// its effective set.
func hasSysResource() bool {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return false
	}
	return data[unix.CAP_SYS_RESOURCE/32].Effective&(1<<(unix.CAP_SYS_RESOURCE%32)) != 0
}
