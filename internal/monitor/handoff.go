package monitor

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/journal"
	"github.com/skiff-containers/skiff/internal/logfile"
	"github.com/skiff-containers/skiff/internal/network/members"
	"github.com/skiff-containers/skiff/internal/restart"
	"github.com/skiff-containers/skiff/internal/sdnotify"
	"github.com/skiff-containers/skiff/internal/state"
)

// Handoff is what the supervisor passes to skiff-monitor when it executes
// into it (as arguments, see Args). Descriptors are numbers of files it
// inherits; -1 is none.
type Handoff struct {
	Pid       int
	StartedAt time.Time
	StatePath string
	// VolatileState: write the exit state without waiting for the disk
	// (see state.Write).
	VolatileState bool
	// LogPath is the json-file log; Journal, the fields of journald
	// entries. Neither: the output is not kept.
	LogPath  string
	LogMax   int64
	LogFiles int
	Journal  []journal.Field
	Tty      bool
	// The mounts to undo, in order, and libcontainer's state to remove at
	// the end (the monitor does not link libcontainer).
	Unmount    []string
	RuntimeDir string
	Cgroups    []string
	// Scopes are carried into the exit state (state.State.Scopes).
	Scopes  []string
	Cleanup []string
	// EndsWithCaller kills the container when the caller's end of the
	// control pipe (ACtl) hangs up.
	EndsWithCaller bool
	// Kept open across the exec: the supervisor lock and the namespace
	// registration must last as long as the container.
	LockFd, HolderFd           int
	HolderPath                 string
	OutR, ErrR, StdinW, Master int
	AIn, AOut, AErr, ACtl      int
	// NotifyFd is the socket the container's program notifies
	// (--sdnotify=container), relayed to NotifySocket, systemd's.
	NotifyFd     int
	NotifySocket string
	// Restart is the container's restart policy (its zero value: none).
	Restart Restart
	// ReleaseFds are closed as soon as the container exits: they keep
	// its network helpers alive.
	ReleaseFds []int
	// NetRoot, when set, holds the run-time directories of user-defined
	// networks, which the container (ID) leaves when it exits.
	NetRoot, ID string
	// OOMBase is the OOM kill count of the parent of the container's
	// cgroup from before its program ran (see OOMBase); nil: unknown.
	OOMBase *uint64
	// Forwarding: the caller already forwards signals to Pid (Run in the
	// supervisor's own process). Not passed across an exec.
	Forwarding bool
}

// Keep clears close-on-exec on f so it survives the exec, and returns its
// number (or -1 for nil).
func Keep(f *os.File) int {
	if f == nil {
		return -1
	}
	fd := int(f.Fd())
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, 0); err != nil {
		return -1
	}
	return fd
}

