// Package supervisor is the protocol between the CLI and skiff-supervisor,
// the short-lived process that owns a running container (libexec/), and the
// CLI's side of it.
//
// The CLI writes a Launch (or Exec) as JSON and starts the supervisor with
// the file's path and these descriptors:
//
//	3  result: the supervisor writes one Result line once the container
//	   runs (or failed to start), then closes it
//	4  the attached stdin (read end), when attached with stdin
//	5  the attached stdout (write end), when attached
//	6  the attached stderr (write end), when attached without a tty
//	7  control (read end), when attached: "resize ROWS COLS\n" lines
//
// With the passthrough log driver, 4-6 are instead the caller's own stdin
// (with -i), stdout and stderr, which the container gets as its own.
//
// The supervisor exits with the container's exit status.
package supervisor

import (
	"encoding/json"
	"os"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiff-containers/skiff/internal/journal"
	"github.com/skiff-containers/skiff/internal/network"
	"github.com/skiff-containers/skiff/internal/restart"
)

// Descriptor numbers in the supervisor.
const (
	FdResult  = 3
	FdStdin   = 4
	FdStdout  = 5
	FdStderr  = 6
	FdControl = 7
	// FdSpec carries, to a supervisor started ahead of its container
	// (`skiff-supervisor run -`, see Spawn), the path of its launch spec:
	// one line, or nothing when the start is given up.
	FdSpec = 8
)

// Launch describes a container to start.
type Launch struct {
	ID   string      `json:"id"`
	Spec *specs.Spec `json:"spec"` // Root.Path is the mounted rootfs
	// Unmount lists what is unmounted, in order, when the container is
	// done: Root.Path and, for a container with its own user namespace,
	// the store's mount it is bound from. Empty: Root.Path.
	Unmount []string `json:"unmount,omitempty"`
	// InitReady: the container's first process is skiff-init, which
	// reports on monitor.InitReadyFd.
	InitReady   bool   `json:"initReady,omitempty"`
	RuntimeRoot string `json:"runtimeRoot"`
	StatePath   string `json:"statePath"`
	LockPath    string `json:"lockPath"`
	LogPath     string `json:"logPath"` // the json-file log; empty for other drivers
	LogMaxSize  int64  `json:"logMaxSize"`
	LogMaxFiles int    `json:"logMaxFiles"`
	Tty         bool   `json:"tty"`
	Stdin       bool   `json:"stdin"`  // keep stdin open (-i)
	Attach      bool   `json:"attach"` // descriptors 4-7 are connected
	Rows        uint16 `json:"rows,omitempty"`
	Cols        uint16 `json:"cols,omitempty"`
	// VolatileState: the container goes when it exits (--rm), so its
	// state is written without waiting for the disk.
	VolatileState bool `json:"volatileState,omitempty"`
	// Diagnostics is where the supervisor's own stderr goes: a run
	// supervisor may start before the file's directory exists (Spawn), so
	// it opens the file itself.
	Diagnostics string `json:"diagnostics,omitempty"`
	// RootlessCgroups: cgroups may be unusable; failures to use them are
	// not errors.
	RootlessCgroups bool `json:"rootlessCgroups"`
	// SystemdCgroup: the spec's cgroupsPath is a systemd scope
	// ("slice:prefix:name") for libcontainer's systemd driver to make
	// through the systemd manager (the user's, with RootlessCgroups).
	SystemdCgroup bool `json:"systemdCgroup,omitempty"`
	// SupervisorScope: the supervisor moves itself into a scope of the
	// user manager's own (with SystemdCgroup, when no unit runs skiff).
	SupervisorScope bool `json:"supervisorScope,omitempty"`
	// Cleanup is run (exec'd) after the container exits, for --rm.
	Cleanup []string `json:"cleanup,omitempty"`
	// EndsWithCaller: the monitor kills the container when the attached
	// caller's end of the control pipe hangs up.
	EndsWithCaller bool `json:"endsWithCaller,omitempty"`
	// Restart, when set, is the container's restart policy, which its
	// monitor carries out when it exits.
	Restart *RestartLaunch `json:"restart,omitempty"`
	// UsernsRegistry, when set, is where the supervisor registers as a
	// holder of its user namespace (rootless).
	UsernsRegistry string `json:"usernsRegistry,omitempty"`
	// Journal, when set, sends the container's output to systemd-journald,
	// each line with these fields.
	Journal []journal.Field `json:"journal,omitempty"`
	// Passthrough gives the container descriptors 4-6, the caller's own
	// streams, instead of pipes the monitor copies.
	Passthrough bool `json:"passthrough,omitempty"`
	// NotifySocket, when set, is told READY (and the supervisor's pid as
	// MAINPID) once the container runs: systemd's $NOTIFY_SOCKET.
	NotifySocket string `json:"notifySocket,omitempty"`
	// NotifyDir, when set (--sdnotify=container), is the directory
	// mounted into the container where the supervisor makes the socket
	// the container's program notifies. NotifySocket is then told only
	// MAINPID at the start; READY comes from the container, relayed.
	NotifyDir string `json:"notifyDir,omitempty"`
	// Warnings are passed on in the Result.
	Warnings []string `json:"warnings,omitempty"`
	// Network, when set, asks the supervisor to prepare the container's
	// network namespace itself before the container joins it.
	Network *NetworkLaunch `json:"network,omitempty"`
}

