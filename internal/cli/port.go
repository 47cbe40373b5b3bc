package cli

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/network"
)

func (s *session) portCommand() *cli.Command {
	return &cli.Command{
		Name: "port", Usage: "list a running container's published ports, or the host side of one",
		ArgsUsage: "CONTAINER [PORT[/PROTO]]",
		Action:    s.portAction,
	}
}

func (s *session) portAction(c *cli.Context) error {
	if err := needArgs(c, 1, "a container"); err != nil {
		return err
	}
	if c.NArg() > 2 {
		return usagef("'%s' takes a container and at most one port", c.Command.HelpName)
	}
	var want string
	if c.NArg() == 2 {
		ps, err := network.ParseExposed(c.Args().Get(1))
		if err != nil || len(ps) != 1 {
			return usagef("invalid port %q: use PORT or PORT/PROTO", c.Args().Get(1))
		}
		want = ps[0].Key()
	}
	ctr, st, err := s.runningContainer(c.Args().First(), ": its ports are published only while it runs")
	if err != nil {
		return err
	}
	var lines []string
	for _, p := range network.DecodeAll(st.Ports) {
		switch {
		case want == "":
			lines = append(lines, p.Key()+" -> "+p.HostAddr())
		case p.Key() == want:
			lines = append(lines, p.HostAddr())
		}
	}
	if want != "" && len(lines) == 0 {
		return fmt.Errorf("no public port %s published for %s", want, ctr.Name)
	}
	if len(lines) > 0 {
		fmt.Fprintln(s.io.Out, strings.Join(lines, "\n"))
	}
	return nil
}
