package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/engine"
)

func (s *session) generateCommands() []*cli.Command {
	return []*cli.Command{{
		Name:  "generate",
		Usage: "generate configuration for other tools",
		Subcommands: []*cli.Command{{
			Name: "systemd", Usage: "write a systemd unit that runs a container", ArgsUsage: "CONTAINER",
			Flags: []cli.Flag{
				&cli.BoolFlag{Name: "new", Usage: "create the container afresh at each start (and remove it at stop) from the command that made it"},
				&cli.BoolFlag{Name: "files", Usage: "write container-NAME.service in the current directory instead of printing it"},
				&cli.StringFlag{Name: "restart-policy", Usage: "systemd's Restart= for the unit: " + strings.Join(engine.RestartValues, ", ") + " (default: always for a container with --restart always or unless-stopped, otherwise on-failure)"},
			},
			Action: s.generateSystemd,
		}},
	}}
}

func (s *session) generateSystemd(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("'%s' needs exactly one container", c.Command.HelpName)
	}
	e, err := s.engine()
	if err != nil {
		return err
	}
	unit, err := e.GenerateSystemd(s.ctx, c.Args().First(), systemdOptions(c))
	if err != nil {
		return generateError(err)
	}
	if !c.Bool("files") {
		_, err := fmt.Fprint(s.io.Out, unit.Text)
		return err
	}
	path, err := filepath.Abs(unit.FileName)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(unit.Text), 0o644); err != nil {
		return err
	}
	fmt.Fprintln(s.io.Out, path)
	return nil
}

func systemdOptions(c *cli.Context) engine.SystemdOptions {
	return engine.SystemdOptions{New: c.Bool("new"), RestartPolicy: c.String("restart-policy"), TakesValue: createTakesValue()}
}

// generateError words SystemdOptions' fields as generate's flags.
func generateError(err error) error {
	var ie *engine.InvalidOptionError
	if errors.As(err, &ie) && ie.Field == "New" {
		return usagef("--new: %s; generate without --new", ie.Reason)
	}
	return optionError(err, map[string]string{"RestartPolicy": "--restart-policy"})
}

// createTakesValue says which of run's flags read a value.
func createTakesValue() func(string) bool {
	values := map[string]bool{}
	for _, f := range newCreateFlags(true).flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			values[n] = !isBool
		}
	}
	return func(flag string) bool { return values[flag] }
}
