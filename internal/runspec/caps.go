package runspec

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// capBits are the capabilities' numbers, for reading the masks of
// /proc/PID/status.
var capBits = map[string]int{
	"CAP_AUDIT_CONTROL": unix.CAP_AUDIT_CONTROL, "CAP_AUDIT_READ": unix.CAP_AUDIT_READ, "CAP_AUDIT_WRITE": unix.CAP_AUDIT_WRITE,
	"CAP_BLOCK_SUSPEND": unix.CAP_BLOCK_SUSPEND, "CAP_BPF": unix.CAP_BPF, "CAP_CHECKPOINT_RESTORE": unix.CAP_CHECKPOINT_RESTORE,
	"CAP_CHOWN": unix.CAP_CHOWN, "CAP_DAC_OVERRIDE": unix.CAP_DAC_OVERRIDE, "CAP_DAC_READ_SEARCH": unix.CAP_DAC_READ_SEARCH,
	"CAP_FOWNER": unix.CAP_FOWNER, "CAP_FSETID": unix.CAP_FSETID, "CAP_IPC_LOCK": unix.CAP_IPC_LOCK, "CAP_IPC_OWNER": unix.CAP_IPC_OWNER,
	"CAP_KILL": unix.CAP_KILL, "CAP_LEASE": unix.CAP_LEASE, "CAP_LINUX_IMMUTABLE": unix.CAP_LINUX_IMMUTABLE,
	"CAP_MAC_ADMIN": unix.CAP_MAC_ADMIN, "CAP_MAC_OVERRIDE": unix.CAP_MAC_OVERRIDE, "CAP_MKNOD": unix.CAP_MKNOD,
	"CAP_NET_ADMIN": unix.CAP_NET_ADMIN, "CAP_NET_BIND_SERVICE": unix.CAP_NET_BIND_SERVICE, "CAP_NET_BROADCAST": unix.CAP_NET_BROADCAST,
	"CAP_NET_RAW": unix.CAP_NET_RAW, "CAP_PERFMON": unix.CAP_PERFMON, "CAP_SETFCAP": unix.CAP_SETFCAP, "CAP_SETGID": unix.CAP_SETGID,
	"CAP_SETPCAP": unix.CAP_SETPCAP, "CAP_SETUID": unix.CAP_SETUID, "CAP_SYSLOG": unix.CAP_SYSLOG, "CAP_SYS_ADMIN": unix.CAP_SYS_ADMIN,
	"CAP_SYS_BOOT": unix.CAP_SYS_BOOT, "CAP_SYS_CHROOT": unix.CAP_SYS_CHROOT, "CAP_SYS_MODULE": unix.CAP_SYS_MODULE,
	"CAP_SYS_NICE": unix.CAP_SYS_NICE, "CAP_SYS_PACCT": unix.CAP_SYS_PACCT, "CAP_SYS_PTRACE": unix.CAP_SYS_PTRACE,
	"CAP_SYS_RAWIO": unix.CAP_SYS_RAWIO, "CAP_SYS_RESOURCE": unix.CAP_SYS_RESOURCE, "CAP_SYS_TIME": unix.CAP_SYS_TIME,
	"CAP_SYS_TTY_CONFIG": unix.CAP_SYS_TTY_CONFIG, "CAP_WAKE_ALARM": unix.CAP_WAKE_ALARM,
}

// CallerCaps are the capabilities of the calling process.
type CallerCaps struct {
	// Bounding limits what any process the caller starts can ever
	// have: a container gets no capability outside it.
	Bounding []string
}

// ReadCallerCaps reads the caller's capabilities. Rootless, inside
// skiff's user namespace, they are that namespace's (full there).
func ReadCallerCaps() (CallerCaps, error) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return CallerCaps{}, fmt.Errorf("read the caller's capabilities: %w", err)
	}
	return parseStatusCaps(string(data))
}

func parseStatusCaps(status string) (CallerCaps, error) {
	for _, l := range strings.Split(status, "\n") {
		val, ok := strings.CutPrefix(l, "CapBnd:")
		if !ok {
			continue
		}
		mask, err := strconv.ParseUint(strings.TrimSpace(val), 16, 64)
		if err != nil {
			return CallerCaps{}, fmt.Errorf("read the caller's capabilities: CapBnd %q: %w", strings.TrimSpace(val), err)
		}
		return CallerCaps{Bounding: capsIn(mask)}, nil
	}
	return CallerCaps{}, fmt.Errorf("read the caller's capabilities: /proc/self/status has no CapBnd")
}

// capsIn are the known capabilities whose bits are set in mask, sorted.
func capsIn(mask uint64) []string {
	var out []string
	for _, c := range AllCaps {
		if mask&(1<<capBits[c]) != 0 {
			out = append(out, c)
		}
	}
	return out
}

// Within keeps the capabilities of caps that are in bounding: the
// kernel refuses to give a process any other. A nil bounding keeps all.
func Within(caps, bounding []string) []string {
	if bounding == nil {
		return caps
	}
	out := make([]string, 0, len(caps))
	for _, c := range caps {
		if slices.Contains(bounding, c) {
			out = append(out, c)
		}
	}
	return out
}

// Unavailable are the capabilities capAdd names one by one (not ALL)
// that are outside bounding, normalized: a container asked for them but
// runs without them. Unknown names are left to Caps to refuse.
func Unavailable(capAdd, bounding []string) []string {
	if bounding == nil {
		return nil
	}
	var out []string
	for _, c := range capAdd {
		n, err := NormalizeCap(c)
		if err != nil || n == "ALL" || slices.Contains(bounding, n) || slices.Contains(out, n) {
			continue
		}
		out = append(out, n)
	}
	return out
}
