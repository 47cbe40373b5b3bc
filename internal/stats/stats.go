// Package stats measures a running container: CPU time, memory, processes,
// block and network I/O. It reads the container's cgroup where it has one
// of its own and otherwise sums what /proc says of the container's
// processes, so it also works rootless on hosts that give users no
// cgroups.
package stats

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/skiff-containers/skiff/internal/cgroup"
)

// Snapshot is one reading.
type Snapshot struct {
	At       time.Time
	CPU      time.Duration // CPU time used so far
	Memory   uint64        // bytes in use
	Limit    uint64        // bytes allowed (the host's memory if unlimited)
	PIDs     int
	NetRx    uint64
	NetTx    uint64
	BlockIn  uint64
	BlockOut uint64
}

// clockTicks is USER_HZ, which /proc/PID/stat counts in; it is 100 on
// every Linux architecture Go supports.
const clockTicks = 100

// Read takes a reading of the container id whose first process is pid.
func (t Tree) Read(id string, pid int) (Snapshot, error) {
	s := Snapshot{At: time.Now()}
	pids := t.Descendants(pid)
	if len(pids) == 0 {
		return s, os.ErrNotExist
	}
	s.PIDs = len(pids)
	var rss uint64
	for p := range pids {
		dir := "/proc/" + strconv.Itoa(p)
		if data, err := os.ReadFile(dir + "/stat"); err == nil {
			f := statFields(data)
			if len(f) > 22 {
				ut, _ := strconv.ParseUint(f[11], 10, 64)
				st, _ := strconv.ParseUint(f[12], 10, 64)
				s.CPU += time.Duration(ut+st) * time.Second / clockTicks
				pages, _ := strconv.ParseUint(f[21], 10, 64)
				rss += pages * uint64(os.Getpagesize())
			}
		}
		if data, err := os.ReadFile(dir + "/io"); err == nil {
			for _, l := range strings.Split(string(data), "\n") {
				k, v, _ := strings.Cut(l, ": ")
				n, _ := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
				switch k {
				case "read_bytes":
					s.BlockIn += n
				case "write_bytes":
					s.BlockOut += n
				}
			}
		}
	}
	s.Memory = rss
	s.Limit = hostMemory()
	s.NetRx, s.NetTx = netDev(pid)
	if cg := memoryCgroup(pid, id); cg != "" {
		if v, ok := readUint(cg, "memory.current", "memory.usage_in_bytes"); ok {
			s.Memory = v
		}
		if v, ok := readUint(cg, "memory.max", "memory.limit_in_bytes"); ok && v < s.Limit {
			s.Limit = v
		}
	}
	return s, nil
}

// statFields splits /proc/PID/stat after the command, which may hold
// spaces and parentheses; index 0 is the state (field 3).
func statFields(data []byte) []string {
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(string(data[i+1:]))
}

// Tree is the host's processes by parent, read once from /proc for every
// container a reading covers.
type Tree map[int][]int

// ReadTree lists every process's children.
func ReadTree() Tree {
	children := Tree{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		if f := statFields(data); len(f) > 1 {
			if ppid, err := strconv.Atoi(f[1]); err == nil {
				children[ppid] = append(children[ppid], p)
			}
		}
	}
	return children
}

// Descendants is pid and every process below it.
func (t Tree) Descendants(pid int) map[int]bool {
	if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err != nil {
		return nil
	}
	out := map[int]bool{pid: true}
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range t[p] {
			if !out[c] {
				out[c] = true
				queue = append(queue, c)
			}
		}
	}
	return out
}

// netDev sums the container's interfaces other than loopback, as its
// first process sees them.
func netDev(pid int) (rx, tx uint64) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/net/dev")
	if err != nil {
		return 0, 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		name, rest, ok := strings.Cut(l, ":")
		if !ok || strings.TrimSpace(name) == "lo" {
			continue
		}
		f := strings.Fields(rest)
		if len(f) < 9 {
			continue
		}
		r, _ := strconv.ParseUint(f[0], 10, 64)
		t, _ := strconv.ParseUint(f[8], 10, 64)
		rx, tx = rx+r, tx+t
	}
	return rx, tx
}

// memoryCgroup is the container's memory cgroup directory, if it has one
// of its own (cgroup.Own) that can be read (v2, or v1's memory
// hierarchy).
func memoryCgroup(pid int, id string) string {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.SplitN(l, ":", 3)
		if len(f) != 3 || !cgroup.Own(f[2], id) {
			continue
		}
		var dir string
		switch {
		case f[0] == "0" && f[1] == "":
			dir = filepath.Join(cgroup.Mountpoint, f[2])
		case strings.Contains(","+f[1]+",", ",memory,"):
			dir = filepath.Join(cgroup.Mountpoint, "memory", f[2])
		default:
			continue
		}
		if _, ok := readUint(dir, "memory.current", "memory.usage_in_bytes"); ok {
			return dir
		}
	}
	return ""
}

func readUint(dir string, names ...string) (uint64, bool) {
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			continue
		}
		v, err := strconv.ParseUint(strings.TrimSpace(string(data)), 10, 64)
		if err != nil {
			return 0, false // "max": no limit
		}
		return v, true
	}
	return 0, false
}

func hostMemory() uint64 {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "MemTotal:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// CPUPercent is the CPU used between two readings, as a percentage of one
// CPU (Docker's convention: 200% is two CPUs busy).
func CPUPercent(prev, cur Snapshot) float64 {
	wall := cur.At.Sub(prev.At)
	if wall <= 0 || cur.CPU < prev.CPU {
		return 0
	}
	return float64(cur.CPU-prev.CPU) / float64(wall) * 100
}
