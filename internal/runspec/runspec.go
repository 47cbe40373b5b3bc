// Package runspec builds the OCI runtime spec of a container from its image
// config and the run options, with Docker's defaults: capabilities, masked
// and read-only /proc and /sys paths, the standard /dev, and the default
// seccomp profile.
package runspec

import (
	"fmt"
	"path"
	"slices"
	"strings"

	seccompprofile "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// DefaultCaps is Docker's default capability set.
var DefaultCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// maskedPaths and readonlyPaths are Docker's.
var maskedPaths = []string{
	"/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
	"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
	"/sys/firmware", "/sys/devices/virtual/powercap",
}

var readonlyPaths = []string{
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
}

// Mount is a bind mount or tmpfs requested on the command line.
type Mount struct {
	Source      string // host path; empty for tmpfs
	Destination string
	ReadOnly    bool
	Tmpfs       bool
	Options     []string // extra mount options (tmpfs size=, mode=...)
}

// Options are the parts of a container's definition that shape its spec.
type Options struct {
	Args       []string // process argv, resolved from entrypoint and cmd
	Env        []string
	Cwd        string
	UID, GID   uint32
	AddGroups  []uint32
	Hostname   string
	Domainname string
	Terminal   bool

	CapAdd, CapDrop []string
	Privileged      bool
	// BoundingCaps are the capabilities the caller can pass on (its
	// bounding set); the container gets none outside them. Nil: all.
	BoundingCaps    []string
	NoNewPrivileges bool
	ReadOnly        bool
	Mounts          []Mount
	// Files bind-mounted over /etc/hosts, /etc/resolv.conf, /etc/hostname.
	EtcFiles map[string]string

	// HostNetwork shares the host's network namespace; otherwise the
	// container gets a private one with loopback only.
	HostNetwork bool
	// NetNSPath joins an existing network namespace (another
	// container's) instead of making one.
	NetNSPath string
	// NetNSOutside: the network namespace is made outside the container
	// (by its supervisor, or another container's), so a user namespace of
	// the container's own does not own it.
	NetNSOutside bool
	// Rootless: inside skiff's user namespace. Some mounts (sysfs of the
	// host's network namespace, cgroupfs) are not allowed there and are
	// bind-mounted instead.
	Rootless bool
	// SingleMapping: only one id is mapped, so mount options naming other
	// ids (devpts gid=5) must be left out.
	SingleMapping bool
	// UserNS gives the container a user namespace of its own with these
	// mappings (skiff as root with --userns).
	UIDMappings, GIDMappings []specs.LinuxIDMapping
	// Rlimits are the process's resource limits (its others are the
	// caller's).
	Rlimits []specs.POSIXRlimit
	// CgroupNS gives the container a cgroup namespace of its own, rooted
	// at its cgroup.
	CgroupNS bool
	// DeviceRules are device cgroup rules added to the defaults.
	DeviceRules []specs.LinuxDeviceCgroup
}

// Build returns the spec. Root.Path is left for the caller: the rootfs is
// mounted only when the container starts.
func Build(o Options) (*specs.Spec, error) {
	caps, err := capabilities(o)
	if err != nil {
		return nil, err
	}
	s := &specs.Spec{
		Version:    specs.Version,
		Root:       &specs.Root{Readonly: o.ReadOnly},
		Hostname:   o.Hostname,
		Domainname: o.Domainname,
		Process: &specs.Process{
			Terminal:        o.Terminal,
			Args:            o.Args,
			Env:             o.Env,
			Cwd:             o.Cwd,
			User:            specs.User{UID: o.UID, GID: o.GID, AdditionalGids: o.AddGroups},
			NoNewPrivileges: o.NoNewPrivileges,
			Rlimits:         o.Rlimits,
			Capabilities: &specs.LinuxCapabilities{
				Bounding: caps, Effective: caps, Permitted: caps,
			},
		},
		Linux: &specs.Linux{
			Namespaces: []specs.LinuxNamespace{
				{Type: specs.PIDNamespace}, {Type: specs.MountNamespace},
				{Type: specs.UTSNamespace}, {Type: specs.IPCNamespace},
			},
			Resources: &specs.LinuxResources{Devices: o.DeviceRules},
		},
	}
	if o.Privileged {
		s.Process.Capabilities.Inheritable = caps
		s.Process.Capabilities.Ambient = nil
	}
	if !o.HostNetwork {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: o.NetNSPath})
	}
	if o.CgroupNS {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.CgroupNamespace})
	}
	if len(o.UIDMappings) > 0 {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
		s.Linux.UIDMappings, s.Linux.GIDMappings = o.UIDMappings, o.GIDMappings
	}
	if !o.Privileged {
		s.Linux.MaskedPaths = slices.Clone(maskedPaths)
		s.Linux.ReadonlyPaths = slices.Clone(readonlyPaths)
	}
	s.Mounts = baseMounts(o)
	for _, m := range o.Mounts {
		s.Mounts = append(s.Mounts, toSpecMount(m))
	}
	for _, dst := range etcFiles {
		if src, ok := o.EtcFiles[dst]; ok && !mountedAt(o.Mounts, dst) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: dst, Type: "bind", Source: src, Options: []string{"rbind", "rprivate", "nosuid", "noexec", "nodev"}})
		}
	}
	if !o.Privileged {
		prof, err := seccompprofile.GetDefaultProfile(s)
		if err != nil {
			return nil, fmt.Errorf("default seccomp profile: %w", err)
		}
		dropDeadArches(prof)
		s.Linux.Seccomp = prof
	}
	return s, nil
}