// Args encodes the handoff as KEY=VALUE arguments (repeated keys for
// lists), which the monitor parses without encoding/json.
func (h Handoff) Args() []string {
	a := []string{
		"pid=" + strconv.Itoa(h.Pid), "started=" + h.StartedAt.Format(time.RFC3339Nano),
		"state=" + h.StatePath, "log=" + h.LogPath, "logmax=" + strconv.FormatInt(h.LogMax, 10),
		"logfiles=" + strconv.Itoa(h.LogFiles), "tty=" + strconv.FormatBool(h.Tty),
		"volatile=" + strconv.FormatBool(h.VolatileState),
		"runtime=" + h.RuntimeDir, "holderpath=" + h.HolderPath,
		"netroot=" + h.NetRoot, "id=" + h.ID, "notifysocket=" + h.NotifySocket,
	}
	for _, f := range h.Journal {
		a = append(a, "journal="+f.Key+"="+f.Value)
	}
	for _, p := range h.Cgroups {
		a = append(a, "cgroup="+p)
	}
	for _, p := range h.Unmount {
		a = append(a, "unmount="+p)
	}
	for _, u := range h.Scopes {
		a = append(a, "scope="+u)
	}
	if h.OOMBase != nil {
		a = append(a, "oombase="+strconv.FormatUint(*h.OOMBase, 10))
	}
	if r := h.Restart; r.Policy.Restarts() {
		a = append(a, "restart="+r.Policy.String(), "restartcount="+strconv.Itoa(r.Count),
			"restartdelay="+strconv.FormatInt(int64(r.Delay), 10), "restartmarker="+r.Marker)
		for _, c := range r.Command {
			a = append(a, "restartcmd="+c)
		}
		for _, fd := range r.Stdio {
			a = append(a, "restartstdio="+strconv.Itoa(fd))
		}
	}
	for _, c := range h.Cleanup {
		a = append(a, "cleanup="+c)
	}
	if h.EndsWithCaller {
		a = append(a, "endswithcaller=1")
	}
	for _, fd := range h.ReleaseFds {
		a = append(a, "release="+strconv.Itoa(fd))
	}
	for k, fd := range map[string]int{"lockfd": h.LockFd, "holderfd": h.HolderFd, "outr": h.OutR, "errr": h.ErrR,
		"stdinw": h.StdinW, "master": h.Master, "ain": h.AIn, "aout": h.AOut, "aerr": h.AErr, "actl": h.ACtl,
		"notifyfd": h.NotifyFd} {
		a = append(a, k+"="+strconv.Itoa(fd))
	}
	return a
}

// ParseHandoff reads what Args wrote.
func ParseHandoff(args []string) (Handoff, error) {
	var h Handoff
	fds := map[string]*int{"lockfd": &h.LockFd, "holderfd": &h.HolderFd, "outr": &h.OutR, "errr": &h.ErrR,
		"stdinw": &h.StdinW, "master": &h.Master, "ain": &h.AIn, "aout": &h.AOut, "aerr": &h.AErr, "actl": &h.ACtl,
		"notifyfd": &h.NotifyFd}
	for _, fd := range fds {
		*fd = -1
	}
	for _, arg := range args {
		k, v, ok := strings.Cut(arg, "=")
		if !ok {
			return h, fmt.Errorf("bad argument %q", arg)
		}
		var err error
		switch k {
		case "pid":
			h.Pid, err = strconv.Atoi(v)
		case "started":
			h.StartedAt, err = time.Parse(time.RFC3339Nano, v)
		case "state":
			h.StatePath = v
		case "log":
			h.LogPath = v
		case "logmax":
			h.LogMax, err = strconv.ParseInt(v, 10, 64)
		case "logfiles":
			h.LogFiles, err = strconv.Atoi(v)
		case "tty":
			h.Tty, err = strconv.ParseBool(v)
		case "volatile":
			h.VolatileState, err = strconv.ParseBool(v)
		case "unmount":
			h.Unmount = append(h.Unmount, v)
		case "scope":
			h.Scopes = append(h.Scopes, v)
		case "runtime":
			h.RuntimeDir = v
		case "holderpath":
			h.HolderPath = v
		case "netroot":
			h.NetRoot = v
		case "id":
			h.ID = v
		case "notifysocket":
			h.NotifySocket = v
		case "journal":
			fk, fv, _ := strings.Cut(v, "=")
			h.Journal = append(h.Journal, journal.Field{Key: fk, Value: fv})
		case "cgroup":
			h.Cgroups = append(h.Cgroups, v)
		case "oombase":
			var n uint64
			n, err = strconv.ParseUint(v, 10, 64)
			h.OOMBase = &n
		case "restart":
			h.Restart.Policy, err = restart.Parse(v)
		case "restartcount":
			h.Restart.Count, err = strconv.Atoi(v)
		case "restartdelay":
			var d int64
			d, err = strconv.ParseInt(v, 10, 64)
			h.Restart.Delay = time.Duration(d)
		case "restartmarker":
			h.Restart.Marker = v
		case "restartcmd":
			h.Restart.Command = append(h.Restart.Command, v)
		case "restartstdio":
			var fd int
			fd, err = strconv.Atoi(v)
			h.Restart.Stdio = append(h.Restart.Stdio, fd)
		case "cleanup":
			h.Cleanup = append(h.Cleanup, v)
		case "endswithcaller":
			h.EndsWithCaller = v == "1"
		case "release":
			var fd int
			fd, err = strconv.Atoi(v)
			h.ReleaseFds = append(h.ReleaseFds, fd)
		default:
			p, known := fds[k]
			if !known {
				return h, fmt.Errorf("unknown argument %q", k)
			}
			*p, err = strconv.Atoi(v)
		}
		if err != nil {
			return h, fmt.Errorf("argument %s: %w", k, err)
		}
	}
	return h, nil
}

