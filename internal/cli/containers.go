package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/engine"
	"github.com/skiff-containers/skiff/internal/lifecycle"
)

func (s *session) containerCommands() []*cli.Command {
	psFilters, psFilterValues := repeatable("filter", "f", "filter: status=, name=, ancestor=, id=, label=")
	ps := func(name string, aliases ...string) *cli.Command {
		return &cli.Command{
			Name: name, Aliases: aliases, Usage: "list containers",
			Flags: append([]cli.Flag{
				&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "show all containers (default: running only)"},
				&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only ids"},
				&cli.IntFlag{Name: "last", Aliases: []string{"n"}, Value: -1, Usage: "show the n last created containers (all states)"},
				&cli.BoolFlag{Name: "latest", Aliases: []string{"l"}, Usage: "show the latest created container (all states)"},
				&cli.BoolFlag{Name: "no-trunc", Usage: "do not truncate output"},
				&cli.StringFlag{Name: "format", Usage: "Go template, 'table TEMPLATE' or 'json'"},
			}, psFilters...),
			Action: func(c *cli.Context) error { return s.psAction(c, psFilterValues.values) },
		}
	}
	start := &cli.Command{
		Name: "start", Usage: "start stopped containers", ArgsUsage: "CONTAINER [CONTAINER...]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "attach", Aliases: []string{"a"}, Usage: "attach to the container's output and wait for it"},
			&cli.BoolFlag{Name: "interactive", Aliases: []string{"i"}, Usage: "attach stdin"},
			&cli.StringFlag{Name: "detach-keys", Value: "ctrl-p,ctrl-q", Usage: "key sequence that detaches"},
			// A container's monitor starts it again by its restart policy
			// with this: COUNT:DELAY (milliseconds, waited first).
			&cli.StringFlag{Name: "policy-restart", Hidden: true},
		},
		Action: s.startAction,
	}
	stop := &cli.Command{
		Name: "stop", Usage: "stop running containers (stop signal, then SIGKILL)", ArgsUsage: "CONTAINER [CONTAINER...]",
		Flags:  []cli.Flag{&cli.IntFlag{Name: "time", Aliases: []string{"t"}, Value: -1, Usage: "seconds to wait before killing (default: the container's stop timeout)"}},
		Action: s.stopAction,
	}
	kill := &cli.Command{
		Name: "kill", Usage: "send a signal to running containers", ArgsUsage: "CONTAINER [CONTAINER...]",
		Flags:  []cli.Flag{&cli.StringFlag{Name: "signal", Aliases: []string{"s"}, Value: "SIGKILL", Usage: "signal to send"}},
		Action: s.killAction,
	}
	restart := &cli.Command{
		Name: "restart", Usage: "restart containers", ArgsUsage: "CONTAINER [CONTAINER...]",
		Flags:  []cli.Flag{&cli.IntFlag{Name: "time", Aliases: []string{"t"}, Value: -1, Usage: "seconds to wait before killing"}},
		Action: s.restartAction,
	}
	rm := func(name string, aliases ...string) *cli.Command {
		return &cli.Command{
			Name: name, Aliases: aliases, Usage: "remove containers", ArgsUsage: "CONTAINER [CONTAINER...]",
			Flags: []cli.Flag{
				&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "kill and remove running containers"},
				&cli.BoolFlag{Name: "volumes", Aliases: []string{"v"}, Usage: "remove anonymous volumes too"},
			},
			Action: s.rmAction,
		}
	}
	logs := &cli.Command{
		Name: "logs", Usage: "show a container's output", ArgsUsage: "CONTAINER",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "follow", Aliases: []string{"f"}, Usage: "keep printing new output until the container stops"},
			&cli.StringFlag{Name: "tail", Value: "all", Usage: "number of lines from the end"},
			&cli.StringFlag{Name: "since", Usage: "only output after this time (RFC 3339, Unix time, or a duration such as 10m)"},
			&cli.BoolFlag{Name: "timestamps", Aliases: []string{"t"}, Usage: "prefix lines with their time"},
		},
		Action: s.logsAction,
	}
	wait := &cli.Command{Name: "wait", Usage: "wait for containers to stop and print their exit codes", ArgsUsage: "CONTAINER [CONTAINER...]", Action: s.waitAction}
	inspect := &cli.Command{
		Name: "inspect", Usage: "show details of containers or images as JSON", ArgsUsage: "NAME|ID [NAME|ID...]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "Go template applied to each result"},
			&cli.StringFlag{Name: "type", Usage: "container or image (default: whichever matches)"},
		},
		Action: s.inspectAction,
	}
	rename := &cli.Command{Name: "rename", Usage: "rename a container", ArgsUsage: "CONTAINER NEW-NAME", Action: s.renameAction}
	prune := &cli.Command{
		Name: "prune", Usage: "remove all stopped containers",
		Flags:  []cli.Flag{&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "do not ask (skiff never asks)"}},
		Action: s.pruneAction,
	}
	execFlags, execEnv := repeatable("env", "e", "set an environment variable")
	execCmd := &cli.Command{
		Name: "exec", Usage: "run a command in a running container", ArgsUsage: "CONTAINER COMMAND [ARG...]",
		Flags: append([]cli.Flag{
			&cli.BoolFlag{Name: "interactive", Aliases: []string{"i"}, Usage: "keep stdin open"},
			&cli.BoolFlag{Name: "tty", Aliases: []string{"t"}, Usage: "allocate a pseudo-terminal"},
			&cli.BoolFlag{Name: "detach", Aliases: []string{"d"}, Usage: "run in the background"},
			&cli.StringFlag{Name: "workdir", Aliases: []string{"w"}, Usage: "working directory"},
			&cli.StringFlag{Name: "user", Aliases: []string{"u"}, Usage: "user NAME|UID[:GROUP|GID]"},
			&cli.StringFlag{Name: "detach-keys", Value: "ctrl-p,ctrl-q", Usage: "key sequence that detaches"},
		}, execFlags...),
		Action: func(c *cli.Context) error { return s.execAction(c, execEnv.values) },
	}
	port := s.portCommand()
	top := s.topCommand()
	statsCmd := s.statsCommand()
	update := s.updateCommand()
	return []*cli.Command{
		ps("ps"), start, stop, kill, restart, rm("rm"), logs, wait, inspect, rename, execCmd, port, top, statsCmd, update,
		{
			Name:  "container",
			Usage: "manage containers",
			Subcommands: []*cli.Command{
				ps("ls", "list", "ps"), rm("rm", "remove"), prune,
				{Name: "start", Usage: start.Usage, ArgsUsage: start.ArgsUsage, Flags: start.Flags, Action: start.Action},
				{Name: "stop", Usage: stop.Usage, ArgsUsage: stop.ArgsUsage, Flags: stop.Flags, Action: stop.Action},
				{Name: "kill", Usage: kill.Usage, ArgsUsage: kill.ArgsUsage, Flags: kill.Flags, Action: kill.Action},
				{Name: "restart", Usage: restart.Usage, ArgsUsage: restart.ArgsUsage, Flags: restart.Flags, Action: restart.Action},
				{Name: "logs", Usage: logs.Usage, ArgsUsage: logs.ArgsUsage, Flags: logs.Flags, Action: logs.Action},
				{Name: "wait", Usage: wait.Usage, ArgsUsage: wait.ArgsUsage, Action: wait.Action},
				{Name: "inspect", Usage: "show details of containers as JSON", ArgsUsage: "CONTAINER [CONTAINER...]", Flags: inspect.Flags[:1], Action: s.containerInspectAction},
				{Name: "rename", Usage: rename.Usage, ArgsUsage: rename.ArgsUsage, Action: rename.Action},
				{Name: "exec", Usage: execCmd.Usage, ArgsUsage: execCmd.ArgsUsage, Flags: execCmd.Flags, Action: execCmd.Action},
				{Name: "port", Usage: port.Usage, ArgsUsage: port.ArgsUsage, Action: port.Action},
				{Name: "top", Usage: top.Usage, ArgsUsage: top.ArgsUsage, SkipFlagParsing: true, Action: top.Action},
				{Name: "stats", Usage: statsCmd.Usage, ArgsUsage: statsCmd.ArgsUsage, Flags: statsCmd.Flags, Action: statsCmd.Action},
				{Name: "update", Usage: update.Usage, ArgsUsage: update.ArgsUsage, Flags: update.Flags, Action: update.Action},
			},
		},
	}
}

