package cli

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/engine"
	"github.com/skiff-containers/skiff/internal/format"
	"github.com/skiff-containers/skiff/internal/report"
)

func (s *session) networkCommands() []*cli.Command {
	labels := &multi{}
	aliases := &multi{}
	return []*cli.Command{{
		Name:  "network",
		Usage: "manage user-defined networks",
		Subcommands: []*cli.Command{
			{
				Name: "create", Usage: "create a network", ArgsUsage: "NAME",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "subnet", Usage: "IPv4 subnet in CIDR form (default: a free 10.N.0.0/24 from 10.89)"},
					&cli.StringFlag{Name: "gateway", Usage: "the gateway address in the subnet (default: its first address)"},
					&cli.BoolFlag{Name: "internal", Usage: "no access beyond the network"},
					&cli.StringFlag{Name: "driver", Aliases: []string{"d"}, Value: "bridge", Usage: "driver: bridge"},
					&cli.GenericFlag{Name: "label", Aliases: []string{"l"}, Usage: "set a label KEY=VALUE (repeatable)", Value: labels},
				},
				Action: func(c *cli.Context) error { return s.networkCreate(c, labels.values) },
			},
			{
				Name: "ls", Aliases: []string{"list"}, Usage: "list networks",
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "only ids"},
					&cli.BoolFlag{Name: "no-trunc", Usage: "full ids"},
					&cli.StringFlag{Name: "format", Usage: "Go template, table or json"},
				},
				Action: s.networkList,
			},
			{
				Name: "inspect", Usage: "show networks as JSON", ArgsUsage: "NETWORK [NETWORK...]",
				Flags:  []cli.Flag{&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "Go template applied to each"}},
				Action: s.networkInspect,
			},
			{Name: "rm", Aliases: []string{"remove"}, Usage: "remove networks no container uses", ArgsUsage: "NETWORK [NETWORK...]", Action: s.networkRemove},
			{
				Name: "prune", Usage: "remove every network no container uses",
				Flags:  []cli.Flag{&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "do not ask (skiff never asks)"}},
				Action: s.networkPrune,
			},
			{
				Name: "connect", Usage: "put a container on a network (at once if it runs)", ArgsUsage: "NETWORK CONTAINER",
				Flags: []cli.Flag{
					&cli.GenericFlag{Name: "alias", Usage: "another name for the container on the network (repeatable)", Value: aliases},
					&cli.StringFlag{Name: "ip", Usage: "its IPv4 address on the network"},
				},
				Action: func(c *cli.Context) error { return s.networkConnect(c, aliases.values) },
			},
			{
				Name: "disconnect", Usage: "take a container off a network", ArgsUsage: "NETWORK CONTAINER",
				Flags:  []cli.Flag{&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "accepted for Docker compatibility"}},
				Action: s.networkDisconnect,
			},
		},
	}}
}

// networkFlags are the flags behind CreateNetworkOptions.
var networkFlags = map[string]string{
	"Name": "network name", "Driver": "--driver", "Subnet": "--subnet", "Gateway": "--gateway", "Labels": "--label",
}

// networkError words the engine's errors of the network verbs: a network
// not found says how to make one.
func networkError(err error) error {
	var nf *engine.NotFoundError
	if errors.As(err, &nf) && nf.What == "network" {
		return fmt.Errorf("%w (create it with skiff network create)", err)
	}
	return optionError(err, networkFlags)
}

func createNetworkOptions(c *cli.Context, labels []string) engine.CreateNetworkOptions {
	return engine.CreateNetworkOptions{
		Name: c.Args().First(), Driver: c.String("driver"), Subnet: c.String("subnet"), Gateway: c.String("gateway"),
		Internal: c.Bool("internal"), Labels: labels,
	}
}

func (s *session) networkCreate(c *cli.Context, labels []string) error {
	if c.NArg() != 1 {
		return usagef("'%s' needs exactly one network name", c.Command.HelpName)
	}
	e, err := s.engine()
	if err != nil {
		return err
	}
	id, err := e.CreateNetwork(s.ctx, createNetworkOptions(c, labels))
	if err != nil {
		// Every failure to create is the caller's to fix (a name taken,
		// a subnet in use), as before.
		err = networkError(err)
		var ue *usageError
		if !errors.As(err, &ue) {
			err = usagef("%v", err)
		}
		return err
	}
	fmt.Fprintln(s.io.Out, id)
	return nil
}

// networkRow is a line of network ls; its fields are Docker's --format
// keys, and its columns by default Docker's: NETWORK ID, NAME, DRIVER,
// SCOPE. Subnet is skiff's own.
type networkRow struct {
	ID, Name, Driver, Scope, IPv6, Internal, Labels, CreatedAt, Subnet string
}

