// Command skiff-init is PID 1 of a container run with --init, bound in at
// /dev/init:
//
//	skiff-init -- CMD...
//
// runs CMD, forwards signals to it, reaps orphans, and exits with CMD's
// status. Once it forwards signals it writes a byte to the pipe its
// supervisor waits on (monitor.InitReadyFd) and closes it; its command
// line stays Docker's, as `ps` in the container shows it. The parent-death signal that ties the container to its
// supervisor is armed before it starts (by the supervisor's init) and
// survives the exec into skiff-init.
//
// It is static, as it runs inside images that may have no libc.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/skiff-containers/skiff/internal/monitor"
)

func main() {
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		fail(125, "no command: usage: skiff-init -- CMD...")
	}
	path, err := exec.LookPath(args[0])
	if err != nil {
		code := 126
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			code = 127
		}
		fail(code, "%v", err)
	}
	os.Exit(runInit(path, args))
}

func fail(code int, format string, a ...any) {
	fmt.Fprintf(os.Stderr, "skiff-init: "+format+"\n", a...)
	os.Exit(code)
}

func runInit(path string, args []string) int {
	sigs := make(chan os.Signal, 32)
	signal.Notify(sigs)
	// Signals are queued from here on. The command must not inherit the
	// pipe.
	if readyPipe(monitor.InitReadyFd) {
		_, _ = syscall.Write(monitor.InitReadyFd, []byte{1})
		_ = syscall.Close(monitor.InitReadyFd)
	}
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

// readyPipe tells the supervisor's pipe (the write end of a pipe) from
// nothing: the container's init passes skiff-init no other descriptor.
func readyPipe(fd int) bool {
	var st syscall.Stat_t
	if syscall.Fstat(fd, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFIFO {
		return false
	}
	fl, err := fcntl(fd, syscall.F_GETFL)
	return err == nil && fl&syscall.O_ACCMODE == syscall.O_WRONLY
}

func fcntl(fd, cmd int) (int, error) {
	r, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), uintptr(cmd), 0)
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}
