// Package lifecycle creates, starts, stops and removes containers: it ties
// the image store, the container store, the runtime spec and the supervisor
// together. The engine (internal/engine) calls it: the policy and the rules
// of the verbs are the engine's, the mechanics of a container's life are here.
package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/sys/user"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/cgroup"
	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/fserr"
	"github.com/skiff-containers/skiff/internal/imagestore"
	"github.com/skiff-containers/skiff/internal/network"
	"github.com/skiff-containers/skiff/internal/runspec"
	"github.com/skiff-containers/skiff/internal/sdnotify"
	"github.com/skiff-containers/skiff/internal/state"
	"github.com/skiff-containers/skiff/internal/supervisor"
)

// ErrNotRunning is an operation that needs a running container.
var ErrNotRunning = errors.New("is not running")

// ErrStoppedByUser is a restart by policy of a container its user stopped.
var ErrStoppedByUser = errors.New("was stopped by its user")

// ErrRunning is an operation that needs a stopped container.
var ErrRunning = errors.New("is running")

// Unit is what the caller knows of the systemd unit it runs under, from
// its environment: the front end passes it in.
type Unit struct {
	// InvocationID is $INVOCATION_ID: set, the caller runs as a unit.
	InvocationID string
	// NotifySocket is $NOTIFY_SOCKET: the unit waits for READY.
	NotifySocket string
}

// Under reports whether the caller runs under a unit.
func (u Unit) Under() bool { return u.InvocationID != "" || u.NotifySocket != "" }

// unitsGoneTimeout bounds rm's wait for systemd to collect a container's
// scopes (milliseconds, usually; longer on a loaded machine).
const unitsGoneTimeout = 5 * time.Second

// Manager runs containers.
type Manager struct {
	// Unit is the systemd unit the caller runs under, if any.
	Unit Unit
	// Warn receives warnings (nil: dropped).
	Warn       func(string)
	Images     *imagestore.Store
	Containers *container.Store
	// Rootless: skiff runs in its own user namespace.
	Rootless bool
	// SingleMapping: that namespace maps only the user's own id.
	SingleMapping bool
	// Self is the command line of skiff on this store.
	Self []string
	// Cleanup is the command line with which a --rm container's monitor
	// removes it after it exits; the container id is appended. Without
	// it, whoever attached removes the container.
	Cleanup []string
	// Restarter is the command line that starts a container again by its
	// restart policy; "--policy-restart COUNT:DELAY ID" is appended.
	Restarter []string
	// UsernsRegistry is where supervisors register as holders of the
	// rootless user namespace; empty as root.
	UsernsRegistry string
	// Networks are the user-defined networks; NetRunRoot holds their
	// run-time directories.
	Networks   *network.Store
	NetRunRoot string
	// AllowHostLoopback is config.toml's default for containers'
	// access to the host's loopback through slirp4netns.
	AllowHostLoopback bool
}

// Create records a container. The name is claimed atomically; without a
// name a free random one is chosen.
func (m *Manager) Create(cfg container.Config) (*container.Container, error) {
	if cfg.Name != "" {
		return m.Containers.Create(cfg)
	}
	for range 20 {
		cfg.Name = container.RandomName()
		c, err := m.Containers.Create(cfg)
		if !errors.Is(err, container.ErrNameInUse) {
			return c, err
		}
	}
	return nil, fmt.Errorf("no free random name found: give one with --name")
}

// CheckCreate refuses what Create cannot make; callers run it before an
// image is pulled or anything recorded.
func (m *Manager) CheckCreate(cfg container.Config) error {
	if cfg.Host.UsernsMode == "auto" {
		return m.Images.CheckAutoUserNs()
	}
	return nil
}

// StartOptions say how to connect the caller to a starting container.
type StartOptions struct {
	Attach     bool // connect the caller's streams
	Stdin      bool // and its stdin
	Rows, Cols uint16
	// Caller are the caller's stdin, stdout and stderr, which a container
	// with the passthrough log driver gets as its own (nil: /dev/null).
	Caller [3]*os.File
	// Restart is set for a start its restart policy makes.
	Restart *PolicyRestart
	// Prestarted is the container's supervisor, started while the
	// container was created (see Prestart); Start launches it, or
	// abandons it if the start fails first.
	Prestarted *supervisor.Pending
}

