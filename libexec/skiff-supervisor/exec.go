package main

import (
	"os"
	"runtime"

	"github.com/opencontainers/runc/libcontainer"
	"github.com/opencontainers/runc/libcontainer/configs"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/monitor"
	"github.com/skiff-containers/skiff/internal/supervisor"
)

// execProcess runs one more process in a running container and exits with
// its status. Detached (no attach), it lives in a session of its own.
func execProcess(path string) int {
	rep := newReporter()
	var e supervisor.Exec
	if err := supervisor.ReadJSON(path, &e); err != nil {
		return rep.fail(125, "read exec spec: %v", err)
	}
	_ = os.Remove(path)
	ctr, err := libcontainer.Load(e.RuntimeRoot, e.ID)
	if err != nil {
		return rep.fail(125, "container %s is not running", short(e.ID))
	}
	if !e.Attach {
		_, _ = unix.Setsid()
	}
	nnp := e.NoNewPrivileges
	proc := &libcontainer.Process{
		Args:            e.Args,
		Env:             e.Env,
		Cwd:             e.Cwd,
		UID:             int(e.UID),
		GID:             int(e.GID),
		NoNewPrivileges: &nnp,
		Capabilities:    &configs.Capabilities{Bounding: e.Caps, Effective: e.Caps, Permitted: e.Caps},
	}
	for _, g := range e.AddGroups {
		proc.AdditionalGroups = append(proc.AdditionalGroups, int(g))
	}
	// The container's own limits, as Docker's exec has them.
	if proc.Rlimits, err = rlimits(e.Rlimits); err != nil {
		return rep.fail(125, "exec: %v", err)
	}
	io, err := setupIO(proc, ioOptions{tty: e.Tty, stdin: e.Stdin, attach: e.Attach, rows: e.Rows, cols: e.Cols})
	if err != nil {
		return rep.fail(125, "set up stdio: %v", err)
	}
	runtime.LockOSThread()
	if err := ctr.Run(proc); err != nil {
		io.abort()
		return rep.fail(startErrorCode(err), "%s", startErrorMessage(err))
	}
	pid, err := proc.Pid()
	if err != nil {
		return rep.fail(125, "process pid: %v", err)
	}
	if err := io.started(); err != nil {
		_ = unix.Kill(pid, unix.SIGKILL)
		return rep.fail(125, "console: %v", err)
	}
	rep.send(supervisor.Result{Pid: pid})
	io.streams.Start()
	monitor.ForwardSignals(pid)
	code := monitor.ReapUntil(pid)
	io.streams.Finish()
	return code
}
