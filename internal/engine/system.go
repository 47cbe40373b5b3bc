package engine

import (
	"context"
	"os"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/cgroup"
	"github.com/skiff-containers/skiff/internal/report"
	"github.com/skiff-containers/skiff/internal/userns"
)

// Info describes the host and the store as this engine sees them.
func (e *Engine) Info(ctx context.Context) (*report.Info, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	imgs, err := e.images.Images()
	if err != nil {
		return nil, classify(err)
	}
	var uts unix.Utsname
	_ = unix.Uname(&uts)
	uidMap, _ := os.ReadFile("/proc/self/uid_map")
	info := &report.Info{
		Host: report.HostInfo{
			Arch:          runtime.GOARCH,
			OS:            runtime.GOOS,
			Kernel:        unix.ByteSliceToString(uts.Release[:]),
			Rootless:      userns.Rootless(),
			IDMapping:     userns.CurrentMode(),
			UIDMap:        strings.Join(strings.Fields(string(uidMap)), " "),
			CgroupVersion: cgroupVersion(),
			CPUs:          runtime.NumCPU(),
		},
		Store: report.StoreInfo{
			GraphRoot:         e.images.GraphRoot(),
			RunRoot:           e.paths.RunRoot,
			ConfigFile:        e.paths.ConfigFile,
			Driver:            e.images.Driver(),
			DriverStatus:      map[string]string{},
			DriverStatusOrder: e.images.Status(),
			Images:            len(imgs),
		},
	}
	for _, kv := range info.Store.DriverStatusOrder {
		info.Store.DriverStatus[kv[0]] = kv[1]
	}
	return info, nil
}

// cgroupVersion tells v2 (unified), hybrid, or v1 hosts apart.
func cgroupVersion() string {
	if cgroup.Unified() {
		return "v2"
	}
	var st unix.Statfs_t
	if unix.Statfs("/sys/fs/cgroup/unified", &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
		return "hybrid"
	}
	return "v1"
}

// EnterUserNamespace puts this process in the user namespace a rootless
// engine works in (where the files of a rootless store can be read and
// removed) and returns the paths an engine would use, without opening the
// store, which may be what the caller means to repair.
func EnterUserNamespace(o Options) (Paths, error) {
	warn := o.Warn
	if warn == nil {
		warn = func(string) {}
	}
	if err := userns.Enter(warn); err != nil {
		return Paths{}, err
	}
	return ResolvePaths(o)
}
