// Package resources is a container's resource limits: Docker's flags
// parsed Docker's way (--memory 64m, --cpus 1.5), turned into the OCI
// spec's cgroup settings, and the rules for where they can apply.
package resources

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/docker/go-units"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Limits are the limits a container asks for; zero values are unset.
type Limits struct {
	Memory            int64   `json:"memory,omitempty"`            // bytes
	MemoryReservation int64   `json:"memoryReservation,omitempty"` // bytes
	MemorySwap        int64   `json:"memorySwap,omitempty"`        // memory+swap bytes; -1 unlimited
	CPUs              float64 `json:"cpus,omitempty"`
	CPUShares         int64   `json:"cpuShares,omitempty"`
	CpusetCpus        string  `json:"cpusetCpus,omitempty"`
	CpusetMems        string  `json:"cpusetMems,omitempty"`
	PidsLimit         int64   `json:"pidsLimit,omitempty"` // -1 unlimited
	BlkioWeight       uint16  `json:"blkioWeight,omitempty"`
	DeviceReadBps     []Rate  `json:"deviceReadBps,omitempty"`
	DeviceWriteBps    []Rate  `json:"deviceWriteBps,omitempty"`
	// CgroupConf are raw cgroup v2 settings, file name to value
	// (podman's --cgroup-conf), such as memory.high.
	CgroupConf map[string]string `json:"cgroupConf,omitempty"`
}

// Rate is a per-device byte rate.
type Rate struct {
	Path string `json:"path"`
	Rate uint64 `json:"rate"`
}

// Flags are the command-line values, before parsing.
type Flags struct {
	Memory, MemoryReservation, MemorySwap, CPUs, CPUShares, CpusetCpus, CpusetMems, PidsLimit, BlkioWeight string
	DeviceReadBps, DeviceWriteBps, CgroupConf                                                              []string
}

// Parse reads the flags as Docker does. The error names the flag and
// what a valid value looks like.
func Parse(f Flags) (Limits, error) {
	l, err := parseEach(f)
	if err != nil {
		return l, err
	}
	return l, l.check()
}

// check holds the rules between flags, for a whole set of limits: the
// parsed flags of run, or the kept limits with update's over them.
func (l Limits) check() error {
	if l.MemorySwap > 0 {
		if l.Memory == 0 {
			return fmt.Errorf("--memory-swap needs --memory")
		}
		if l.MemorySwap < l.Memory {
			return fmt.Errorf("invalid --memory-swap %s: it counts memory and swap together, so it must be at least --memory (%s)", units.BytesSize(float64(l.MemorySwap)), units.BytesSize(float64(l.Memory)))
		}
	}
	if l.Memory > 0 && l.MemoryReservation > l.Memory {
		return fmt.Errorf("invalid --memory-reservation %s: it must not exceed --memory (%s)", units.BytesSize(float64(l.MemoryReservation)), units.BytesSize(float64(l.Memory)))
	}
	return nil
}

// CheckValues checks each flag's value on its own, as `update` does before
// it changes anything.
func CheckValues(f Flags) error {
	_, err := parseEach(f)
	return err
}

