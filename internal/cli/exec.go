package cli

import (
	"errors"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/lifecycle"
	"github.com/skiff-containers/skiff/internal/supervisor"
)

func (s *session) execAction(c *cli.Context, env []string) error {
	if c.NArg() < 2 {
		return usagef("'%s' needs a container and a command: see '%s --help'", c.Command.HelpName, c.Command.HelpName)
	}
	keys, err := parseDetachKeys(c.String("detach-keys"))
	if err != nil {
		return err
	}
	envs, err := parseEnv(nil, env)
	if err != nil {
		return err
	}
	detach := c.Bool("detach")
	o := lifecycle.ExecOptions{
		Args: c.Args().Slice()[1:], Env: envs, Workdir: c.String("workdir"), User: c.String("user"),
		Tty: c.Bool("tty"), Stdin: c.Bool("interactive"), Detach: detach,
	}
	var term *terminal
	if !detach && o.Tty {
		term = newTerminal(s.io)
		o.Rows, o.Cols = term.size()
	}
	m, ctr, err := s.lookupContainer(c.Args().First())
	if err != nil {
		return err
	}
	p, err := m.Exec(ctr, o)
	if err != nil {
		var se *supervisor.StartError
		if errors.As(err, &se) {
			return &ExitError{Code: se.Code, Err: errors.New(se.Msg)}
		}
		return err
	}
	if detach {
		return nil
	}
	code, detached, err := s.attach(p, ctr, term, o.Stdin, keys)
	if err != nil || detached {
		return err
	}
	if code != 0 {
		return &ExitError{Code: code}
	}
	return nil
}
