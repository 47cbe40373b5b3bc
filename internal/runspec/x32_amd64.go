package runspec

import (
	"errors"
	"syscall"

	"golang.org/x/sys/unix"
)

// x32Usable tries getpid through the x32 ABI. A caller under a seccomp
// filter of its own does not try, and keeps x32: a filter without x32
// may kill the caller for the attempt.
func x32Usable() bool {
	mode, err := unix.PrctlRetInt(unix.PR_GET_SECCOMP, 0, 0, 0, 0)
	if err != nil || mode != 0 {
		return true
	}
	const x32Bit = 0x40000000
	_, _, e := syscall.RawSyscall(x32Bit|unix.SYS_GETPID, 0, 0, 0)
	return !errors.Is(e, syscall.ENOSYS)
}
