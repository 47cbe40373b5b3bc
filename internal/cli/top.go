package cli

import (
	"strings"

	"github.com/urfave/cli/v2"
)

func (s *session) topCommand() *cli.Command {
	return &cli.Command{
		Name: "top", Usage: "list a running container's processes (ps options may follow)",
		ArgsUsage: "CONTAINER [ps OPTIONS]", SkipFlagParsing: true,
		Action: s.topAction,
	}
}

func (s *session) topAction(c *cli.Context) error {
	if err := needArgs(c, 1, "a container"); err != nil {
		return err
	}
	e, err := s.engine()
	if err != nil {
		return err
	}
	top, err := e.Top(s.ctx, c.Args().First(), c.Args().Tail())
	if err != nil {
		return containerOptionError(c, err)
	}
	var b strings.Builder
	for _, l := range append([]string{top.Header}, top.Processes...) {
		b.WriteString(l + "\n")
	}
	_, err = s.io.Out.Write([]byte(b.String()))
	return err
}
