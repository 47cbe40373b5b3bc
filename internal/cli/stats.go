package cli

import (
	"bytes"
	"fmt"
	"time"

	"github.com/docker/go-units"
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/format"
	"github.com/skiff-containers/skiff/internal/lifecycle"
	"github.com/skiff-containers/skiff/internal/stats"
)

func (s *session) statsCommand() *cli.Command {
	return &cli.Command{
		Name: "stats", Usage: "show running containers' CPU, memory, process and I/O use", ArgsUsage: "[CONTAINER...]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "no-stream", Usage: "print one reading and exit"},
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "list stopped containers too"},
			&cli.BoolFlag{Name: "no-trunc", Usage: "full ids"},
			&cli.StringFlag{Name: "format", Usage: "Go template, table or json"},
		},
		Action: s.statsAction,
	}
}

// statsRow is one container's line, with Docker's field names.
type statsRow struct {
	ID, Container, Name, CPUPerc, MemUsage, MemPerc, NetIO, BlockIO, PIDs string
}

const statsTable = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}"

func (s *session) statsAction(c *cli.Context) error {
	spec := c.String("format")
	if _, err := format.NewLister(&bytes.Buffer{}, spec, statsTable, nil); err != nil {
		return usagef("%v", err)
	}
	m, err := s.manager()
	if err != nil {
		return err
	}
	ctrs, err := s.statsTargets(m, c)
	if err != nil {
		return err
	}
	live := !c.Bool("no-stream") && isTerminal(s.io.Out)
	prev := map[string]stats.Snapshot{}
	interval := time.Second
	if c.Bool("no-stream") {
		interval = 500 * time.Millisecond
	}
	// A first reading, so that the first line printed has a CPU rate.
	tree := stats.ReadTree()
	for _, ctr := range ctrs {
		if snap, ok := readStats(tree, ctr); ok {
			prev[ctr.ID] = snap
		}
	}
	for {
		select {
		case <-s.ctx.Done():
			return nil
		case <-time.After(interval):
		}
		var out bytes.Buffer
		lister, err := format.NewLister(&out, spec, statsTable, map[string]string{"ID": "CONTAINER ID", "CPUPerc": "CPU %", "MemUsage": "MEM USAGE / LIMIT", "MemPerc": "MEM %", "NetIO": "NET I/O", "BlockIO": "BLOCK I/O"})
		if err != nil {
			return usagef("%v", err)
		}
		tree := stats.ReadTree()
		for _, ctr := range ctrs {
			row := statsRow{ID: ctr.ID, Container: ctr.ID, Name: ctr.Name, CPUPerc: "--", MemUsage: "-- / --", MemPerc: "--", NetIO: "--", BlockIO: "--", PIDs: "--"}
			if !c.Bool("no-trunc") {
				row.ID, row.Container = ctr.ID[:12], ctr.ID[:12]
			}
			if cur, ok := readStats(tree, ctr); ok {
				if p, had := prev[ctr.ID]; had {
					row.CPUPerc = fmt.Sprintf("%.2f%%", stats.CPUPercent(p, cur))
				}
				prev[ctr.ID] = cur
				row.MemUsage = units.BytesSize(float64(cur.Memory)) + " / " + units.BytesSize(float64(cur.Limit))
				if cur.Limit > 0 {
					row.MemPerc = fmt.Sprintf("%.2f%%", float64(cur.Memory)/float64(cur.Limit)*100)
				}
				row.NetIO = units.HumanSizeWithPrecision(float64(cur.NetRx), 3) + " / " + units.HumanSizeWithPrecision(float64(cur.NetTx), 3)
				row.BlockIO = units.HumanSizeWithPrecision(float64(cur.BlockIn), 3) + " / " + units.HumanSizeWithPrecision(float64(cur.BlockOut), 3)
				row.PIDs = fmt.Sprint(cur.PIDs)
			}
			if err := lister.Row(row); err != nil {
				return usagef("%v", err)
			}
		}
		if err := lister.Flush(); err != nil {
			return err
		}
		if live {
			// Redraw in place: home, clear.
			s.io.Out.Write([]byte("\033[H\033[2J"))
		}
		if _, err := s.io.Out.Write(out.Bytes()); err != nil || c.Bool("no-stream") {
			return err
		}
	}
}

// statsTargets are the named containers, or every running one (every one
// with -a).
func (s *session) statsTargets(m *lifecycle.Manager, c *cli.Context) ([]*container.Container, error) {
	if c.NArg() > 0 {
		var out []*container.Container
		for _, ref := range c.Args().Slice() {
			ctr, err := m.Containers.Lookup(ref)
			if err != nil {
				return nil, containerLookupError(ref, err)
			}
			out = append(out, ctr)
		}
		return out, nil
	}
	all, err := m.Containers.List()
	if err != nil {
		return nil, err
	}
	var out []*container.Container
	for _, ctr := range all {
		if st, err := ctr.State(); err == nil && (st.Status == container.StatusRunning || c.Bool("all")) {
			out = append(out, ctr)
		}
	}
	return out, nil
}

func readStats(tree stats.Tree, ctr *container.Container) (stats.Snapshot, bool) {
	st, err := ctr.State()
	if err != nil || st.Status != container.StatusRunning || st.Pid == 0 {
		return stats.Snapshot{}, false
	}
	snap, err := tree.Read(ctr.ID, st.Pid)
	return snap, err == nil
}