// PolicyRestart is a start by the container's restart policy.
type PolicyRestart struct {
	Count int           // restarts so far, this one included
	Delay time.Duration // waited before this one
}

// Start mounts the container's root file system, builds its runtime spec
// and hands it to a new supervisor. It returns once the container's process
// runs (or failed to start, with a *supervisor.StartError).
func (m *Manager) Start(ctx context.Context, c *container.Container, o StartOptions) (p *supervisor.Process, err error) {
	defer func() {
		if err != nil {
			o.Prestarted.Abandon()
		}
	}()
	if err := c.CheckComplete(); err != nil {
		return nil, err
	}
	st, err := c.State()
	if err != nil {
		return nil, err
	}
	if st.Status == container.StatusRunning {
		return nil, fmt.Errorf("container %s %w", c.Name, ErrRunning)
	}
	if err := CheckLogDriver(c.Config); err != nil {
		return nil, fmt.Errorf("container %s: %w", c.Name, err)
	}
	if o.Restart == nil {
		_ = os.Remove(c.StoppedMarker())
	} else if _, err := os.Stat(c.StoppedMarker()); err == nil {
		return nil, fmt.Errorf("container %s %w", c.Name, ErrStoppedByUser)
	}
	rootfs, err := m.Containers.Mount(c)
	if err != nil {
		return nil, err
	}
	storeRoot := rootfs
	if rootfs, err = m.Containers.MappedRoot(c, rootfs); err != nil {
		_ = m.Containers.Unmount(c)
		return nil, err
	}
	launch, err := m.launch(c, rootfs, o)
	if err != nil {
		_ = m.Containers.Unmount(c)
		return nil, err
	}
	launch.Unmount = []string{rootfs}
	if storeRoot != rootfs {
		launch.Unmount = append(launch.Unmount, storeRoot)
	}
	launchPath := filepath.Join(c.RunDir, "launch.json")
	launch.Diagnostics = filepath.Join(c.RunDir, "supervisor.log")
	if err := supervisor.WriteJSON(launchPath, launch); err != nil {
		_ = m.Containers.Unmount(c)
		return nil, err
	}
	if o.Prestarted != nil {
		p, err = o.Prestarted.Launch(launchPath)
	} else {
		so := supervisorOptions(c, o)
		so.Spec = launchPath
		p, err = supervisor.Start(so)
	}
	if err != nil {
		_ = m.Containers.Unmount(c)
		return p, err
	}
	return p, nil
}

// Prestart starts the supervisor of a container about to be created from
// cfg and started with o, so that the supervisor's own start-up (a Go
// program, some 10 ms) overlaps the creation, the mount and the spec.
// Pass it to Start as StartOptions.Prestarted, or Abandon it.
func Prestart(cfg container.Config, o StartOptions) (*supervisor.Pending, error) {
	return supervisor.Spawn(supervisorOptions(&container.Container{Config: cfg}, o))
}

// supervisorOptions are the streams a run supervisor is started with.
func supervisorOptions(c *container.Container, o StartOptions) supervisor.Options {
	return supervisor.Options{
		Mode: "run", Attach: relays(c, o), Stdin: o.Stdin && c.OpenStdin, Tty: c.Tty,
		Passthrough: passthroughFiles(c, o),
	}
}