func needArgs(c *cli.Context, n int, what string) error {
	if c.NArg() < n {
		return usagef("'%s' needs %s: see '%s --help'", c.Command.HelpName, what, c.Command.HelpName)
	}
	return nil
}

// lookupContainer opens the stores and finds one container.
func (s *session) lookupContainer(ref string) (*lifecycle.Manager, *container.Container, error) {
	m, err := s.manager()
	if err != nil {
		return nil, nil, err
	}
	ctr, err := m.Containers.Lookup(ref)
	if err != nil {
		return nil, nil, containerLookupError(ref, err)
	}
	return m, ctr, nil
}

// eachContainer runs fn on every named container, printing each name done
// (as Docker does) and errors as they come; it fails the command if any
// failed.
func (s *session) eachContainer(c *cli.Context, fn func(m *lifecycle.Manager, ctr *container.Container) error) error {
	return s.forContainers(c, true, fn)
}

func (s *session) forContainers(c *cli.Context, echo bool, fn func(m *lifecycle.Manager, ctr *container.Container) error) error {
	m, err := s.manager()
	if err != nil {
		return err
	}
	var failed bool
	for _, ref := range c.Args().Slice() {
		ctr, err := m.Containers.Lookup(ref)
		if err == nil {
			err = fn(m, ctr)
		} else {
			err = containerLookupError(ref, err)
		}
		if err != nil {
			fmt.Fprintf(s.io.Err, "Error: %s\n", oneLine(err.Error()))
			failed = true
			continue
		}
		if echo {
			fmt.Fprintln(s.io.Out, ref)
		}
	}
	if failed {
		return &ExitError{Code: ExitSkiff}
	}
	return nil
}