// Exec replaces the calling process with skiff-monitor. It must be called
// from the thread that started the container: the container's parent-death
// signal is bound to that thread, and an exec from another thread ends it.
func Exec(binary string, h Handoff) error {
	// One P is plenty for copying a few streams, and keeps the runtime's
	// per-P caches, and so the resident size, small.
	env := append(os.Environ(), "GOMAXPROCS=1")
	return syscall.Exec(binary, append([]string{filepath.Base(binary)}, h.Args()...), env)
}

// cleanEnv drops what Exec added, for the programs the monitor starts.
func cleanEnv() []string {
	var out []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "GOMAXPROCS=") {
			out = append(out, e)
		}
	}
	return out
}

func file(fd int, name string) *os.File {
	if fd < 0 {
		return nil
	}
	_, _ = unix.FcntlInt(uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC)
	return os.NewFile(uintptr(fd), name)
}

// Run is skiff-monitor's work: watch the container until it exits, record
// the exit, clean up, and return the exit status.
func Run(h Handoff) int {
	lock := file(h.LockFd, "lock")
	holder := file(h.HolderFd, "holder")
	// The supervisor made it (see state.MakeReserve); without one these
	// calls find nothing to free.
	reserve := state.OpenReserve(state.ReservePath(h.StatePath))
	lw := openLog(h)
	if w, ok := lw.(*logfile.Writer); ok {
		w.OnFull(reserve.ReleaseLog)
	}
	s := &Streams{
		Tty: h.Tty, OutR: file(h.OutR, "out"), ErrR: file(h.ErrR, "err"), StdinW: file(h.StdinW, "stdin"),
		Master: file(h.Master, "master"), AIn: file(h.AIn, "attach-in"), AOut: file(h.AOut, "attach-out"),
		AErr: file(h.AErr, "attach-err"), ACtl: file(h.ACtl, "control"),
	}
	if lw != nil {
		s.Log = lw
	}
	s.Start()
	if notify := file(h.NotifyFd, "notify"); notify != nil {
		go func() { _ = sdnotify.Relay(notify, h.NotifySocket) }()
	}
	if !h.Forwarding {
		ForwardSignals(h.Pid)
	}
	oomw := watchOOM(h.Cgroups, h.OOMBase)
	if h.EndsWithCaller {
		go killOnHangup(h.ACtl, h.Pid)
	}
	code := ReapUntil(h.Pid)
	// A caller still attached removes a --rm container itself, in its
	// own process, with the store it has open: a removal started from
	// here is a whole skiff more per run. One killed, hung up on or
	// detached has closed its end of the attachment, and then the
	// removal is ours.
	callerRemoves := attached(h.ACtl)
	// At once: a systemd scope goes as soon as it is empty, and its
	// memory.events with it.
	oom := oomKilled(oomw, code, h.Cgroups)
	for _, fd := range h.ReleaseFds {
		_ = unix.Close(fd)
	}
	if h.NetRoot != "" {
		members.LeaveAll(h.NetRoot, h.ID)
	}
	s.Finish()
	if lw != nil {
		lw.Close()
	}
	for _, p := range h.Cgroups {
		_ = os.Remove(p)
	}
	_ = os.RemoveAll(h.RuntimeDir)
	for _, p := range h.Unmount {
		_ = unix.Unmount(p, unix.MNT_DETACH)
	}
	finished := time.Now().UTC()
	reserve.Release()
	_ = state.Write(h.StatePath, state.State{Status: state.StatusExited, StartedAt: h.StartedAt, FinishedAt: finished, ExitCode: code, OOMKilled: oom, RestartCount: h.Restart.Count, Scopes: h.Scopes}, h.VolatileState)
	if holder != nil {
		if h.HolderPath != "" {
			os.Remove(h.HolderPath)
		}
		holder.Close()
	}
	if lock != nil {
		lock.Close()
	}
	h.Restart.next(h.ID, code, finished.Sub(h.StartedAt))
	if len(h.Cleanup) > 0 && !callerRemoves {
		cleanup(h.Cleanup)
	}
	return code
}