const networkTable = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}"

func (s *session) networkList(c *cli.Context) error {
	o := networkListOptions{Quiet: c.Bool("quiet"), NoTrunc: c.Bool("no-trunc"), Format: c.String("format")}
	// The format is checked before the store is opened.
	if _, err := newNetworkLister(s.io.Out, o); err != nil {
		return err
	}
	e, err := s.engine()
	if err != nil {
		return err
	}
	nets, err := e.Networks(s.ctx)
	if err != nil {
		return err
	}
	return renderNetworks(s.io.Out, o, nets)
}

type networkListOptions struct {
	Quiet, NoTrunc bool
	Format         string
}

func newNetworkLister(w io.Writer, o networkListOptions) (*format.Lister, error) {
	if o.Quiet {
		return nil, nil
	}
	l, err := format.NewLister(w, o.Format, networkTable, map[string]string{"ID": "NETWORK ID"})
	if err != nil {
		return nil, usagef("%v", err)
	}
	return l, nil
}

// renderNetworks writes network ls: ids alone with Quiet, else rows.
func renderNetworks(w io.Writer, o networkListOptions, nets []report.NetworkRow) error {
	lister, err := newNetworkLister(w, o)
	if err != nil {
		return err
	}
	for _, n := range nets {
		id := n.ID
		if !o.NoTrunc && len(id) > 12 {
			id = id[:12]
		}
		if lister == nil {
			fmt.Fprintln(w, id)
			continue
		}
		if err := lister.Row(newNetworkRow(id, n)); err != nil {
			return usagef("%v", err)
		}
	}
	if lister != nil {
		return lister.Flush()
	}
	return nil
}

func newNetworkRow(id string, n report.NetworkRow) networkRow {
	created := ""
	if !n.Created.IsZero() { // the predefined networks were never created
		created = n.Created.Format(time.RFC3339)
	}
	return networkRow{
		ID: id, Name: n.Name, Driver: n.Driver, Scope: n.Scope, IPv6: "false", Internal: fmt.Sprint(n.Internal),
		Labels: joinLabels(n.Labels), CreatedAt: created, Subnet: n.Subnet,
	}
}

// joinLabels is Docker's Labels column: k=v pairs by key, comma-separated.
func joinLabels(labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		keys[i] = k + "=" + labels[k]
	}
	return strings.Join(keys, ",")
}

func (s *session) networkInspect(c *cli.Context) error {
	return s.inspectRefs(c, func(e *engine.Engine, ref string) (any, error) {
		ni, err := e.InspectNetwork(s.ctx, ref)
		if err != nil {
			return nil, networkError(err)
		}
		return ni, nil
	})
}

func (s *session) networkRemove(c *cli.Context) error {
	if err := needArgs(c, 1, "a network"); err != nil {
		return err
	}
	e, err := s.engine()
	if err != nil {
		return err
	}
	failed := false
	for _, r := range e.RemoveNetworks(s.ctx, c.Args().Slice()) {
		if r.Err != nil {
			// Removing a network that is not there needs no advice to
			// create it: Docker's "No such network" alone.
			msg := r.Err
			if !errors.Is(r.Err, engine.ErrNotFound) {
				msg = networkError(r.Err)
			}
			fmt.Fprintf(s.io.Err, "Error: %v\n", msg)
			failed = true
			continue
		}
		fmt.Fprintln(s.io.Out, r.Ref)
	}
	if failed {
		return errReported
	}
	return nil
}

func (s *session) networkPrune(c *cli.Context) error {
	e, err := s.engine()
	if err != nil {
		return err
	}
	names, err := e.PruneNetworks(s.ctx)
	for _, n := range names {
		fmt.Fprintln(s.io.Out, n)
	}
	return err
}

func (s *session) networkConnect(c *cli.Context, aliases []string) error {
	if c.NArg() != 2 {
		return usagef("'%s' needs a network and a container", c.Command.HelpName)
	}
	e, err := s.engine()
	if err != nil {
		return err
	}
	return networkError(e.Connect(s.ctx, c.Args().First(), c.Args().Get(1), engine.ConnectOptions{Aliases: aliases, IP: c.String("ip")}))
}

func (s *session) networkDisconnect(c *cli.Context) error {
	if c.NArg() != 2 {
		return usagef("'%s' needs a network and a container", c.Command.HelpName)
	}
	e, err := s.engine()
	if err != nil {
		return err
	}
	return networkError(e.Disconnect(s.ctx, c.Args().First(), c.Args().Get(1)))
}