// RestartLaunch is a restart policy to carry out.
type RestartLaunch struct {
	Policy restart.Policy `json:"policy"`
	// Count and Delay are this start's, when the policy made it.
	Count int           `json:"count,omitempty"`
	Delay time.Duration `json:"delay,omitempty"`
	// Command starts the container again, with "--policy-restart
	// COUNT:DELAY ID" appended.
	Command []string `json:"command"`
	// Marker exists when its user stopped the container.
	Marker string `json:"marker"`
}

// NetworkLaunch is a private network for the container to start in.
type NetworkLaunch struct {
	// Slirp gives it outbound access through slirp4netns.
	Slirp bool `json:"slirp"`
	// AllowHostLoopback lets slirp4netns pass connections to 10.0.2.2 to
	// the host's loopback.
	AllowHostLoopback bool `json:"allowHostLoopback,omitempty"`
	// PortsToLoopback forwards the ports to 127.0.0.1 in the container
	// rather than to its address (port_handler=loopback).
	PortsToLoopback bool `json:"portsToLoopback,omitempty"`
	// Ports to publish, host ports chosen.
	Ports []network.Port `json:"ports,omitempty"`
	// Attach are the user-defined networks to join.
	Attach []NetAttach `json:"attach,omitempty"`
	// Root is the directory of the networks' run-time directories; the
	// container leaves them when it exits.
	Root string `json:"root,omitempty"`
	// Who the container is on its networks.
	Name, Hostname, Hosts string
}

// NetAttach is one user-defined network to join.
type NetAttach struct {
	Network string   `json:"network"`
	Subnet  string   `json:"subnet"`
	Gateway string   `json:"gateway"`
	Dir     string   `json:"dir"`
	IP      string   `json:"ip,omitempty"`
	Iface   string   `json:"iface"`
	Aliases []string `json:"aliases,omitempty"`
}

// Exec describes a process to run in a running container.
type Exec struct {
	ID          string   `json:"id"`
	RuntimeRoot string   `json:"runtimeRoot"`
	Args        []string `json:"args"`
	Env         []string `json:"env"`
	Cwd         string   `json:"cwd"`
	UID         uint32   `json:"uid"`
	GID         uint32   `json:"gid"`
	AddGroups   []uint32 `json:"addGroups,omitempty"`
	Tty         bool     `json:"tty"`
	Stdin       bool     `json:"stdin"`
	Attach      bool     `json:"attach"`
	Rows        uint16   `json:"rows,omitempty"`
	Cols        uint16   `json:"cols,omitempty"`
	// Caps, NoNewPrivileges and Rlimits follow the container's.
	Caps            []string            `json:"caps,omitempty"`
	NoNewPrivileges bool                `json:"noNewPrivileges"`
	Rlimits         []specs.POSIXRlimit `json:"rlimits,omitempty"`
}

// Result is the supervisor's report on the start.
type Result struct {
	Pid      int    `json:"pid,omitempty"`
	Error    string `json:"error,omitempty"`
	ExitCode int    `json:"exitCode,omitempty"` // 125, 126 or 127 with Error
	// Warnings are for the user: what the container runs without.
	Warnings []string `json:"warnings,omitempty"`
}

// WriteJSON writes v to path (0600).
func WriteJSON(path string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o600)
}

// ReadJSON reads path into v.
func ReadJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}
