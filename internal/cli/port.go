package cli

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
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
	e, err := s.engine()
	if err != nil {
		return err
	}
	port := c.Args().Get(1)
	ports, err := e.Port(s.ctx, c.Args().First(), port)
	if err != nil {
		return containerOptionError(c, err)
	}
	var lines []string
	for _, p := range ports {
		if port == "" {
			lines = append(lines, p.Container+" -> "+p.Host)
		} else {
			lines = append(lines, p.Host)
		}
	}
	if len(lines) > 0 {
		fmt.Fprintln(s.io.Out, strings.Join(lines, "\n"))
	}
	return nil
}