// parseEach reads each flag on its own.
func parseEach(f Flags) (Limits, error) {
	var l Limits
	var err error
	// A size of 0 is no limit, as in Docker.
	size := func(flag, v string, allowUnlimited bool) (int64, error) {
		if v == "" {
			return 0, nil
		}
		if allowUnlimited && v == "-1" {
			return -1, nil
		}
		n, err := units.RAMInBytes(v)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("invalid %s %q: use a size such as 64m or 1g (0: no limit)", flag, v)
		}
		return n, nil
	}
	if l.Memory, err = size("--memory", f.Memory, false); err != nil {
		return l, err
	}
	if l.Memory > 0 && l.Memory < 6<<20 {
		return l, fmt.Errorf("invalid --memory %q: the minimum is 6m", f.Memory)
	}
	if l.MemoryReservation, err = size("--memory-reservation", f.MemoryReservation, false); err != nil {
		return l, err
	}
	if l.MemorySwap, err = size("--memory-swap", f.MemorySwap, true); err != nil {
		return l, err
	}
	if f.CPUs != "" {
		c, err := strconv.ParseFloat(f.CPUs, 64)
		if err != nil || c < 0 || math.IsInf(c, 0) || math.IsNaN(c) {
			return l, fmt.Errorf("invalid --cpus %q: use a number such as 0.5 or 2 (0: no limit)", f.CPUs)
		}
		l.CPUs = c
	}
	if f.CPUShares != "" {
		n, err := strconv.ParseInt(f.CPUShares, 10, 64)
		if err != nil || (n != 0 && (n < 2 || n > 262144)) {
			return l, fmt.Errorf("invalid --cpu-shares %q: use a number from 2 to 262144 (0 or 1024: the default weight)", f.CPUShares)
		}
		l.CPUShares = n
	}
	for flag, v := range map[string]string{"--cpuset-cpus": f.CpusetCpus, "--cpuset-mems": f.CpusetMems} {
		if v != "" && !validCpuset(v) {
			return l, fmt.Errorf("invalid %s %q: use a list such as 0-2,4", flag, v)
		}
	}
	l.CpusetCpus, l.CpusetMems = f.CpusetCpus, f.CpusetMems
	if f.PidsLimit != "" {
		n, err := strconv.ParseInt(f.PidsLimit, 10, 64)
		// 0 and -1 are no limit, as in Docker; 0 is kept as unset.
		if err != nil || n < -1 {
			return l, fmt.Errorf("invalid --pids-limit %q: use a positive number, or 0 or -1 for no limit", f.PidsLimit)
		}
		l.PidsLimit = n
	}
	if f.BlkioWeight != "" {
		n, err := strconv.ParseUint(f.BlkioWeight, 10, 16)
		if err != nil || (n != 0 && (n < 10 || n > 1000)) {
			return l, fmt.Errorf("invalid --blkio-weight %q: use a number from 10 to 1000 (0: the default weight)", f.BlkioWeight)
		}
		l.BlkioWeight = uint16(n)
	}
	if l.DeviceReadBps, err = parseRates("--device-read-bps", f.DeviceReadBps); err != nil {
		return l, err
	}
	if l.DeviceWriteBps, err = parseRates("--device-write-bps", f.DeviceWriteBps); err != nil {
		return l, err
	}
	if l.CgroupConf, err = parseCgroupConf(f.CgroupConf); err != nil {
		return l, err
	}
	return l, nil
}

// cgroupFile is a cgroup v2 interface file a container may set: a
// controller's, not the core's (cgroup.procs and the like are skiff's).
var cgroupFile = regexp.MustCompile(`^[a-z]+\.[A-Za-z0-9_.]+$`)

func parseCgroupConf(vals []string) (map[string]string, error) {
	if len(vals) == 0 {
		return nil, nil
	}
	m := map[string]string{}
	for _, v := range vals {
		k, val, ok := strings.Cut(v, "=")
		if !ok || !cgroupFile.MatchString(k) || strings.HasPrefix(k, "cgroup.") || strings.TrimSpace(val) == "" || strings.ContainsAny(val, "\n") {
			return nil, fmt.Errorf("invalid --cgroup-conf %q: use FILE=VALUE with a controller's cgroup v2 file, such as memory.high=50331648", v)
		}
		m[k] = val
	}
	return m, nil
}

func validCpuset(s string) bool {
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseUint(lo, 10, 16)
		if err != nil {
			return false
		}
		if isRange {
			b, err := strconv.ParseUint(hi, 10, 16)
			if err != nil || b < a {
				return false
			}
		}
	}
	return true
}

