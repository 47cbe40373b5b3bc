// Command skiff-init is PID 1 of a container run with --init, bound in at
// /dev/init:
//
//	skiff-init [--ready-fd N] -- CMD...
//
// runs CMD, forwards signals to it, reaps orphans, and exits with CMD's
// status. With --ready-fd it writes a byte to descriptor N (and closes
// it) once it forwards signals, which its supervisor waits for. The parent-death signal that ties the container to its
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
	"strconv"
	"syscall"

	"github.com/skiff-containers/skiff/internal/monitor"
)

func main() {
	args := os.Args[1:]
	ready := -1
	if len(args) > 1 && args[0] == "--ready-fd" {
		n, err := strconv.Atoi(args[1])
		if err != nil || n < 3 {
			fail(125, "invalid --ready-fd %q: give a descriptor number of 3 or more", args[1])
		}
		ready, args = n, args[2:]
	}
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
	os.Exit(runInit(path, args, ready))
}

func fail(code int, format string, a ...any) {
	fmt.Fprintf(os.Stderr, "skiff-init: "+format+"\n", a...)
	os.Exit(code)
}

func runInit(path string, args []string, ready int) int {
	sigs := make(chan os.Signal, 32)
	signal.Notify(sigs)
	if ready >= 0 {
		// Signals are queued from here on; the command must not inherit
		// the descriptor.
		_, _ = syscall.Write(ready, []byte{1})
		_ = syscall.Close(ready)
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