// killOnHangup kills pid once the caller's end of the control pipe (fd)
// is closed: the caller exited, whatever ended it. Nothing reads the
// pipe without a terminal; with one, control() reads it and poll still
// sees the hang-up.
func killOnHangup(fd, pid int) {
	if fd < 0 {
		return
	}
	fds := []unix.PollFd{{Fd: int32(fd), Events: 0}}
	for {
		if _, err := unix.Poll(fds, -1); err != nil && err != unix.EINTR {
			return
		}
		if fds[0].Revents&(unix.POLLHUP|unix.POLLERR|unix.POLLNVAL) != 0 {
			_ = unix.Kill(pid, unix.SIGKILL)
			return
		}
	}
}

// attached reports whether the caller still holds the attachment's
// control pipe, whose read end is fd (the output pipes may be closed by
// now, their copies done): the pipe hangs up when the caller exits,
// whatever ends it.
func attached(fd int) bool {
	if fd < 0 {
		return false
	}
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	if _, err := unix.Poll(fds, 0); err != nil {
		return false
	}
	return fds[0].Revents&(unix.POLLERR|unix.POLLHUP|unix.POLLNVAL) == 0
}

// cleanup removes the container (--rm) and waits for the removal, so that
// a CLI waiting for this process still gets the container's exit status
// (an exec of the removal would give it the removal's) and finds the
// container gone when it does. The monitor, not the CLI, removes it: the
// container goes also when the CLI was killed or detached.
func cleanup(argv []string) {
	proc, err := os.StartProcess(argv[0], argv, &os.ProcAttr{
		Env: cleanEnv(), Files: []*os.File{os.Stdin, os.Stdout, os.Stderr},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "skiff-monitor: --rm: %v\n", err)
		return
	}
	_, _ = proc.Wait()
}

// outputLog is where a container's output is kept.
type outputLog interface {
	logfile.Sink
	Close() error
}

// openLog opens the container's log, by its driver; nil when the output
// is not kept, or cannot be (the container runs on regardless).
func openLog(h Handoff) outputLog {
	switch {
	case h.LogPath != "":
		if w, err := logfile.NewWriter(h.LogPath, h.LogMax, h.LogFiles); err == nil {
			return w
		}
	case len(h.Journal) > 0:
		if w, err := journal.NewWriter(journal.Socket, h.Journal); err == nil {
			return w
		}
	}
	return nil
}

// oomKilled reports whether the kernel's OOM killer killed a process of
// the container's memory cgroup: by the watch of its v2 memory cgroup,
// else by v1's memory.oom_control.
func oomKilled(w *oomWatch, code int, cgroups []string) bool {
	if w != nil {
		return w.killed(code)
	}
	for _, dir := range cgroups {
		if n, _ := oomKills(dir); n > 0 {
			return true
		}
	}
	return false
}