func (m *Manager) launch(c *container.Container, rootfs string, o StartOptions) (*supervisor.Launch, error) {
	uid, gid, groups, home, err := resolveUser(rootfs, c.User)
	if err != nil {
		return nil, err
	}
	env := withDefaults(c.Env, c.Hostname, home, c.Tty)
	cwd := c.WorkingDir
	if cwd == "" {
		cwd = "/"
	}
	if err := mkdirIn(rootfs, cwd); err != nil {
		return nil, fmt.Errorf("working directory %s: %w", cwd, err)
	}
	plan, err := m.planNetwork(c)
	if err != nil {
		return nil, err
	}
	etc, err := writeEtcFiles(c, plan)
	if err != nil {
		return nil, err
	}
	if err := checkCommand(rootfs, cwd, env, c.Args[0], c.Mounts); err != nil {
		return nil, err
	}
	mounts := append([]runspec.Mount{}, c.Mounts...)
	args := c.Args
	if c.Init {
		// skiff-init stays as PID 1: it runs the command, forwards
		// signals to it and reaps orphans.
		initBin, err := initBinary()
		if err != nil {
			return nil, err
		}
		mounts = append(mounts, runspec.Mount{Source: initBin, Destination: initPath, ReadOnly: true})
		args = append([]string{initPath, "--"}, c.Args...)
	}
	notifyDir, notifyMount, notifyEnv, err := m.containerNotify(c)
	if err != nil {
		return nil, err
	}
	if notifyDir != "" {
		mounts = append(mounts, notifyMount)
		env = runspec.SetEnv(env, notifyEnv)
	}
	for _, mt := range mounts {
		if mt.Tmpfs {
			continue
		}
		if _, err := os.Stat(mt.Source); err != nil {
			return nil, fmt.Errorf("bind mount source %s: %w", mt.Source, fserr.Cause(err))
		}
	}
	callerCaps, err := runspec.ReadCallerCaps()
	if err != nil {
		return nil, err
	}
	host, err := hostSpec(c)
	if err != nil {
		return nil, err
	}
	spec, err := runspec.Build(runspec.Options{
		Args: args, Env: env, Cwd: cwd, UID: uid, GID: gid, AddGroups: groups,
		Hostname: c.Hostname, Domainname: c.Domainname, Terminal: c.Tty,
		CapAdd: c.Host.CapAdd, CapDrop: c.Host.CapDrop, Privileged: c.Host.Privileged,
		BoundingCaps: callerCaps.Bounding,
		Rlimits:      host.Rlimits, CgroupNS: host.CgroupNS, DeviceRules: host.DeviceRules,
		NoNewPrivileges: c.NoNewPrivileges, ReadOnly: c.Host.ReadonlyRootfs,
		Mounts: mounts, EtcFiles: etc,
		HostNetwork:   c.Host.NetworkMode == network.ModeHost,
		NetNSPath:     plan.nsPath,
		NetNSOutside:  plan.launch != nil,
		Rootless:      m.Rootless,
		SingleMapping: m.SingleMapping,
		UIDMappings:   c.UIDMap,
		GIDMappings:   c.GIDMap,
	})
	if err != nil {
		return nil, err
	}
	spec.Root.Path = rootfs
	warnings, systemdCgroup, err := placeCgroup(spec, c, m.Rootless)
	if err != nil {
		return nil, err
	}
	spec.Process.OOMScoreAdj = c.Host.OOMScoreAdj
	if missing := runspec.Unavailable(c.Host.CapAdd, callerCaps.Bounding); len(missing) > 0 {
		warnings = append(warnings, fmt.Sprintf("the container runs without %s, which skiff itself lacks here (not in its bounding set)", strings.Join(missing, ", ")))
	}
	l := &supervisor.Launch{
		ID:              c.ID,
		Spec:            spec,
		RuntimeRoot:     c.RuntimeRoot(),
		StatePath:       c.StatePath(),
		VolatileState:   c.AutoRemove,
		InitReady:       c.Init,
		LockPath:        c.LockPath(),
		Tty:             c.Tty,
		Stdin:           c.OpenStdin,
		Attach:          relays(c, o),
		Rows:            o.Rows,
		Cols:            o.Cols,
		RootlessCgroups: m.Rootless,
		SystemdCgroup:   systemdCgroup,
		// Under a unit the supervisor stays in the unit's cgroup: it is
		// the unit's main process, and what it tells systemd counts.
		SupervisorScope: systemdCgroup && !m.Unit.Under(),
		UsernsRegistry:  m.UsernsRegistry,
		NotifySocket:    m.notifySocket(c),
		NotifyDir:       notifyDir,
		Network:         plan.launch,
		Warnings:        warnings,
	}
	setLog(l, c)
	// The monitor removes a --rm container whoever is attached: an
	// attached caller may be killed, hung up on or detach before the exit.
	if c.AutoRemove && len(m.Cleanup) > 0 {
		l.Cleanup = append(append([]string{}, m.Cleanup...), c.ID)
	}
	l.EndsWithCaller = c.EndsWithCaller
	if p := c.Host.RestartPolicy; p.Restarts() && len(m.Restarter) > 0 {
		l.Restart = &supervisor.RestartLaunch{
			Policy: p, Command: m.Restarter, Marker: c.StoppedMarker(),
		}
		if o.Restart != nil {
			l.Restart.Count, l.Restart.Delay = o.Restart.Count, o.Restart.Delay
		}
	}
	return l, nil
}

