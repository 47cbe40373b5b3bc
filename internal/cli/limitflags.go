package cli

import (
	"strconv"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/resources"
)

// parseLimitFlags reads the resource limits into cfg.
func parseLimitFlags(c *cli.Context, f *createFlags, cfg *container.Config) error {
	l, err := resources.Parse(resources.Flags{
		Memory: c.String("memory"), MemoryReservation: c.String("memory-reservation"), MemorySwap: c.String("memory-swap"),
		CPUs: c.String("cpus"), CPUShares: c.String("cpu-shares"), CpusetCpus: c.String("cpuset-cpus"), CpusetMems: c.String("cpuset-mems"),
		PidsLimit: c.String("pids-limit"), BlkioWeight: c.String("blkio-weight"),
		DeviceReadBps: f.deviceReadBps.values, DeviceWriteBps: f.deviceWriteBps.values,
	})
	if err != nil {
		return usagef("%v", err)
	}
	cfg.Host.Resources = l
	cfg.Host.StrictLimits = c.Bool("strict-limits")
	if v := c.String("oom-score-adj"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < -1000 || n > 1000 {
			return usagef("invalid --oom-score-adj %q: use a number from -1000 to 1000", v)
		}
		cfg.Host.OOMScoreAdj = &n
	}
	return nil
}
