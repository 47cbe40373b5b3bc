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
	"syscall"

	"github.com/skiff-containers/skiff/internal/monitor"
)

func main() {
	args := os.Args[1:]
	pdeath, execMode := false, false
	for len(args) > 0 && args[0] != "--" {
		switch args[0] {
		case "--pdeathsig":
			pdeath = true
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
// (From inside the PID namespace the parent always reads as pid 0, so a
// parent that died a moment earlier cannot be told apart; the supervisor
// is then in the middle of starting us and its own start fails.)
func setPdeathsig() error {
	if _, _, e := syscall.RawSyscall6(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGKILL), 0, 0, 0, 0); e != 0 {
		return fmt.Errorf("set parent-death signal: %v", e)
	}
	return nil
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
