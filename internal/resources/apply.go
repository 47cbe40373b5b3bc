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
// is not given stays.
func Merge(old Limits, f Flags) (Limits, error) {
	n, err := Parse(Flags{
		Memory: f.Memory, MemoryReservation: f.MemoryReservation, CPUs: f.CPUs, CPUShares: f.CPUShares,
		CpusetCpus: f.CpusetCpus, CpusetMems: f.CpusetMems, PidsLimit: f.PidsLimit, BlkioWeight: f.BlkioWeight,
		DeviceReadBps: f.DeviceReadBps, DeviceWriteBps: f.DeviceWriteBps, CgroupConf: f.CgroupConf,
	})
	if err != nil {
		return old, err
	}
	l := old
	set := func(given bool, apply func()) {
		if given {
			apply()
		}
	}
	set(f.Memory != "", func() { l.Memory = n.Memory })
	set(f.MemoryReservation != "", func() { l.MemoryReservation = n.MemoryReservation })
	set(f.CPUs != "", func() { l.CPUs = n.CPUs })
	set(f.CPUShares != "", func() { l.CPUShares = n.CPUShares })
	set(f.CpusetCpus != "", func() { l.CpusetCpus = n.CpusetCpus })
	set(f.CpusetMems != "", func() { l.CpusetMems = n.CpusetMems })
	set(f.PidsLimit != "", func() { l.PidsLimit = n.PidsLimit })
	set(f.BlkioWeight != "", func() { l.BlkioWeight = n.BlkioWeight })
	set(len(f.DeviceReadBps) > 0, func() { l.DeviceReadBps = n.DeviceReadBps })
	set(len(f.DeviceWriteBps) > 0, func() { l.DeviceWriteBps = n.DeviceWriteBps })
	set(len(f.CgroupConf) > 0, func() {
		// Settings add to those kept, as podman's update does.
		l.CgroupConf = maps.Clone(l.CgroupConf)
		if l.CgroupConf == nil {
			l.CgroupConf = map[string]string{}
		}
		maps.Copy(l.CgroupConf, n.CgroupConf)
	})
	// Swap is checked against the memory limit it ends up with.
	if f.MemorySwap != "" {
		sw, err := Parse(Flags{Memory: fmt.Sprint(max(l.Memory, 6<<20)), MemorySwap: f.MemorySwap})
		if err != nil {
			return old, err
		}
		if l.Memory == 0 && sw.MemorySwap > 0 {
			return old, fmt.Errorf("--memory-swap needs --memory")
		}
		l.MemorySwap = sw.MemorySwap
	}
	if l.MemorySwap > 0 && l.Memory > l.MemorySwap {
		return old, fmt.Errorf("--memory %d is more than --memory-swap %d, which counts memory and swap together", l.Memory, l.MemorySwap)
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
