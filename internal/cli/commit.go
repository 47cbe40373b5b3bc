package cli

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/engine"
)

// commitCommand is Docker's `commit` (and `container commit`).
func (s *session) commitCommand(name string) *cli.Command {
	flags, changes := commitFlags()
	return &cli.Command{
		Name: name, Usage: "make an image of a container's changes", ArgsUsage: "CONTAINER [REPOSITORY[:TAG]]",
		Flags:  flags,
		Action: func(c *cli.Context) error { return s.commitAction(c, changes.values) },
	}
}

func commitFlags() ([]cli.Flag, *multi) {
	changeFlags, changes := repeatable("change", "c", "apply a Dockerfile instruction (CMD, ENV, ...) to the image")
	return append([]cli.Flag{
		&cli.StringFlag{Name: "author", Aliases: []string{"a"}, Usage: `author ("Jane Doe <jane@example.com>")`},
		&cli.StringFlag{Name: "message", Aliases: []string{"m"}, Usage: "commit message recorded in the history"},
		// Docker freezes a running container while it reads its changes;
		// skiff reads them without, as Docker's --pause=false does.
		&cli.BoolFlag{Name: "pause", Aliases: []string{"p"}, Value: true, Usage: "accepted for Docker's sake: skiff does not pause the container"},
	}, changeFlags...), changes
}

// commitOptions maps commit's flags and arguments.
func commitOptions(c *cli.Context, changes []string) (engine.CommitOptions, error) {
	if c.NArg() < 1 || c.NArg() > 2 {
		return engine.CommitOptions{}, usagef("'%s' takes CONTAINER and an optional REPOSITORY[:TAG]: see '%s --help'", c.Command.HelpName, c.Command.HelpName)
	}
	return engine.CommitOptions{
		Container: c.Args().First(), Ref: c.Args().Get(1),
		Author: c.String("author"), Message: c.String("message"), Changes: changes,
	}, nil
}

func (s *session) commitAction(c *cli.Context, changes []string) error {
	o, err := commitOptions(c, changes)
	if err != nil {
		return err
	}
	e, err := s.engine()
	if err != nil {
		return err
	}
	id, err := e.Commit(s.ctx, o)
	if err != nil {
		return optionError(err, imageFlags)
	}
	fmt.Fprintf(s.io.Out, "sha256:%s\n", id)
	return nil
}
