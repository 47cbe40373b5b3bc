package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/unitfile"
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
				&cli.StringFlag{Name: "restart-policy", Usage: "systemd's Restart= for the unit: " + strings.Join(unitfile.RestartValues, ", ") + " (default: always for a container with --restart always or unless-stopped, otherwise on-failure)"},
			},
			Action: s.generateSystemd,
		}},
	}}
}

func (s *session) generateSystemd(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("'%s' needs exactly one container", c.Command.HelpName)
	}
	m, ctr, err := s.lookupContainer(c.Args().First())
	if err != nil {
		return err
	}
	// The unit uses the same store as this command.
	o := unitfile.Options{Skiff: m.Self[0], Global: m.Self[1:], Name: ctr.Name, StopTimeout: int(ctr.StopTimeoutOrDefault().Seconds()), New: c.Bool("new"), SDNotify: ctr.SDNotify,
		Restart: unitfile.RestartFor(ctr.Host.RestartPolicy.Name)}
	if v := c.String("restart-policy"); v != "" {
		if !slices.Contains(unitfile.RestartValues, v) {
			return usagef("invalid --restart-policy %q: use one of %s", v, strings.Join(unitfile.RestartValues, ", "))
		}
		o.Restart = v
	}
	if o.New {
		if o.Create, err = unitfile.CreateArgs(ctr.CreateCommand, createTakesValue()); err != nil {
			return usagef("--new: %v; generate without --new", err)
		}
	}
	unit := unitfile.Generate(o)
	if !c.Bool("files") {
		_, err := fmt.Fprint(s.io.Out, unit)
		return err
	}
	path, err := filepath.Abs(unitfile.ServiceName(ctr.Name))
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(unit), 0o644); err != nil {
		return err
	}
	fmt.Fprintln(s.io.Out, path)
	return nil
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
