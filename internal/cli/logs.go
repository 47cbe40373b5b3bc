package cli

import (
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/engine"
)

func logsFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "follow", Aliases: []string{"f"}, Usage: "keep printing new output until the container stops"},
		&cli.StringFlag{Name: "tail", Value: "all", Usage: "number of lines from the end"},
		&cli.StringFlag{Name: "since", Usage: "only output after this time (RFC 3339, Unix time, or a duration such as 10m)"},
		&cli.StringFlag{Name: "until", Usage: "only output before this time (as --since: 10m is ten minutes ago)"},
		&cli.BoolFlag{Name: "timestamps", Aliases: []string{"t"}, Usage: "prefix lines with their time"},
	}
}

// logsOptions are logs' flags as the engine's options, writing to the
// session's streams.
func (s *session) logsOptions(c *cli.Context) engine.LogsOptions {
	return engine.LogsOptions{
		Follow: c.Bool("follow"), Tail: c.String("tail"), Since: c.String("since"), Until: c.String("until"), Timestamps: c.Bool("timestamps"),
		Stdout: s.io.Out, Stderr: s.io.Err,
	}
}

func (s *session) logsAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("'%s' takes one container: see '%s --help'", c.Command.HelpName, c.Command.HelpName)
	}
	e, err := s.engine()
	if err != nil {
		return err
	}
	return containerOptionError(c, e.Logs(s.ctx, c.Args().First(), s.logsOptions(c)))
}
