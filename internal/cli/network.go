package cli

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/format"
	"github.com/skiff-containers/skiff/internal/lifecycle"
	"github.com/skiff-containers/skiff/internal/network"
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

func networkLookupError(err error) error {
	if errors.Is(err, network.ErrNotFound) {
		return fmt.Errorf("no such network: %s (create it with skiff network create)", strings.TrimSuffix(err.Error(), ": "+network.ErrNotFound.Error()))
	}
	return err
}

func (s *session) networkCreate(c *cli.Context, labelSpecs []string) error {
	if c.NArg() != 1 {
		return usagef("'%s' needs exactly one network name", c.Command.HelpName)
	}
	if d := c.String("driver"); d != "bridge" {
		return usagef("unsupported --driver %q: use bridge", d)
	}
	labels, err := parseLabels(labelSpecs)
	if err != nil {
		return err
	}
	m, err := s.manager()
	if err != nil {
		return err
	}
	n, err := m.Networks.Create(network.CreateOptions{
		Name: c.Args().First(), Subnet: c.String("subnet"), Gateway: c.String("gateway"), Internal: c.Bool("internal"), Labels: labels,
	})
	if err != nil {
		return usagef("%v", err)
	}
	fmt.Fprintln(s.io.Out, n.ID)
	return nil
}

// networks lists the user-defined networks.
func (s *session) networks() (*lifecycle.Manager, []*network.Network, error) {
	m, err := s.manager()
	if err != nil {
		return nil, nil, err
	}
	nets, err := m.Networks.List()
	return m, nets, err
}

type networkRow struct {
	ID, Name, Driver, Subnet, Internal, CreatedAt string
}

func (s *session) networkList(c *cli.Context) error {
	var lister *format.Lister
	var err error
	if !c.Bool("quiet") {
		def := "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Subnet}}"
		if lister, err = format.NewLister(s.io.Out, c.String("format"), def, map[string]string{"ID": "NETWORK ID"}); err != nil {
			return usagef("%v", err)
		}
	}
	_, nets, err := s.networks()
	if err != nil {
		return err
	}
	for _, n := range nets {
		id := n.ID
		if !c.Bool("no-trunc") {
			id = id[:12]
		}
		if lister == nil {
			fmt.Fprintln(s.io.Out, id)
			continue
		}
		row := networkRow{ID: id, Name: n.Name, Driver: n.Driver, Subnet: n.Subnet, Internal: fmt.Sprint(n.Internal), CreatedAt: n.Created.Format(time.RFC3339)}
		if err := lister.Row(row); err != nil {
			return usagef("%v", err)
		}
	}
	if lister != nil {
		return lister.Flush()
	}
	return nil
}

// NetworkInspect follows Docker's `network inspect`.
type NetworkInspect struct {
	Name       string
	Id         string //nolint:revive // Docker's spelling
	Created    time.Time
	Driver     string
	Internal   bool
	IPAM       NetworkIPAM
	Containers map[string]NetworkEndpoint
	Labels     map[string]string
}

// NetworkIPAM is the addressing part of NetworkInspect.
type NetworkIPAM struct {
	Driver string
	Config []map[string]string
}

// NetworkEndpoint is a running container on the network.
type NetworkEndpoint struct {
	Name        string
	IPv4Address string
	Aliases     []string
}

func (s *session) networkInspect(c *cli.Context) error {
	return s.inspectEach(c, func(m *lifecycle.Manager, ref string) (any, error) {
		n, err := m.Networks.Get(ref)
		if err != nil {
			return nil, networkLookupError(err)
		}
		return inspectNetworkObject(m, n), nil
	})
}

func inspectNetworkObject(m *lifecycle.Manager, n *network.Network) NetworkInspect {
	ni := NetworkInspect{
		Name: n.Name, Id: n.ID, Created: n.Created, Driver: n.Driver, Internal: n.Internal, Labels: n.Labels,
		IPAM:       NetworkIPAM{Driver: "default", Config: []map[string]string{{"Subnet": n.Subnet, "Gateway": n.Gateway}}},
		Containers: map[string]NetworkEndpoint{},
	}
	if ni.Labels == nil {
		ni.Labels = map[string]string{}
	}
	if live, err := m.NetworkMembers(n); err == nil {
		bits := n.Prefix().Bits()
		for _, mem := range live {
			ni.Containers[mem.Container] = NetworkEndpoint{Name: mem.Name, IPv4Address: fmt.Sprintf("%s/%d", mem.IP, bits), Aliases: mem.Aliases}
		}
	}
	return ni
}

func (s *session) networkRemove(c *cli.Context) error {
	if err := needArgs(c, 1, "a network"); err != nil {
		return err
	}
	m, err := s.manager()
	if err != nil {
		return err
	}
	failed := false
	for _, ref := range c.Args().Slice() {
		if err := m.RemoveNetwork(ref); err != nil {
			fmt.Fprintf(s.io.Err, "Error: %v\n", networkLookupError(err))
			failed = true
			continue
		}
		fmt.Fprintln(s.io.Out, ref)
	}
	if failed {
		return &ExitError{Code: ExitSkiff}
	}
	return nil
}

func (s *session) networkPrune(c *cli.Context) error {
	m, nets, err := s.networks()
	if err != nil {
		return err
	}
	for _, n := range nets {
		if err := m.RemoveNetwork(n.Name); err == nil {
			fmt.Fprintln(s.io.Out, n.Name)
		}
	}
	return nil
}

// networkAndContainer looks up connect's and disconnect's arguments.
func (s *session) networkAndContainer(c *cli.Context) (*lifecycle.Manager, *container.Container, *network.Network, error) {
	if c.NArg() != 2 {
		return nil, nil, nil, usagef("'%s' needs a network and a container", c.Command.HelpName)
	}
	m, ctr, err := s.lookupContainer(c.Args().Get(1))
	if err != nil {
		return nil, nil, nil, err
	}
	n, err := m.Networks.Get(c.Args().First())
	if err != nil {
		return nil, nil, nil, networkLookupError(err)
	}
	return m, ctr, n, nil
}

func (s *session) networkConnect(c *cli.Context, aliases []string) error {
	m, ctr, n, err := s.networkAndContainer(c)
	if err != nil {
		return err
	}
	return m.Connect(ctr, n, aliases, c.String("ip"))
}

func (s *session) networkDisconnect(c *cli.Context) error {
	m, ctr, n, err := s.networkAndContainer(c)
	if err != nil {
		return err
	}
	return m.Disconnect(ctr, n)
}
