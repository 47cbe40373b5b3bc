package monitor

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// oomWatch follows the OOM kills of a container's cgroup v2 memory cgroup
// while it runs, for when that cgroup is gone by the time the container
// is reaped: systemd removes a scope as soon as it is empty, usually
// before the monitor can read the scope's memory.events.
//
// The kernel counts an OOM kill in the cgroup first and then in each of
// its ancestors. So the watch keeps the parent's count as of the last time
// the container's own count read 0 (the supervisor's OOMBase, taken
// before the container's program ran, to begin with: a container can die
// before the monitor starts); once the container's cgroup is gone, a
// parent's count grown since then, with the container dead of SIGKILL as
// the OOM killer's victims are, is the container's kill. Re-reading at
// every memory event of either cgroup keeps a sibling's kill out of it
// but for one that lands in the instant before the container's end.
type oomWatch struct {
	dir, parent string
	events      *os.File // inotify: either memory.events changed

	mu   sync.Mutex
	seen bool   // the container's own count was above 0
	base uint64 // the parent's count when the container's read 0
	has  bool   // base is known
}

// OOMBase is, for the cgroup v2 memory cgroup among a new container's
// cgroups, the OOM kill count of its parent while its own is 0: the
// supervisor takes it before the container's program runs. nil when there
// is no such cgroup.
func OOMBase(cgroups []string) *uint64 {
	dir := memoryV2(cgroups)
	if dir == "" {
		return nil
	}
	p, pok := oomKills(filepath.Dir(dir))
	if n, ok := oomKills(dir); ok && n == 0 && pok {
		return &p
	}
	return nil
}

// memoryV2 is the cgroup v2 memory cgroup among cgroups, or "".
func memoryV2(cgroups []string) string {
	for _, d := range cgroups {
		if _, err := os.Stat(filepath.Join(d, "memory.events")); err == nil {
			return d
		}
	}
	return ""
}

// watchOOM starts watching the cgroup v2 memory cgroup among cgroups,
// whose parent's count was base; nil when there is none (cgroup v1, no
// memory controller).
func watchOOM(cgroups []string, base *uint64) *oomWatch {
	dir := memoryV2(cgroups)
	if dir == "" && base != nil && len(cgroups) == 1 {
		// Gone already (v2 has the one cgroup): the container died and
		// systemd removed its scope before the monitor started.
		dir = cgroups[0]
	}
	if dir == "" {
		return nil
	}
	w := &oomWatch{dir: dir, parent: filepath.Dir(dir)}
	if base != nil {
		w.base, w.has = *base, true
	}
	if fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK); err == nil {
		for _, d := range []string{dir, w.parent} {
			_, _ = unix.InotifyAddWatch(fd, filepath.Join(d, "memory.events"), unix.IN_MODIFY)
		}
		w.events = os.NewFile(uintptr(fd), "inotify")
	}
	w.update()
	if w.events != nil {
		go w.follow()
	}
	return w
}

func (w *oomWatch) follow() {
	buf := make([]byte, 4096)
	for {
		if _, err := w.events.Read(buf); err != nil {
			return
		}
		w.update()
	}
}

// update reads the parent's count before the container's: a kill the
// parent's count has, the container's has too.
func (w *oomWatch) update() {
	p, pok := oomKills(w.parent)
	n, ok := oomKills(w.dir)
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case !ok:
	case n > 0:
		w.seen = true
	case pok:
		w.base, w.has = p, true
	}
}

// killed reports whether the OOM killer killed a process of the
// container, which exited with code; it ends the watch.
func (w *oomWatch) killed(code int) bool {
	if w == nil {
		return false
	}
	if w.events != nil {
		w.events.Close()
	}
	if n, ok := oomKills(w.dir); ok {
		return n > 0
	}
	p, pok := oomKills(w.parent)
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seen || code == 128+int(unix.SIGKILL) && w.has && pok && p > w.base
}

// oomKills is the oom_kill count of a memory cgroup: in cgroup v2's
// memory.events, or v1's memory.oom_control. ok is false when it cannot
// be read.
func oomKills(dir string) (n uint64, ok bool) {
	for _, name := range []string{"memory.events", "memory.oom_control"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			if v, found := strings.CutPrefix(line, "oom_kill "); found {
				n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
				return n, err == nil
			}
		}
	}
	return 0, false
}
