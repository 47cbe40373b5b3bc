package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/opencontainers/runc/libcontainer"
	"github.com/opencontainers/runc/libcontainer/specconv"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/cgroup"
	"github.com/skiff-containers/skiff/internal/logfile"
	"github.com/skiff-containers/skiff/internal/monitor"
	"github.com/skiff-containers/skiff/internal/state"
	"github.com/skiff-containers/skiff/internal/supervisor"
)

func runContainer(path string) int {
	rep := newReporter()
	var l supervisor.Launch
	if err := supervisor.ReadJSON(path, &l); err != nil {
		return rep.fail(125, "read launch spec: %v", err)
	}
	if l.Diagnostics != "" {
		if f, err := os.OpenFile(l.Diagnostics, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); err == nil {
			_ = unix.Dup2(int(f.Fd()), 2)
			f.Close()
		}
	}
	lock, err := state.Lock(l.LockPath)
	if err != nil {
		return rep.fail(125, "container %s is already running", short(l.ID))
	}
	var holder *os.File
	if l.UsernsRegistry != "" {
		holder, _ = state.Hold(l.UsernsRegistry)
	}
	var scopes []string
	if l.SystemdCgroup {
		scopes = append(scopes, cgroup.ScopeUnit(l.ID))
	}
	if l.SupervisorScope {
		// Before any helper starts: they stay in the cgroup they began in.
		if err := cgroup.SupervisorScope(l.ID, os.Getpid()); err != nil {
			fmt.Fprintf(os.Stderr, "skiff-supervisor: %v; staying in the caller's cgroup\n", err)
		} else {
			scopes = append(scopes, cgroup.SupervisorScopeUnit(l.ID))
		}
	}
	// Orphans of the container come to us, and we outlive the CLI in a
	// session of our own, out of reach of its terminal's signals.
	_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	_, _ = unix.Setsid()
	signal.Ignore(unix.SIGHUP)

	if l.LogPath != "" {
		lw, err := logfile.NewWriter(l.LogPath, l.LogMaxSize, l.LogMaxFiles)
		if err != nil {
			return rep.fail(125, "open log: %v", err)
		}
		lw.Close()
	}
	// Before the program can fill the disk: room for its last log lines
	// and its exit state. A disk already too full for it gets none.
	_ = state.MakeReserve(state.ReservePath(l.StatePath))
	// The network comes first: a port that cannot be published fails the
	// start before anything of the container exists.
	var netw *containerNetwork
	if l.Network != nil {
		if netw, err = setupNetwork(context.Background(), &l, os.Stderr); err != nil {
			return rep.fail(125, "%v", err)
		}
	}
	fail := func(code int, format string, a ...any) int {
		netw.close()
		return rep.fail(code, format, a...)
	}
	cfg, err := specconv.CreateLibcontainerConfig(&specconv.CreateOpts{
		CgroupName:       l.ID,
		Spec:             l.Spec,
		RootlessEUID:     os.Geteuid() != 0,
		RootlessCgroups:  l.RootlessCgroups,
		UseSystemdCgroup: l.SystemdCgroup,
	})
	if err != nil {
		return fail(125, "container config: %v", err)
	}
	// The container dies with its supervisor, so a killed supervisor
	// never leaves a container nobody accounts for.
	cfg.ParentDeathSignal = int(unix.SIGKILL)
	notify, err := containerNotifySocket(&l)
	if err != nil {
		return fail(125, "%v", err)
	}

	_ = os.RemoveAll(filepath.Join(l.RuntimeRoot, l.ID))
	if err := os.MkdirAll(l.RuntimeRoot, 0o700); err != nil {
		return fail(125, "runtime directory: %v", err)
	}
	ctr, err := libcontainer.Create(l.RuntimeRoot, l.ID, cfg)
	if err != nil {
		return fail(125, "create container: %v", err)
	}
	proc, err := newProcess(l.Spec.Process)
	if err != nil {
		_ = ctr.Destroy()
		return fail(125, "container process: %v", err)
	}
	// A passthrough container started again by its restart policy gets
	// the same streams: the monitor keeps copies for the new start.
	var restartStdio []*os.File
	if l.Passthrough && l.Restart != nil {
		for _, fd := range []int{supervisor.FdStdin, supervisor.FdStdout, supervisor.FdStderr} {
			if d, err := unix.Dup(fd); err == nil {
				restartStdio = append(restartStdio, os.NewFile(uintptr(d), "restart-stdio"))
			}
		}
	}
	proc.Init = true
	io, err := setupIO(proc, ioOptions{tty: l.Tty, stdin: l.Stdin, attach: l.Attach, passthrough: l.Passthrough, rows: l.Rows, cols: l.Cols})
	if err != nil {
		_ = ctr.Destroy()
		return fail(125, "set up container stdio: %v", err)
	}
	// The container's init reads the hang-up of this pipe, whose write
	// end only we hold, to tell that we died before it armed its
	// parent-death signal (see guardParent).
	sentinelR, sentinelW, err := os.Pipe()
	if err != nil {
		io.abort()
		_ = ctr.Destroy()
		return fail(125, "pipe: %v", err)
	}
	proc.ExtraFiles = []*os.File{sentinelR}
	var initReady *os.File
	if l.InitReady {
		var w *os.File
		if initReady, w, err = os.Pipe(); err != nil {
			io.abort()
			_ = ctr.Destroy()
			return fail(125, "pipe: %v", err)
		}
		defer initReady.Close()
		// Descriptor monitor.InitReadyFd in the container: ExtraFiles start
		// at 3, and the sentinel is first.
		proc.ExtraFiles = append(proc.ExtraFiles, w)
		defer w.Close()
	}
	// The container's parent-death signal fires when the thread that
	// forked it ends; keep that thread for the life of the process.
	runtime.LockOSThread()
	// Run, in two steps: the OOM kill count the monitor judges by is taken
	// before the container's program runs.
	err = ctr.Start(proc)
	var oomBase *uint64
	var cgroups []string
	if err == nil {
		// Read once, before the program runs: libcontainer's state reads
		// /proc/PID/stat, which waits while the program is being executed.
		cgroups = cgroupPaths(ctr)
		oomBase = monitor.OOMBase(cgroups)
		err = ctr.Exec()
	}
	sentinelR.Close()
	if err != nil {
		io.abort()
		_ = ctr.Destroy()
		unmount(&l)
		return fail(startErrorCode(err), "%s", startErrorMessage(err))
	}
	pid, err := proc.Pid()
	if err != nil {
		_ = ctr.Signal(unix.SIGKILL)
		_ = ctr.Destroy()
		return fail(125, "container pid: %v", err)
	}
	if err := io.started(); err != nil {
		_ = ctr.Signal(unix.SIGKILL)
		_ = ctr.Destroy()
		return fail(125, "container console: %v", err)
	}
	if initReady != nil {
		awaitInit(initReady, proc.ExtraFiles[1])
	}
	started := time.Now().UTC()
	rs := state.State{Status: state.StatusRunning, Pid: pid, SupervisorPid: os.Getpid(), StartedAt: started, Scopes: scopes}
	if l.Restart != nil {
		rs.RestartCount = l.Restart.Count
	}
	warnings := l.Warnings
	if netw != nil {
		for _, p := range l.Network.Ports {
			rs.Ports = append(rs.Ports, p.Encode())
		}
		warnings = append(warnings, netw.warnings...)
	}
	if err := state.Write(l.StatePath, rs, l.VolatileState); err != nil {
		_ = ctr.Signal(unix.SIGKILL)
		_ = ctr.Destroy()
		return fail(125, "record state: %v", err)
	}
	rep.send(supervisor.Result{Pid: pid, Warnings: warnings})
	notifyStarted(&l)

	// From here on only watching is left: become skiff-monitor, which
	// keeps this pid, the container as its child, and these descriptors,
	// but not libcontainer's weight.
	h := monitor.Handoff{
		Pid: pid, StartedAt: started, StatePath: l.StatePath, VolatileState: l.VolatileState,
		LogPath: l.LogPath, LogMax: l.LogMaxSize, LogFiles: l.LogMaxFiles, Journal: l.Journal, Tty: l.Tty,
		Unmount: unmounts(&l), RuntimeDir: filepath.Join(l.RuntimeRoot, l.ID), Cleanup: l.Cleanup, EndsWithCaller: l.EndsWithCaller,
		LockFd: monitor.Keep(lock), HolderFd: monitor.Keep(holder),
		NotifyFd: monitor.Keep(notify), NotifySocket: l.NotifySocket,
	}
	if holder != nil {
		h.HolderPath = holder.Name()
	}
	if r := l.Restart; r != nil {
		h.ID = l.ID
		h.Restart = monitor.Restart{Policy: r.Policy, Count: r.Count, Delay: r.Delay, Command: r.Command, Marker: r.Marker}
		for _, f := range restartStdio {
			h.Restart.Stdio = append(h.Restart.Stdio, monitor.Keep(f))
		}
	}
	h.Cgroups, h.OOMBase, h.Scopes = cgroups, oomBase, scopes
	h.ReleaseFds = append(h.ReleaseFds, monitor.Keep(sentinelW))
	// The network's helpers live until the container exits.
	if netw != nil && netw.helper != nil {
		h.ReleaseFds = append(h.ReleaseFds, monitor.Keep(netw.helper.ExitW))
	}
	if netw != nil && netw.portsEnd != nil {
		h.ReleaseFds = append(h.ReleaseFds, monitor.Keep(netw.portsEnd))
	}
	if l.Network != nil && l.Network.Root != "" {
		h.NetRoot, h.ID = l.Network.Root, l.ID
	}
	st := &io.streams
	h.OutR, h.ErrR, h.StdinW, h.Master = monitor.Keep(st.OutR), monitor.Keep(st.ErrR), monitor.Keep(st.StdinW), monitor.Keep(st.Master)
	h.AIn, h.AOut, h.AErr, h.ACtl = monitor.Keep(st.AIn), monitor.Keep(st.AOut), monitor.Keep(st.AErr), monitor.Keep(st.ACtl)
	// A container that is done at once (a CI step, `run --rm IMAGE true`)
	// is watched to its end right here: starting skiff-monitor costs more
	// than such a container's whole run. Meanwhile nothing copies its
	// output, which waits in the pipe or the terminal.
	monitor.ForwardSignals(pid)
	h.Forwarding = true
	if !exitsWithin(pid, quickExit) {
		if bin, err := supervisor.Helper("skiff-monitor"); err == nil {
			err = monitor.Exec(bin, h)
			fmt.Fprintf(os.Stderr, "skiff-supervisor: exec %s: %v; watching in-process\n", bin, err)
		}
	}
	code := monitor.Run(h)
	// The handoff holds the bare numbers of these files' descriptors:
	// their finalizers must not close them while Run uses them.
	runtime.KeepAlive(lock)
	runtime.KeepAlive(holder)
	runtime.KeepAlive(notify)
	runtime.KeepAlive(restartStdio)
	runtime.KeepAlive(sentinelW)
	runtime.KeepAlive(netw)
	runtime.KeepAlive(io)
	return code
}