// notifySocket is systemd's socket, if the caller runs under a unit that
// waits for READY and the container says the supervisor should send it.
func (m *Manager) notifySocket(c *container.Container) string {
	if c.SDNotify == sdnotify.ModeIgnore {
		return ""
	}
	return m.Unit.NotifySocket
}

// checkCommand finds the command in the container's file system the way
// exec will, so that a missing or unrunnable command fails the start with
// Docker's exit codes (127, 126) instead of failing inside the container.
func checkCommand(rootfs, cwd string, env []string, cmd string, mounts []runspec.Mount) error {
	notFound := func(msg string) error {
		return &supervisor.StartError{Code: 127, Msg: "cannot run the container's command: " + msg}
	}
	var candidates []string
	switch {
	case strings.HasPrefix(cmd, "/"):
		candidates = []string{cmd}
	case strings.Contains(cmd, "/"):
		candidates = []string{filepath.Join(cwd, cmd)}
	default:
		path := runspec.DefaultPath
		for _, e := range env {
			if v, ok := strings.CutPrefix(e, "PATH="); ok {
				path = v
			}
		}
		for _, dir := range filepath.SplitList(path) {
			if dir != "" {
				candidates = append(candidates, filepath.Join(dir, cmd))
			}
		}
	}
	for _, cand := range candidates {
		// A command that a mount provides is not in the image to look
		// at: exec finds it, or fails with the same codes.
		for _, mt := range mounts {
			if cand == mt.Destination || strings.HasPrefix(cand, strings.TrimSuffix(mt.Destination, "/")+"/") {
				return nil
			}
		}
		p, err := securejoin.SecureJoin(rootfs, cand)
		if err != nil {
			continue
		}
		fi, err := os.Stat(p)
		if err != nil {
			continue
		}
		if fi.IsDir() || fi.Mode()&0o111 == 0 {
			if len(candidates) == 1 {
				return &supervisor.StartError{Code: 126, Msg: fmt.Sprintf("cannot run the container's command: exec: %q: permission denied", cmd)}
			}
			continue
		}
		return nil
	}
	if len(candidates) == 1 && strings.Contains(cmd, "/") {
		return notFound(fmt.Sprintf("exec: %q: stat %s: no such file or directory", cmd, cmd))
	}
	return notFound(fmt.Sprintf("exec: %q: executable file not found in $PATH", cmd))
}

// resolveUser reads a user spec ("name", "uid", "uid:gid", "name:group")
// against the image's /etc/passwd and /etc/group.
func resolveUser(rootfs, spec string) (uid, gid uint32, groups []uint32, home string, err error) {
	passwd, _ := securejoin.SecureJoin(rootfs, "/etc/passwd")
	group, _ := securejoin.SecureJoin(rootfs, "/etc/group")
	defaults := &user.ExecUser{Uid: 0, Gid: 0, Home: "/"}
	u, err := user.GetExecUserPath(spec, defaults, passwd, group)
	if err != nil {
		return 0, 0, nil, "", fmt.Errorf("user %q: %w", spec, err)
	}
	for _, g := range u.Sgids {
		if g != u.Gid {
			groups = append(groups, uint32(g))
		}
	}
	return uint32(u.Uid), uint32(u.Gid), groups, u.Home, nil
}

