package engine

import (
	"context"
	"fmt"

	"github.com/docker/go-units"

	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/report"
	"github.com/skiff-containers/skiff/internal/stats"
)

// StatsOptions choose the containers Stats reads.
type StatsOptions struct {
	// Refs are the containers; none means every running one.
	Refs []string
	// All, without Refs, takes stopped containers too (their figures
	// read "--").
	All bool
	// NoTrunc keeps ids whole.
	NoTrunc bool
}

// StatsSampler reads the figures of a fixed set of containers; a CPU
// rate needs two readings, so it keeps the last one.
type StatsSampler struct {
	ctrs    []*container.Container
	prev    map[string]stats.Snapshot
	noTrunc bool
}

// Stats resolves the containers to read and takes a first reading, so
// that the first Read has CPU rates.
func (e *Engine) Stats(ctx context.Context, o StatsOptions) (*StatsSampler, error) {
	var ctrs []*container.Container
	if len(o.Refs) > 0 {
		for _, ref := range o.Refs {
			c, err := e.lookup(ref)
			if err != nil {
				return nil, err
			}
			ctrs = append(ctrs, c)
		}
	} else {
		all, err := e.m.Containers.List()
		if err != nil {
			return nil, err
		}
		for _, c := range all {
			if st, err := c.State(); err == nil && (st.Status == container.StatusRunning || o.All) {
				ctrs = append(ctrs, c)
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s := &StatsSampler{ctrs: ctrs, prev: map[string]stats.Snapshot{}, noTrunc: o.NoTrunc}
	tree := stats.ReadTree()
	for _, c := range ctrs {
		if snap, ok := readStats(tree, c); ok {
			s.prev[c.ID] = snap
		}
	}
	return s, nil
}

// Read is a reading of every container, in the order they were given;
// the CPU rate is over the time since the previous one.
func (s *StatsSampler) Read() []report.ContainerStats {
	tree := stats.ReadTree()
	rows := make([]report.ContainerStats, 0, len(s.ctrs))
	for _, c := range s.ctrs {
		row := report.ContainerStats{ID: c.ID, Container: c.ID, Name: c.Name, CPUPerc: "--", MemUsage: "-- / --", MemPerc: "--", NetIO: "--", BlockIO: "--", PIDs: "--"}
		if !s.noTrunc {
			row.ID, row.Container = c.ID[:12], c.ID[:12]
		}
		if cur, ok := readStats(tree, c); ok {
			if p, had := s.prev[c.ID]; had {
				row.CPUPerc = fmt.Sprintf("%.2f%%", stats.CPUPercent(p, cur))
			}
			s.prev[c.ID] = cur
			row.MemUsage = units.BytesSize(float64(cur.Memory)) + " / " + units.BytesSize(float64(cur.Limit))
			if cur.Limit > 0 {
				row.MemPerc = fmt.Sprintf("%.2f%%", float64(cur.Memory)/float64(cur.Limit)*100)
			}
			row.NetIO = units.HumanSizeWithPrecision(float64(cur.NetRx), 3) + " / " + units.HumanSizeWithPrecision(float64(cur.NetTx), 3)
			row.BlockIO = units.HumanSizeWithPrecision(float64(cur.BlockIn), 3) + " / " + units.HumanSizeWithPrecision(float64(cur.BlockOut), 3)
			row.PIDs = fmt.Sprint(cur.PIDs)
		}
		rows = append(rows, row)
	}
	return rows
}

func readStats(tree stats.Tree, c *container.Container) (stats.Snapshot, bool) {
	st, err := c.State()
	if err != nil || st.Status != container.StatusRunning || st.Pid == 0 {
		return stats.Snapshot{}, false
	}
	snap, err := tree.Read(c.ID, st.Pid)
	return snap, err == nil
}