// quickExit is how long the supervisor waits for the container to exit
// before it hands over to skiff-monitor: about what the exec and start of
// skiff-monitor take on a small machine.
const quickExit = 20 * time.Millisecond

// exitsWithin reports whether the process pid (a child, not reaped) has
// exited within d.
func exitsWithin(pid int, d time.Duration) bool {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	deadline := time.Now().Add(d)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		n, err := unix.Poll(fds, int(left.Milliseconds())+1)
		if err == unix.EINTR {
			continue
		}
		return err == nil && n > 0
	}
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// unmounts are the mounts the launch says to undo at the end.
func unmounts(l *supervisor.Launch) []string {
	if len(l.Unmount) > 0 {
		return l.Unmount
	}
	return []string{l.Spec.Root.Path}
}

func unmount(l *supervisor.Launch) {
	for _, p := range unmounts(l) {
		if p != "" {
			_ = unix.Unmount(p, unix.MNT_DETACH)
		}
	}
}

// cgroupPaths are the container's cgroups (one per v1 hierarchy, or the
// v2 one).
func cgroupPaths(ctr *libcontainer.Container) []string {
	cs, err := ctr.State()
	if err != nil {
		return nil
	}
	return slices.Collect(maps.Values(cs.CgroupPaths))
}

// awaitInit waits until skiff-init forwards signals (it writes a byte, or
// exits and the pipe hangs up), at most initTimeout: a signal sent before
// would be lost, and a caller may send one as soon as the start returns.
func awaitInit(r, w *os.File) {
	w.Close()
	_ = r.SetReadDeadline(time.Now().Add(initTimeout))
	var b [1]byte
	_, _ = r.Read(b[:])
}

const initTimeout = 5 * time.Second
