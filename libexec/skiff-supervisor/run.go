package main

import (
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/opencontainers/runc/libcontainer"
	"github.com/opencontainers/runc/libcontainer/specconv"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/logfile"
	"github.com/skiff-containers/skiff/internal/state"
	"github.com/skiff-containers/skiff/internal/supervisor"
)

func runContainer(path string) int {
	rep := newReporter()
	var l supervisor.Launch
	if err := supervisor.ReadJSON(path, &l); err != nil {
		return rep.fail(125, "read launch spec: %v", err)
	}
	lock, err := state.Lock(l.LockPath)
	if err != nil {
		return rep.fail(125, "container %s is already running", short(l.ID))
	}
	defer lock.Close()
	if l.UsernsRegistry != "" {
		if h, err := state.Hold(l.UsernsRegistry); err == nil {
			defer func() {
				os.Remove(h.Name())
				h.Close()
			}()
		}
	}
	// Orphans of the container come to us, and we outlive the CLI in a
	// session of our own, out of reach of its terminal's signals.
	_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	_, _ = unix.Setsid()
	signal.Ignore(unix.SIGHUP)

	logw, err := logfile.NewWriter(l.LogPath, l.LogMaxSize, l.LogMaxFiles)
	if err != nil {
		return rep.fail(125, "open log: %v", err)
	}
	cfg, err := specconv.CreateLibcontainerConfig(&specconv.CreateOpts{
		CgroupName:      l.ID,
		Spec:            l.Spec,
		RootlessEUID:    os.Geteuid() != 0,
		RootlessCgroups: l.RootlessCgroups,
	})
	if err != nil {
		return rep.fail(125, "container config: %v", err)
	}
	// The container dies with its supervisor, so a killed supervisor
	// never leaves a container nobody accounts for.
	cfg.ParentDeathSignal = int(unix.SIGKILL)

	_ = os.RemoveAll(filepath.Join(l.RuntimeRoot, l.ID))
	if err := os.MkdirAll(l.RuntimeRoot, 0o700); err != nil {
		return rep.fail(125, "runtime directory: %v", err)
	}
	ctr, err := libcontainer.Create(l.RuntimeRoot, l.ID, cfg)
	if err != nil {
		return rep.fail(125, "create container: %v", err)
	}
	proc := newProcess(l.Spec.Process)
	proc.Init = true
	io, err := setupIO(proc, ioOptions{tty: l.Tty, stdin: l.Stdin, attach: l.Attach, rows: l.Rows, cols: l.Cols, log: logw})
	if err != nil {
		_ = ctr.Destroy()
		return rep.fail(125, "set up container stdio: %v", err)
	}
	// The container's parent-death signal fires when the thread that
	// forked it ends; keep that thread for the life of the process.
	runtime.LockOSThread()
	if err := ctr.Run(proc); err != nil {
		io.abort()
		_ = ctr.Destroy()
		unmount(l.Spec.Root.Path)
		logw.Close()
		return rep.fail(startErrorCode(err), "%s", startErrorMessage(err))
	}
	pid, err := proc.Pid()
	if err != nil {
		_ = ctr.Signal(unix.SIGKILL)
		_ = ctr.Destroy()
		return rep.fail(125, "container pid: %v", err)
	}
	if err := io.started(proc); err != nil {
		_ = ctr.Signal(unix.SIGKILL)
		_ = ctr.Destroy()
		return rep.fail(125, "container console: %v", err)
	}
	started := time.Now().UTC()
	if err := state.Write(l.StatePath, state.State{Status: state.StatusRunning, Pid: pid, SupervisorPid: os.Getpid(), StartedAt: started}); err != nil {
		_ = ctr.Signal(unix.SIGKILL)
		_ = ctr.Destroy()
		return rep.fail(125, "record state: %v", err)
	}
	rep.send(supervisor.Result{Pid: pid})
	forwardSignals(pid)

	code := reapUntil(pid)
	io.finish()
	logw.Close()
	_ = ctr.Destroy()
	unmount(l.Spec.Root.Path)
	_ = state.Write(l.StatePath, state.State{Status: state.StatusExited, StartedAt: started, FinishedAt: time.Now().UTC(), ExitCode: code})
	if len(l.Cleanup) > 0 {
		lock.Close()
		_ = syscall.Exec(l.Cleanup[0], l.Cleanup, os.Environ())
	}
	return code
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func unmount(path string) {
	if path != "" {
		_ = unix.Unmount(path, unix.MNT_DETACH)
	}
}

// forwardSignals passes what the supervisor receives on to the container.
func forwardSignals(pid int) {
	ch := make(chan os.Signal, 32)
	signal.Notify(ch, unix.SIGTERM, unix.SIGINT, unix.SIGQUIT, unix.SIGUSR1, unix.SIGUSR2, unix.SIGCONT, unix.SIGTSTP, unix.SIGALRM)
	go func() {
		for s := range ch {
			_ = unix.Kill(pid, s.(syscall.Signal))
		}
	}()
}

// reapUntil reaps children (we are a subreaper) until pid exits and
// returns its status the way a shell reports it.
func reapUntil(pid int) int {
	for {
		var ws unix.WaitStatus
		wpid, err := unix.Wait4(-1, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 255
		}
		if wpid != pid {
			continue
		}
		if ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ws.ExitStatus()
	}
}