// etcFiles are the files of Options.EtcFiles a spec mounts, in order.
var etcFiles = []string{"/etc/hostname", "/etc/hosts", "/etc/resolv.conf"}

// MountPoints are the paths every spec mounts over besides the options'
// own mounts (Mounts): the runtime creates them in the root file system
// where the image has none, and a commit leaves them out again.
func MountPoints() []string {
	return append([]string{"/proc", "/dev", "/sys"}, etcFiles...)
}

func mountedAt(ms []Mount, dst string) bool {
	for _, m := range ms {
		if path.Clean(m.Destination) == dst {
			return true
		}
	}
	return false
}

func baseMounts(o Options) []specs.Mount {
	ptsOpts := []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}
	if !o.SingleMapping {
		ptsOpts = append(ptsOpts, "gid=5")
	}
	ms := []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: ptsOpts},
		{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
		{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
	}
	sysRO := "ro"
	if o.Privileged {
		sysRO = "rw"
	}
	// sysfs can only be mounted by the owner of the network namespace;
	// where the container's user namespace does not own it, the host's
	// /sys is bound instead.
	foreignNet := (o.HostNetwork && o.Rootless) || (len(o.UIDMappings) > 0 && (o.HostNetwork || o.NetNSOutside || o.NetNSPath != ""))
	if foreignNet {
		opts := []string{"rbind", "nosuid", "noexec", "nodev", sysRO}
		if !o.Privileged {
			// The host's /sys comes with its submounts (cgroupfs, securityfs,
			// ...), which "ro" alone leaves writable: rro makes the whole
			// tree read-only, as podman does.
			opts = append(opts, "rro")
		}
		ms = append(ms, specs.Mount{Destination: "/sys", Type: "bind", Source: "/sys", Options: opts})
	} else {
		ms = append(ms, specs.Mount{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", sysRO}})
	}
	return ms
}

func toSpecMount(m Mount) specs.Mount {
	if m.Tmpfs {
		opts := append([]string{"nosuid", "nodev"}, m.Options...)
		if !hasPrefix(m.Options, "mode=") {
			opts = append(opts, "mode=1777")
		}
		if m.ReadOnly {
			opts = append(opts, "ro")
		}
		return specs.Mount{Destination: m.Destination, Type: "tmpfs", Source: "tmpfs", Options: opts}
	}
	opts := []string{"rbind", "rprivate"}
	if m.ReadOnly {
		opts = append(opts, "ro")
	} else {
		opts = append(opts, "rw")
	}
	return specs.Mount{Destination: m.Destination, Type: "bind", Source: m.Source, Options: opts}
}

func hasPrefix(opts []string, p string) bool {
	for _, o := range opts {
		if strings.HasPrefix(o, p) {
			return true
		}
	}
	return false
}

// AllCaps lists every capability name skiff knows.
var AllCaps = []string{
	"CAP_AUDIT_CONTROL", "CAP_AUDIT_READ", "CAP_AUDIT_WRITE", "CAP_BLOCK_SUSPEND", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_KILL", "CAP_LEASE", "CAP_LINUX_IMMUTABLE", "CAP_MAC_ADMIN", "CAP_MAC_OVERRIDE", "CAP_MKNOD", "CAP_NET_ADMIN",
	"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_RAW", "CAP_PERFMON", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP",
	"CAP_SETUID", "CAP_SYSLOG", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_CHROOT", "CAP_SYS_MODULE", "CAP_SYS_NICE",
	"CAP_SYS_PACCT", "CAP_SYS_PTRACE", "CAP_SYS_RAWIO", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG",
	"CAP_WAKE_ALARM",
}

// NormalizeCap turns "net_admin", "NET_ADMIN" or "CAP_NET_ADMIN" into
// "CAP_NET_ADMIN"; "ALL" stays "ALL".
func NormalizeCap(c string) (string, error) {
	u := strings.ToUpper(strings.TrimSpace(c))
	if u == "ALL" {
		return u, nil
	}
	if !strings.HasPrefix(u, "CAP_") {
		u = "CAP_" + u
	}
	if !slices.Contains(AllCaps, u) {
		return "", fmt.Errorf("unknown capability %q", c)
	}
	return u, nil
}

// capabilities are the container's: those its options ask for that the
// caller can pass on. --privileged and --cap-add ALL mean every one the
// caller has, as in Docker and podman.
func capabilities(o Options) ([]string, error) {
	caps, err := Caps(o.Privileged, o.CapAdd, o.CapDrop)
	if err != nil {
		return nil, err
	}
	return Within(caps, o.BoundingCaps), nil
}

// Caps is the capability set for the given options.
func Caps(privileged bool, capAdd, capDrop []string) ([]string, error) {
	o := Options{CapAdd: capAdd, CapDrop: capDrop}
	if privileged {
		return slices.Clone(AllCaps), nil
	}
	set := map[string]bool{}
	for _, c := range DefaultCaps {
		set[c] = true
	}
	for _, c := range o.CapDrop {
		n, err := NormalizeCap(c)
		if err != nil {
			return nil, fmt.Errorf("--cap-drop: %w", err)
		}
		if n == "ALL" {
			clear(set)
			continue
		}
		delete(set, n)
	}
	for _, c := range o.CapAdd {
		n, err := NormalizeCap(c)
		if err != nil {
			return nil, fmt.Errorf("--cap-add: %w", err)
		}
		set[n] = true
	}
	if set["ALL"] {
		// As in Docker: every capability but those dropped.
		clear(set)
		for _, a := range AllCaps {
			set[a] = true
		}
		for _, c := range o.CapDrop {
			n, _ := NormalizeCap(c)
			delete(set, n)
		}
	}
	out := make([]string, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	slices.Sort(out)
	return out, nil
}

// Argv applies Docker's rules: --entrypoint replaces the image's entrypoint
// and drops its cmd; arguments after the image replace its cmd.
func Argv(imgEntrypoint, imgCmd []string, entrypoint *string, args []string) ([]string, error) {
	ep := imgEntrypoint
	cmd := imgCmd
	if entrypoint != nil {
		ep = nil
		if *entrypoint != "" {
			ep = []string{*entrypoint}
		}
		cmd = nil
	}
	if len(args) > 0 {
		cmd = args
	}
	argv := append(slices.Clone(ep), cmd...)
	if len(argv) == 0 {
		return nil, fmt.Errorf("no command specified: give one after the image name, or use an image with CMD or ENTRYPOINT")
	}
	return argv, nil
}

// SetEnv sets KEY=VALUE in env, replacing the variable's earlier value.
func SetEnv(env []string, kv string) []string {
	k, _, _ := strings.Cut(kv, "=")
	for i, e := range env {
		if strings.HasPrefix(e, k+"=") {
			env[i] = kv
			return env
		}
	}
	return append(env, kv)
}

// DefaultPath is the PATH a container gets when its image sets none, as
// Docker's.
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