// withDefaults adds what Docker adds to a container's environment.
func withDefaults(env []string, hostname, home string, tty bool) []string {
	out := append([]string{}, env...)
	has := func(k string) bool {
		for _, e := range out {
			if strings.HasPrefix(e, k+"=") {
				return true
			}
		}
		return false
	}
	if !has("PATH") {
		out = append(out, "PATH="+runspec.DefaultPath)
	}
	if !has("HOSTNAME") {
		out = append(out, "HOSTNAME="+hostname)
	}
	if !has("HOME") {
		out = append(out, "HOME="+home)
	}
	if tty && !has("TERM") {
		out = append(out, "TERM=xterm")
	}
	return out
}

// mkdirIn creates dir inside rootfs without following symlinks out of it.
func mkdirIn(rootfs, dir string) error {
	p, err := securejoin.SecureJoin(rootfs, dir)
	if err != nil {
		return err
	}
	return os.MkdirAll(p, 0o755)
}

// Signal sends sig to the container's first process.
func (m *Manager) Signal(c *container.Container, sig unix.Signal) error {
	st, err := c.State()
	if err != nil {
		return err
	}
	if st.Status != container.StatusRunning || st.Pid == 0 {
		return fmt.Errorf("container %s %w", c.Name, ErrNotRunning)
	}
	if err := unix.Kill(st.Pid, sig); err != nil && err != unix.ESRCH {
		return fmt.Errorf("signal %s: %w", c.Name, err)
	}
	return nil
}

// Wait blocks until the container is no longer running and returns its
// exit code. It waits on the supervisor's lock, so it needs no polling.
func (m *Manager) Wait(ctx context.Context, c *container.Container) (int, error) {
	st, err := c.State()
	if err != nil {
		return 0, err
	}
	if st.Status == container.StatusRunning {
		if err := waitLock(ctx, c.LockPath()); err != nil {
			return 0, err
		}
		if st, err = c.State(); err != nil {
			return 0, err
		}
	}
	return st.ExitCode, nil
}

