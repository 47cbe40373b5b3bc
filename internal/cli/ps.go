package cli

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/engine"
	"github.com/skiff-containers/skiff/internal/format"
)

// psFlags are ps's flags, and the collector of its filters.
func psFlags() ([]cli.Flag, *multi) {
	filters, values := repeatable("filter", "f", "filter: status=, name=, ancestor=, id=, label=")
	return append([]cli.Flag{
		&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "show all containers (default: running only)"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only ids"},
		&cli.IntFlag{Name: "last", Aliases: []string{"n"}, Value: -1, Usage: "show the n last created containers (all states)"},
		&cli.BoolFlag{Name: "latest", Aliases: []string{"l"}, Usage: "show the latest created container (all states)"},
		&cli.BoolFlag{Name: "no-trunc", Usage: "do not truncate output"},
		&cli.BoolFlag{Name: "size", Aliases: []string{"s"}, Usage: "show each container's size: what it changed, and (virtual) with its image"},
		&cli.StringFlag{Name: "format", Usage: "Go template, 'table TEMPLATE' or 'json'"},
	}, filters...), values
}

// psOptions are ps's flags as the engine's options: --latest is --last 1,
// and each --filter KEY=VALUE goes to its filter.
func psOptions(c *cli.Context, filterSpecs []string) (engine.ListOptions, error) {
	o := engine.ListOptions{All: c.Bool("all"), NoTrunc: c.Bool("no-trunc"), Size: wantsSize(c)}
	if c.IsSet("last") {
		n := c.Int("last")
		o.Last = &n
	}
	if c.Bool("latest") {
		n := 1
		o.Last = &n
	}
	f := &o.Filters
	for _, spec := range filterSpecs {
		k, v, ok := strings.Cut(spec, "=")
		if !ok {
			return o, usagef("invalid filter %q: use KEY=VALUE", spec)
		}
		to := map[string]*[]string{"status": &f.Status, "name": &f.Name, "ancestor": &f.Ancestor, "id": &f.ID, "label": &f.Label}[k]
		if to == nil {
			return o, usagef("invalid filter %q: supported filters are status=, name=, ancestor=, id= and label=", spec)
		}
		*to = append(*to, v)
	}
	return o, nil
}

// wantsSize: --size, or, as in Docker, a --format that shows .Size
// unless --size=false says otherwise (a size takes a walk of the
// container's files, so only when shown).
func wantsSize(c *cli.Context) bool {
	if c.IsSet("size") || c.Bool("quiet") {
		return c.Bool("size") && !c.Bool("quiet")
	}
	return strings.Contains(c.String("format"), ".Size")
}

func (s *session) psAction(c *cli.Context, filterSpecs []string) error {
	o, err := psOptions(c, filterSpecs)
	if err != nil {
		return err
	}
	var lister *format.Lister
	if !c.Bool("quiet") {
		def := "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
		if o.Size {
			def += "\t{{.Size}}"
		}
		if lister, err = format.NewLister(s.io.Out, c.String("format"), def, map[string]string{"ID": "CONTAINER ID", "RunningFor": "CREATED"}); err != nil {
			return usagef("%v", err)
		}
	}
	e, err := s.engine()
	if err != nil {
		return err
	}
	rows, err := e.List(s.ctx, o)
	if err != nil {
		return containerOptionError(c, err)
	}
	for _, row := range rows {
		if lister == nil {
			fmt.Fprintln(s.io.Out, row.ID)
			continue
		}
		if err := lister.Row(row); err != nil {
			return usagef("%v", err)
		}
	}
	if lister != nil {
		return lister.Flush()
	}
	return nil
}
