// Command skiff-init is the first program of every skiff container, bound
// in at /dev/init. It ties the container's life to its supervisor: it asks
// the kernel to kill it when its parent, the supervisor, dies (a setting
// that survives execve). Then either
//
//	skiff-init --pdeathsig --exec -- CMD...   becomes CMD (PID 1 is CMD)
//	skiff-init --pdeathsig -- CMD...          stays PID 1 for `run --init`:
//	                                          runs CMD, forwards signals to
//	                                          it, reaps orphans, and exits
//	                                          with CMD's status
//
// It is static, as it runs inside images that may have no libc.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/monitor"
)

func main() {
	args := os.Args[1:]
	pdeath, execMode, parentFd := false, false, -1
	for len(args) > 0 && args[0] != "--" {
		switch args[0] {
		case "--pdeathsig":
			pdeath = true
		case "--parent-fd":
			if len(args) < 2 {
				fail(125, "--parent-fd needs a descriptor")
			}
			n, err := strconv.Atoi(args[1])
			if err != nil {
				fail(125, "--parent-fd %q: %v", args[1], err)
			}
			parentFd, args = n, args[1:]
		case "--exec":
			execMode = true
		default:
			fail(125, "unknown option %s", args[0])
		}
		args = args[1:]
	}
	if len(args) > 0 {
		args = args[1:]
	}
	if len(args) == 0 {
		fail(125, "no command")
	}
	if pdeath {
		if err := setPdeathsig(); err != nil {
			fail(125, "%v", err)
		}
	}
	if parentFd >= 0 {
		// A supervisor that died before the signal was armed is seen
		// here: the pipe whose write end only it held has hung up.
		if parentGone(parentFd) {
			os.Exit(137)
		}
		syscall.Close(parentFd)
	}
	path, err := exec.LookPath(args[0])
	if err != nil {
		code := 126
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			code = 127
		}
		fail(code, "%v", err)
	}
	if execMode {
		err := syscall.Exec(path, args, os.Environ())
		code := 126
		if errors.Is(err, os.ErrNotExist) {
			code = 127
		}
		fail(code, "exec %s: %v", args[0], err)
	}
	os.Exit(runInit(path, args))
}

// setPdeathsig arms SIGKILL for when the parent, the supervisor, goes.
// From inside the PID namespace the parent always reads as pid 0, so a
// parent that died a moment before cannot be told apart by getppid; the
// supervisor's sentinel pipe (--parent-fd) tells instead.
func setPdeathsig() error {
	if _, _, e := syscall.RawSyscall6(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGKILL), 0, 0, 0, 0); e != 0 {
		return fmt.Errorf("set parent-death signal: %v", e)
	}
	return nil
}

// parentGone polls the sentinel pipe without waiting.
func parentGone(fd int) bool {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, 0)
	return err == nil && n > 0 && fds[0].Revents&(unix.POLLHUP|unix.POLLERR) != 0
}

func fail(code int, format string, a ...any) {
	fmt.Fprintf(os.Stderr, "skiff-init: "+format+"\n", a...)
	os.Exit(code)
}

func runInit(path string, args []string) int {
	sigs := make(chan os.Signal, 32)
	signal.Notify(sigs)
	cmd := exec.Command(path, args[1:]...)
	cmd.Args[0] = args[0]
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "skiff-init: %v\n", err)
		return 126
	}
	child := cmd.Process.Pid
	go func() {
		for s := range sigs {
			if s == syscall.SIGCHLD || s == syscall.SIGURG {
				continue
			}
			_ = syscall.Kill(child, s.(syscall.Signal))
		}
	}()
	return monitor.ReapUntil(child)
}
