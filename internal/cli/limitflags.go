package cli

import (
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/engine"
)

// limitFlags are the resource limit flags of run, create and update, and
// the collectors of the repeatable ones.
func limitFlags() ([]cli.Flag, limitLists) {
	read, r := repeatable("device-read-bps", "", "limit reads from a device, DEVICE:RATE (such as /dev/sda:10mb)")
	write, w := repeatable("device-write-bps", "", "limit writes to a device, DEVICE:RATE")
	conf, cc := repeatable("cgroup-conf", "", "set a cgroup v2 file, FILE=VALUE (such as memory.high=50331648)")
	flags := []cli.Flag{
		&cli.StringFlag{Name: "memory", Aliases: []string{"m"}, Usage: "memory limit (such as 64m, 1g)"},
		&cli.StringFlag{Name: "memory-reservation", Usage: "memory soft limit"},
		&cli.StringFlag{Name: "memory-swap", Usage: "memory plus swap limit (-1: unlimited swap; default: twice --memory)"},
		&cli.StringFlag{Name: "cpus", Usage: "number of CPUs (such as 1.5)"},
		&cli.StringFlag{Name: "cpu-shares", Aliases: []string{"c"}, Usage: "relative CPU weight (1024 is the default)"},
		&cli.StringFlag{Name: "cpuset-cpus", Usage: "CPUs to run on (such as 0-1,3)"},
		&cli.StringFlag{Name: "cpuset-mems", Usage: "memory nodes to use"},
		&cli.StringFlag{Name: "pids-limit", Usage: "maximum number of processes (-1: unlimited)"},
		&cli.StringFlag{Name: "blkio-weight", Usage: "relative block I/O weight, 10 to 1000"},
	}
	return append(append(append(flags, read...), write...), conf...), limitLists{r, w, cc}
}

// limitLists collect the repeatable limit flags.
type limitLists struct{ read, write, conf *multi }

// limitValues reads the limit flags as given.
func limitValues(c *cli.Context, lists limitLists) engine.Limits {
	return engine.Limits{
		Memory: c.String("memory"), MemoryReservation: c.String("memory-reservation"), MemorySwap: c.String("memory-swap"),
		CPUs: c.String("cpus"), CPUShares: c.String("cpu-shares"), CpusetCpus: c.String("cpuset-cpus"), CpusetMems: c.String("cpuset-mems"),
		PidsLimit: c.String("pids-limit"), BlkioWeight: c.String("blkio-weight"),
		DeviceReadBps: lists.read.values, DeviceWriteBps: lists.write.values, CgroupConf: lists.conf.values,
	}
}