func parseRates(flag string, vals []string) ([]Rate, error) {
	var out []Rate
	for _, v := range vals {
		path, rate, ok := strings.Cut(v, ":")
		if !ok || !strings.HasPrefix(path, "/dev/") {
			return nil, fmt.Errorf("invalid %s %q: use DEVICE:RATE, such as /dev/sda:10mb", flag, v)
		}
		n, err := units.RAMInBytes(rate)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("invalid %s %q: the rate must be a size per second, such as 10mb", flag, v)
		}
		out = append(out, Rate{Path: path, Rate: uint64(n)})
	}
	return out, nil
}

// Set reports whether any limit is set.
func (l Limits) Set() bool { return len(l.Names()) > 0 }

// Names are the flags of the limits that are set, for messages.
func (l Limits) Names() []string {
	var n []string
	for _, f := range fields {
		if f.set(l) {
			n = append(n, f.flag)
		}
	}
	return n
}

// Without drops the limits whose cgroup controller is not among those
// available, and names them. A nil set has every controller.
func (l Limits) Without(available map[string]bool) (Limits, []string) {
	if available == nil {
		return l, nil
	}
	var dropped []string
	for _, f := range fields {
		if f.set(l) && !available[f.controller] {
			f.clear(&l)
			dropped = append(dropped, f.flag)
		}
	}
	return l, dropped
}

// field ties a limit's flag to the cgroup v2 controller that enforces it.
type field struct {
	flag, controller string
	set              func(Limits) bool
	clear            func(*Limits)
}

var fields = []field{
	{"--memory", "memory", func(l Limits) bool { return l.Memory != 0 }, func(l *Limits) { l.Memory = 0 }},
	{"--memory-reservation", "memory", func(l Limits) bool { return l.MemoryReservation != 0 }, func(l *Limits) { l.MemoryReservation = 0 }},
	{"--memory-swap", "memory", func(l Limits) bool { return l.MemorySwap != 0 }, func(l *Limits) { l.MemorySwap = 0 }},
	{"--cpus", "cpu", func(l Limits) bool { return l.CPUs != 0 }, func(l *Limits) { l.CPUs = 0 }},
	{"--cpu-shares", "cpu", func(l Limits) bool { return l.CPUShares != 0 }, func(l *Limits) { l.CPUShares = 0 }},
	{"--cpuset-cpus", "cpuset", func(l Limits) bool { return l.CpusetCpus != "" }, func(l *Limits) { l.CpusetCpus = "" }},
	{"--cpuset-mems", "cpuset", func(l Limits) bool { return l.CpusetMems != "" }, func(l *Limits) { l.CpusetMems = "" }},
	{"--pids-limit", "pids", func(l Limits) bool { return l.PidsLimit != 0 }, func(l *Limits) { l.PidsLimit = 0 }},
	{"--blkio-weight", "io", func(l Limits) bool { return l.BlkioWeight != 0 }, func(l *Limits) { l.BlkioWeight = 0 }},
	{"--device-read-bps", "io", func(l Limits) bool { return len(l.DeviceReadBps) > 0 }, func(l *Limits) { l.DeviceReadBps = nil }},
	{"--device-write-bps", "io", func(l Limits) bool { return len(l.DeviceWriteBps) > 0 }, func(l *Limits) { l.DeviceWriteBps = nil }},
	// Raw settings need cgroup v2 itself; a missing controller's file
	// fails the start with the kernel's word.
	{"--cgroup-conf", Unified, func(l Limits) bool { return len(l.CgroupConf) > 0 }, func(l *Limits) { l.CgroupConf = nil }},
}

// Unified is the pseudo-controller of a cgroup v2 cgroup: raw settings
// need it.
const Unified = "cgroup2"