// waitLock returns when nobody holds the lock any more.
func waitLock(ctx context.Context, path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil
	}
	defer f.Close()
	done := make(chan error, 1)
	go func() { done <- unix.Flock(int(f.Fd()), unix.LOCK_SH) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stop sends the stop signal, waits up to timeout, then kills.
func (m *Manager) Stop(ctx context.Context, c *container.Container, timeout time.Duration) error {
	return m.StopWith(ctx, c, 0, timeout)
}

// StopWith is Stop with the signal sig (0: the container's stop signal).
func (m *Manager) StopWith(ctx context.Context, c *container.Container, sig unix.Signal, timeout time.Duration) error {
	// Stopped by its user, it stays stopped whatever its restart policy,
	// also when it is only waiting to be restarted.
	if c.Host.RestartPolicy.Restarts() {
		if err := os.WriteFile(c.StoppedMarker(), nil, 0o600); err != nil {
			return fmt.Errorf("stop %s: %w", c.Name, err)
		}
	}
	st, err := c.State()
	if err != nil {
		return err
	}
	if st.Status != container.StatusRunning {
		return nil
	}
	if sig == 0 {
		if sig, err = ParseSignal(c.StopSignalOrDefault()); err != nil {
			sig = unix.SIGTERM
		}
	}
	if timeout > 0 {
		_ = m.Signal(c, sig)
		wctx, cancel := context.WithTimeout(ctx, timeout)
		err := waitLock(wctx, c.LockPath())
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	_ = m.Signal(c, unix.SIGKILL)
	return waitLock(ctx, c.LockPath())
}

// SettledState is the container's state once no supervisor is still
// starting it. A supervisor whose creator was killed in the middle of
// run -d goes on starting the container; whoever removes containers must
// wait for its report, or the container would run without a record.
func (m *Manager) SettledState(ctx context.Context, c *container.Container) (state.State, error) {
	st, err := c.State()
	for i := 0; err == nil && st.Status != container.StatusRunning && state.SupervisorAlive(c.LockPath()); i++ {
		if i == 250 {
			return st, fmt.Errorf("container %s is still starting: try again", c.Name)
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		st, err = c.State()
	}
	return st, err
}

// Remove deletes a container; a running one only with force (it is killed).
func (m *Manager) Remove(ctx context.Context, c *container.Container, force bool) error {
	st, err := m.SettledState(ctx, c)
	if err != nil {
		return err
	}
	if st.Status == container.StatusRunning {
		if !force {
			// Docker's words, which name no flag: a script or person
			// that reads them knows what to do in any front end.
			return fmt.Errorf("cannot remove container \"/%s\": container %w: stop the container before removing or force remove", c.Name, ErrRunning)
		}
		if err := m.Stop(ctx, c, 0); err != nil {
			return err
		}
		if st, err = m.SettledState(ctx, c); err != nil {
			return err
		}
	}
	if len(st.Scopes) > 0 {
		// Nothing of the container is left when rm returns, its systemd
		// scopes included; a manager that does not answer in time costs
		// the wait and a warning.
		wctx, cancel := context.WithTimeout(ctx, unitsGoneTimeout)
		if err := cgroup.WaitUnitsGone(wctx, st.Scopes); err != nil && m.Warn != nil {
			m.Warn(fmt.Sprintf("container %s: %v", c.Name, err))
		}
		cancel()
	}
	return m.Containers.Remove(c)
}

// ExecOptions describe a process to run in a running container.
type ExecOptions struct {
	Args               []string
	Env                []string
	Workdir, User      string
	Tty, Stdin, Detach bool
	Rows, Cols         uint16
}

// Exec runs a process in a running container through a supervisor of its
// own, and returns once the process runs.
func (m *Manager) Exec(c *container.Container, o ExecOptions) (*supervisor.Process, error) {
	st, err := c.State()
	if err != nil {
		return nil, err
	}
	if st.Status != container.StatusRunning || st.Pid == 0 {
		return nil, fmt.Errorf("container %s %w: start it first", c.Name, ErrNotRunning)
	}
	// The container's own view of its files, through its first process.
	rootfs := fmt.Sprintf("/proc/%d/root", st.Pid)
	userSpec := o.User
	if userSpec == "" {
		userSpec = c.User
	}
	uid, gid, groups, home, err := resolveUser(rootfs, userSpec)
	if err != nil {
		return nil, err
	}
	env := append([]string{}, c.Env...)
	for _, kv := range o.Env {
		env = runspec.SetEnv(env, kv)
	}
	env = withDefaults(env, c.Hostname, home, o.Tty)
	cwd := o.Workdir
	if cwd == "" {
		cwd = c.WorkingDir
	}
	if cwd == "" {
		cwd = "/"
	}
	caps, err := runspec.Caps(c.Host.Privileged, c.Host.CapAdd, c.Host.CapDrop)
	if err != nil {
		return nil, err
	}
	// As the container's own, within what the caller can pass on.
	callerCaps, err := runspec.ReadCallerCaps()
	if err != nil {
		return nil, err
	}
	caps = runspec.Within(caps, callerCaps.Bounding)
	e := supervisor.Exec{
		ID: c.ID, RuntimeRoot: c.RuntimeRoot(), Args: o.Args, Env: env, Cwd: cwd,
		UID: uid, GID: gid, AddGroups: groups, Tty: o.Tty, Stdin: o.Stdin, Attach: !o.Detach,
		Rows: o.Rows, Cols: o.Cols, Caps: caps, NoNewPrivileges: c.NoNewPrivileges,
	}
	host, err := hostSpec(c)
	if err != nil {
		return nil, err
	}
	e.Rlimits = host.Rlimits
	f, err := os.CreateTemp(c.RunDir, "exec-*.json")
	if err != nil {
		return nil, err
	}
	f.Close()
	if err := supervisor.WriteJSON(f.Name(), e); err != nil {
		os.Remove(f.Name())
		return nil, err
	}
	return supervisor.Start(supervisor.Options{
		Mode: "exec", Spec: f.Name(), Attach: !o.Detach, Stdin: o.Stdin, Tty: o.Tty, Foreground: !o.Detach,
		Diagnostics: filepath.Join(c.RunDir, "supervisor.log"),
	})
}

// MountPoints are the paths a start mounts over besides the container's
// own mounts (-v, --tmpfs): the runtime's, and the notify socket's
// directory. The init binary goes below /dev, which is one of them.
func MountPoints() []string {
	return append(runspec.MountPoints(), sdnotify.ContainerDir)
}