func (s *session) startAction(c *cli.Context) error {
	if err := needArgs(c, 1, "a container"); err != nil {
		return err
	}
	e, err := s.engine()
	if err != nil {
		return err
	}
	if v := c.String("policy-restart"); v != "" {
		return s.policyRestart(c, e, v)
	}
	a := s.attachment(c.String("detach-keys"), c.Bool("interactive"))
	defer a.close()
	o := engine.StartOptions{Attach: c.Bool("attach") || c.Bool("interactive"), Streams: a.streams}
	if o.Attach {
		if c.NArg() != 1 {
			return usagef("'%s -a' takes one container", c.Command.HelpName)
		}
		x, err := e.Start(s.ctx, c.Args().First(), o)
		return s.exited(x, err)
	}
	// Not attached, a passthrough container still gets skiff's streams.
	o.Stdin = s.io.In
	var failed bool
	for _, ref := range c.Args().Slice() {
		if _, err := e.Start(s.ctx, ref, o); err != nil {
			fmt.Fprintf(s.io.Err, "Error: %s\n", oneLine(optionError(err).Error()))
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

// policyRestart is a start by a container's restart policy (skiff-monitor
// runs it), with this process's streams: a passthrough container's.
func (s *session) policyRestart(c *cli.Context, e *engine.Engine, v string) error {
	var count int
	var ms int64
	if _, err := fmt.Sscanf(v, "%d:%d", &count, &ms); err != nil || c.NArg() != 1 {
		return usagef("--policy-restart is skiff-monitor's: COUNT:DELAY CONTAINER")
	}
	o := engine.StartOptions{Streams: engine.Streams{Stdin: s.io.In, Stdout: s.io.Out, Stderr: s.io.Err}}
	return startError(e.RestartByPolicy(s.ctx, c.Args().First(), count, time.Duration(ms)*time.Millisecond, o))
}

// startError keeps a start failure to its message; the exit code of the
// command is 125 for several containers, as Docker has it.
func startError(err error) error {
	if err == nil {
		return nil
	}
	return errors.New(oneLine(err.Error()))
}

func stopTimeout(c *cli.Context, ctr *container.Container) time.Duration {
	if c.IsSet("time") {
		return time.Duration(c.Int("time")) * time.Second
	}
	return ctr.StopTimeoutOrDefault()
}

// checkTime rejects a negative -t before anything is stopped.
func checkTime(c *cli.Context) error {
	if c.IsSet("time") && c.Int("time") < 0 {
		return usagef("invalid --time %d: use a number of seconds >= 0", c.Int("time"))
	}
	return nil
}

func (s *session) stopAction(c *cli.Context) error {
	if err := needArgs(c, 1, "a container"); err != nil {
		return err
	}
	if err := checkTime(c); err != nil {
		return err
	}
	return s.eachContainer(c, func(m *lifecycle.Manager, ctr *container.Container) error {
		return m.Stop(s.ctx, ctr, stopTimeout(c, ctr))
	})
}

func (s *session) killAction(c *cli.Context) error {
	if err := needArgs(c, 1, "a container"); err != nil {
		return err
	}
	sig, err := lifecycle.ParseSignal(c.String("signal"))
	if err != nil {
		return usagef("%v", err)
	}
	return s.eachContainer(c, func(m *lifecycle.Manager, ctr *container.Container) error {
		return m.Signal(ctr, sig)
	})
}

func (s *session) restartAction(c *cli.Context) error {
	if err := needArgs(c, 1, "a container"); err != nil {
		return err
	}
	if err := checkTime(c); err != nil {
		return err
	}
	return s.eachContainer(c, func(m *lifecycle.Manager, ctr *container.Container) error {
		if err := m.Stop(s.ctx, ctr, stopTimeout(c, ctr)); err != nil {
			return err
		}
		_, err := m.Start(s.ctx, ctr, lifecycle.StartOptions{Caller: s.callerStdio()})
		return startError(err)
	})
}

func (s *session) rmAction(c *cli.Context) error {
	if err := needArgs(c, 1, "a container"); err != nil {
		return err
	}
	return s.eachContainer(c, func(m *lifecycle.Manager, ctr *container.Container) error {
		return m.Remove(s.ctx, ctr, c.Bool("force"))
	})
}

func (s *session) waitAction(c *cli.Context) error {
	if err := needArgs(c, 1, "a container"); err != nil {
		return err
	}
	return s.forContainers(c, false, func(m *lifecycle.Manager, ctr *container.Container) error {
		code, err := m.Wait(s.ctx, ctr)
		if err == nil {
			fmt.Fprintln(s.io.Out, code)
		}
		return err
	})
}

func (s *session) renameAction(c *cli.Context) error {
	if c.NArg() != 2 {
		return usagef("'%s' takes CONTAINER and NEW-NAME", c.Command.HelpName)
	}
	if err := container.ValidName(c.Args().Get(1)); err != nil {
		return usagef("%v", err)
	}
	m, ctr, err := s.lookupContainer(c.Args().First())
	if err != nil {
		return err
	}
	if err := m.Containers.Rename(ctr, c.Args().Get(1)); err != nil {
		if errors.Is(err, container.ErrNameInUse) {
			return usagef("%v", err)
		}
		return err
	}
	return nil
}

func (s *session) pruneAction(c *cli.Context) error {
	m, err := s.manager()
	if err != nil {
		return err
	}
	ctrs, err := m.Containers.List()
	if err != nil {
		return err
	}
	defer m.Containers.CollectOrphans()
	for _, ctr := range ctrs {
		st, err := m.SettledState(s.ctx, ctr)
		if err != nil || st.Status == container.StatusRunning {
			continue
		}
		if err := m.Containers.Remove(ctr); err != nil {
			return err
		}
		fmt.Fprintln(s.io.Out, ctr.ID)
	}
	return nil
}

// signalName gives a signal's name for messages.
func signalName(sig unix.Signal) string { return unix.SignalName(sig) }
