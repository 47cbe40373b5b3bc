package cli

import (
	"os"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/engine"
)

// execOptions maps exec's command line to the engine's options.
func execOptions(c *cli.Context, env []string) (engine.ExecOptions, error) {
	if c.NArg() < 2 {
		return engine.ExecOptions{}, usagef("'%s' needs a container and a command: see '%s --help'", c.Command.HelpName, c.Command.HelpName)
	}
	return engine.ExecOptions{
		Command: c.Args().Slice()[1:], Env: env, LookupEnv: os.LookupEnv,
		Workdir: c.String("workdir"), User: c.String("user"), Tty: c.Bool("tty"), Detach: c.Bool("detach"),
	}, nil
}

func (s *session) execAction(c *cli.Context, env []string) error {
	o, err := execOptions(c, env)
	if err != nil {
		return err
	}
	e, err := s.engine()
	if err != nil {
		return err
	}
	a := s.attachment(c.String("detach-keys"), c.Bool("interactive"))
	defer a.close()
	o.Streams = a.streams
	x, err := e.Exec(s.ctx, c.Args().First(), o)
	return s.exited(x, err)
}
