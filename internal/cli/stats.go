package cli

import (
	"bytes"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/engine"
	"github.com/skiff-containers/skiff/internal/format"
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

const statsTable = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}"

func (s *session) statsAction(c *cli.Context) error {
	spec := c.String("format")
	if _, err := format.NewLister(&bytes.Buffer{}, spec, statsTable, nil); err != nil {
		return usagef("%v", err)
	}
	e, err := s.engine()
	if err != nil {
		return err
	}
	sampler, err := e.Stats(s.ctx, engine.StatsOptions{Refs: c.Args().Slice(), All: c.Bool("all"), NoTrunc: c.Bool("no-trunc")})
	if err != nil {
		return err
	}
	live := !c.Bool("no-stream") && isTerminal(s.io.Out)
	interval := time.Second
	if c.Bool("no-stream") {
		interval = 500 * time.Millisecond
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
		for _, row := range sampler.Read() {
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