// Spec is the limits as the OCI spec's cgroup resources. Devices are
// resolved to their numbers here, on the host.
func (l Limits) Spec() (*specs.LinuxResources, error) {
	r := &specs.LinuxResources{Unified: l.CgroupConf}
	if l.Memory != 0 || l.MemoryReservation != 0 || l.MemorySwap != 0 {
		m := &specs.LinuxMemory{}
		if l.Memory != 0 {
			m.Limit = &l.Memory
			// Docker: without --memory-swap, as much swap as memory.
			swap := l.MemorySwap
			if swap == 0 {
				swap = 2 * l.Memory
			}
			m.Swap = &swap
		}
		if l.MemoryReservation != 0 {
			m.Reservation = &l.MemoryReservation
		}
		r.Memory = m
	}
	if l.CPUs != 0 || l.CPUShares != 0 || l.CpusetCpus != "" || l.CpusetMems != "" {
		c := &specs.LinuxCPU{Cpus: l.CpusetCpus, Mems: l.CpusetMems}
		if l.CPUs != 0 {
			period := uint64(100000)
			quota := int64(l.CPUs * float64(period))
			c.Period, c.Quota = &period, &quota
		}
		if l.CPUShares != 0 {
			shares := uint64(l.CPUShares)
			c.Shares = &shares
		}
		r.CPU = c
	}
	if l.PidsLimit != 0 {
		p := l.PidsLimit
		r.Pids = &specs.LinuxPids{Limit: &p}
	}
	if l.BlkioWeight != 0 || len(l.DeviceReadBps) > 0 || len(l.DeviceWriteBps) > 0 {
		b := &specs.LinuxBlockIO{}
		if l.BlkioWeight != 0 {
			w := l.BlkioWeight
			b.Weight = &w
		}
		for _, set := range []struct {
			rates []Rate
			out   *[]specs.LinuxThrottleDevice
		}{{l.DeviceReadBps, &b.ThrottleReadBpsDevice}, {l.DeviceWriteBps, &b.ThrottleWriteBpsDevice}} {
			for _, rt := range set.rates {
				major, minor, err := deviceNumber(rt.Path)
				if err != nil {
					return nil, err
				}
				td := specs.LinuxThrottleDevice{Rate: rt.Rate}
				td.Major, td.Minor = major, minor
				*set.out = append(*set.out, td)
			}
		}
		r.BlockIO = b
	}
	return r, nil
}

// deviceNumber is a device's major and minor number, taken as Docker
// takes them: from a character device too (such as /dev/zero), whose
// numbers the kernel throttles if a block device has them.
func deviceNumber(path string) (int64, int64, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, 0, fmt.Errorf("device %s: %w", path, err)
	}
	if t := st.Mode & unix.S_IFMT; t != unix.S_IFBLK && t != unix.S_IFCHR {
		return 0, 0, fmt.Errorf("%s is not a device", path)
	}
	return int64(unix.Major(uint64(st.Rdev))), int64(unix.Minor(uint64(st.Rdev))), nil
}

// sysBlock is where the kernel lists its block devices by number.
var sysBlock = "/sys/dev/block"

// WithoutUnknownDevices drops the device rates whose numbers name no block
// device of the kernel's (it refuses to throttle those: a character
// device's numbers rarely are a block device's), and names them with
// why. Where the kernel's list cannot be read, every rate is kept for the
// kernel to judge; a device that is missing or no device is kept for
// Spec to refuse.
func (l Limits) WithoutUnknownDevices() (Limits, []string) {
	if _, err := os.Stat(sysBlock); err != nil {
		return l, nil
	}
	var dropped []string
	keep := func(flag string, rates []Rate) []Rate {
		var out []Rate
		for _, r := range rates {
			major, minor, err := deviceNumber(r.Path)
			if err == nil {
				if _, err := os.Stat(filepath.Join(sysBlock, fmt.Sprintf("%d:%d", major, minor))); errors.Is(err, os.ErrNotExist) {
					dropped = append(dropped, fmt.Sprintf("%s %s (%d:%d)", flag, r.Path, major, minor))
					continue
				}
			}
			out = append(out, r)
		}
		return out
	}
	l.DeviceReadBps = keep("--device-read-bps", l.DeviceReadBps)
	l.DeviceWriteBps = keep("--device-write-bps", l.DeviceWriteBps)
	return l, dropped
}
