package resources

import (
	"fmt"
	"maps"
	"path/filepath"

	"github.com/opencontainers/cgroups"
	"github.com/opencontainers/cgroups/fs2"
	"github.com/opencontainers/cgroups/manager"
)

// Merge applies the flags that are given to old, as `update` does: what
// is not given stays, and the rules between flags hold for the result.
// As in Docker's update, a size, CPU count or weight of 0 is not given
// (the limit stays), and --pids-limit 0 lifts the limit as -1 does.
func Merge(old Limits, f Flags) (Limits, error) {
	n, err := parseEach(f)
	if err != nil {
		return old, err
	}
	l := old
	if n.Memory != 0 {
		l.Memory = n.Memory
	}
	if n.MemoryReservation != 0 {
		l.MemoryReservation = n.MemoryReservation
	}
	if n.MemorySwap != 0 {
		l.MemorySwap = n.MemorySwap
	}
	if n.CPUs != 0 {
		l.CPUs = n.CPUs
	}
	if n.CPUShares != 0 {
		l.CPUShares = n.CPUShares
	}
	if f.CpusetCpus != "" {
		l.CpusetCpus = n.CpusetCpus
	}
	if f.CpusetMems != "" {
		l.CpusetMems = n.CpusetMems
	}
	if f.PidsLimit != "" {
		// -1, not 0: a running container's cgroup must be told.
		l.PidsLimit = n.PidsLimit
		if l.PidsLimit == 0 {
			l.PidsLimit = -1
		}
	}
	if n.BlkioWeight != 0 {
		l.BlkioWeight = n.BlkioWeight
	}
	if len(f.DeviceReadBps) > 0 {
		l.DeviceReadBps = n.DeviceReadBps
	}
	if len(f.DeviceWriteBps) > 0 {
		l.DeviceWriteBps = n.DeviceWriteBps
	}
	if len(f.CgroupConf) > 0 {
		// Settings add to those kept, as podman's update does.
		l.CgroupConf = maps.Clone(l.CgroupConf)
		if l.CgroupConf == nil {
			l.CgroupConf = map[string]string{}
		}
		maps.Copy(l.CgroupConf, n.CgroupConf)
	}
	if err := l.check(); err != nil {
		return old, err
	}
	return l, nil
}

// Scope is a systemd scope, PREFIX-NAME.scope, by the parts the systemd
// cgroup driver names it with.
type Scope struct{ Prefix, Name string }

// Apply sets a running container's limits in its cgroup at path (in each
// v1 hierarchy, or in the unified one). When the cgroup is a systemd scope
// (the user manager's when rootless), systemd is given the limits too, as
// the scope's properties, so that it keeps them when it next applies its
// own.
func Apply(path string, rootless bool, l Limits, scope *Scope) error {
	spec, err := l.Spec()
	if err != nil {
		return err
	}
	r := &cgroups.Resources{SkipDevices: true, Unified: spec.Unified}
	if m := spec.Memory; m != nil {
		r.Memory, r.MemorySwap, r.MemoryReservation = deref(m.Limit), deref(m.Swap), deref(m.Reservation)
	}
	if c := spec.CPU; c != nil {
		r.CpuQuota, r.CpusetCpus, r.CpusetMems = deref(c.Quota), c.Cpus, c.Mems
		if c.Period != nil {
			r.CpuPeriod = *c.Period
		}
		if c.Shares != nil {
			r.CpuShares = *c.Shares
		}
	}
	if spec.Pids != nil {
		r.PidsLimit = spec.Pids.Limit
	}
	if b := spec.BlockIO; b != nil {
		if b.Weight != nil {
			r.BlkioWeight = *b.Weight
		}
		for _, t := range b.ThrottleReadBpsDevice {
			r.BlkioThrottleReadBpsDevice = append(r.BlkioThrottleReadBpsDevice, cgroups.NewThrottleDevice(t.Major, t.Minor, t.Rate))
		}
		for _, t := range b.ThrottleWriteBpsDevice {
			r.BlkioThrottleWriteBpsDevice = append(r.BlkioThrottleWriteBpsDevice, cgroups.NewThrottleDevice(t.Major, t.Minor, t.Rate))
		}
	}
	if cgroups.IsCgroup2UnifiedMode() && r.CpuShares != 0 {
		r.CpuWeight = cgroups.ConvertCPUSharesToCgroupV2Value(r.CpuShares)
		r.CpuShares = 0
	}
	cg := &cgroups.Cgroup{Path: path, Resources: r, Rootless: rootless}
	var paths map[string]string
	if scope != nil {
		cg = &cgroups.Cgroup{Systemd: true, ScopePrefix: scope.Prefix, Name: scope.Name, Resources: r, Rootless: rootless}
		// Known already: the driver need not work it out over the bus.
		paths = map[string]string{"": filepath.Join(fs2.UnifiedMountpoint, path)}
	}
	mgr, err := manager.NewWithPaths(cg, paths)
	if err != nil {
		return fmt.Errorf("cgroup %s: %w", path, err)
	}
	if err := mgr.Set(r); err != nil {
		return fmt.Errorf("set the limits in cgroup %s: %w", path, err)
	}
	return nil
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
