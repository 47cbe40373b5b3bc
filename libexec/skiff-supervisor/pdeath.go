package main

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// sentinelFd is where the container's init finds the supervisor's
// sentinel pipe: the first of the process's extra files.
const sentinelFd = 3

// guardParent runs in libcontainer's init, the container's first process,
// before libcontainer sets anything up. It ties the container's life to
// the supervisor, its parent: the kernel kills it when the supervisor
// dies. libcontainer reads the parent-death signal before it changes the
// user and puts it back after, so what is armed here reaches the command.
//
// Inside the PID namespace the parent always reads as pid 0, so a
// supervisor that died a moment before the signal was armed cannot be told
// apart by getppid; the sentinel pipe, whose write end only the supervisor
// holds, has hung up instead. The pipe is not passed on to the command.
func guardParent(fd int) {
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0); err != nil {
		fmt.Fprintf(os.Stderr, "skiff: set the container's parent-death signal: %v\n", err)
		os.Exit(125)
	}
	if !pipeReadEnd(fd) {
		return
	}
	if parentGone(fd) {
		os.Exit(137)
	}
	unix.CloseOnExec(fd)
}

// pipeReadEnd tells the sentinel from libcontainer's own descriptors.
func pipeReadEnd(fd int) bool {
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFIFO {
		return false
	}
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	return err == nil && fl&unix.O_ACCMODE == unix.O_RDONLY
}

// parentGone polls the sentinel pipe without waiting.
func parentGone(fd int) bool {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, 0)
	return err == nil && n > 0 && fds[0].Revents&(unix.POLLHUP|unix.POLLERR) != 0
}
