package cli

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/engine"
)

func (s *session) containerCommands() []*cli.Command {
	ps := func(name string, aliases ...string) *cli.Command {
		flags, filters := psFlags()
		return &cli.Command{
			Name: name, Aliases: aliases, Usage: "list containers", Flags: flags,
			Action: func(c *cli.Context) error { return s.psAction(c, filters.values) },
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
		Flags:  stopFlags("seconds to wait before killing (default: the container's stop timeout)"),
		Action: s.stopAction,
	}
	kill := &cli.Command{
		Name: "kill", Usage: "send a signal to running containers", ArgsUsage: "CONTAINER [CONTAINER...]",
		Flags:  []cli.Flag{&cli.StringFlag{Name: "signal", Aliases: []string{"s"}, Value: "SIGKILL", Usage: "signal to send"}},
		Action: s.killAction,
	}
	restart := &cli.Command{
		Name: "restart", Usage: "restart containers", ArgsUsage: "CONTAINER [CONTAINER...]",
		Flags:  stopFlags("seconds to wait before killing"),
		Action: s.restartAction,
	}
	rm := func(name string, aliases ...string) *cli.Command {
		return &cli.Command{
			Name: name, Aliases: aliases, Usage: "remove containers", ArgsUsage: "CONTAINER [CONTAINER...]",
			Flags: []cli.Flag{
				&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "kill and remove running containers"},
				&cli.BoolFlag{Name: "volumes", Aliases: []string{"v"}, Usage: "remove anonymous volumes (skiff has none yet: refused)"},
			},
			Action: s.rmAction,
		}
	}
	logs := &cli.Command{
		Name: "logs", Usage: "show a container's output", ArgsUsage: "CONTAINER",
		Flags: logsFlags(), Action: s.logsAction,
	}
	wait := &cli.Command{Name: "wait", Usage: "wait for containers to stop and print their exit codes", ArgsUsage: "CONTAINER [CONTAINER...]", Action: s.waitAction}
	inspect := &cli.Command{
		Name: "inspect", Usage: "show details of containers or images as JSON", ArgsUsage: "NAME|ID [NAME|ID...]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "Go template applied to each result"},
			&cli.BoolFlag{Name: "size", Aliases: []string{"s"}, Usage: "add a container's SizeRw and SizeRootFs"},
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
		ps("ps"), start, stop, kill, restart, rm("rm"), logs, wait, inspect, rename, execCmd, port, top, statsCmd, update, s.commitCommand("commit"),
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
				{Name: "inspect", Usage: "show details of containers as JSON", ArgsUsage: "CONTAINER [CONTAINER...]", Flags: inspect.Flags[:2], Action: s.containerInspectAction},
				{Name: "rename", Usage: rename.Usage, ArgsUsage: rename.ArgsUsage, Action: rename.Action},
				{Name: "exec", Usage: execCmd.Usage, ArgsUsage: execCmd.ArgsUsage, Flags: execCmd.Flags, Action: execCmd.Action},
				{Name: "port", Usage: port.Usage, ArgsUsage: port.ArgsUsage, Action: port.Action},
				{Name: "top", Usage: top.Usage, ArgsUsage: top.ArgsUsage, SkipFlagParsing: true, Action: top.Action},
				{Name: "stats", Usage: statsCmd.Usage, ArgsUsage: statsCmd.ArgsUsage, Flags: statsCmd.Flags, Action: statsCmd.Action},
				{Name: "update", Usage: update.Usage, ArgsUsage: update.ArgsUsage, Flags: update.Flags, Action: update.Action},
				s.commitCommand("commit"),
			},
		},
	}
}

// needArgs refuses a command given fewer than n arguments; what names them.
func needArgs(c *cli.Context, n int, what string) error {
	if c.NArg() < n {
		return usagef("'%s' needs %s: see '%s --help'", c.Command.HelpName, what, c.Command.HelpName)
	}
	return nil
}

// containerOptionError words an engine's refusal of an option of the
// container verbs as the flag or
// argument it came from; other errors pass as they are.
func containerOptionError(c *cli.Context, err error) error {
	var ie *engine.InvalidOptionError
	if !errors.As(err, &ie) {
		return err
	}
	// How each field is named, and whether its value is quoted, as the
	// messages have always been.
	names := map[string]struct {
		name string
		bare bool
	}{
		"Timeout": {"--timeout", true}, "Last": {"--last", true}, "Tail": {"--tail", false}, "Since": {"--since", false},
		"Until":  {"--until", false},
		"Signal": {"signal", false}, "Name": {"container name", false}, "Port": {"port", false}, "Volumes": {"--volumes", false},
	}
	switch {
	case ie.Field == "UpdateOptions":
		return usagef("'%s' needs at least one limit to change, such as --memory 256m", c.Command.HelpName)
	case ie.Field == "PsArgs":
		return usagef("ps %s: %s", ie.Value, ie.Reason)
	case strings.HasPrefix(ie.Field, "Filters."):
		return usagef("invalid filter %q: %s", strings.ToLower(strings.TrimPrefix(ie.Field, "Filters."))+"="+ie.Value, ie.Reason)
	}
	n, ok := names[ie.Field]
	switch {
	case !ok:
		return usagef("%v", err)
	case ie.Value == "":
		return usagef("%s: %s", n.name, ie.Reason)
	}
	value := strconv.Quote(ie.Value)
	if n.bare {
		value = ie.Value
	}
	if ie.Reason == "" {
		return usagef("invalid %s %s", n.name, value)
	}
	return usagef("invalid %s %s: %s", n.name, value, ie.Reason)
}

// printResults reports a verb over several containers as Docker does:
// each name done (if echo), each error as it came; the command fails if
// any did. A verb refused for its options says so once.
func (s *session) printResults(c *cli.Context, rs []engine.Result, echo bool) error {
	if err := engine.Refused(rs); err != nil {
		return containerOptionError(c, err)
	}
	var first error
	for _, r := range rs {
		switch {
		case r.Err != nil:
			fmt.Fprintf(s.io.Err, "Error: %s\n", oneLine(r.Err.Error()))
			if first == nil {
				first = r.Err
			}
		case echo:
			fmt.Fprintln(s.io.Out, r.Ref)
		}
	}
	if first != nil {
		return &reportedFailure{first: first}
	}
	return nil
}

// stopFlags are stop's and restart's. --time is Docker's older name of
// --timeout, which it still takes (hidden).
func stopFlags(timeUsage string) []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "timeout", Aliases: []string{"t"}, Value: -1, Usage: timeUsage},
		&cli.IntFlag{Name: "time", Value: -1, Hidden: true},
		&cli.StringFlag{Name: "signal", Aliases: []string{"s"}, Usage: "signal to stop the container with (default: its stop signal)"},
	}
}

// stopOptions: without -t, the container's own stop timeout.
func stopOptions(c *cli.Context) engine.StopOptions {
	o := engine.StopOptions{Signal: c.String("signal")}
	for _, name := range []string{"timeout", "time"} {
		if c.IsSet(name) {
			d := time.Duration(c.Int(name)) * time.Second
			o.Timeout = &d
		}
	}
	return o
}

func (s *session) stopAction(c *cli.Context) error {
	if err := needArgs(c, 1, "a container"); err != nil {
		return err
	}
	return s.onEngine(c, func(e *engine.Engine) []engine.Result {
		return e.Stop(s.ctx, c.Args().Slice(), stopOptions(c))
	})
}

func (s *session) killAction(c *cli.Context) error {
	if err := needArgs(c, 1, "a container"); err != nil {
		return err
	}
	return s.onEngine(c, func(e *engine.Engine) []engine.Result {
		return e.Kill(s.ctx, c.Args().Slice(), engine.KillOptions{Signal: c.String("signal")})
	})
}

func (s *session) restartAction(c *cli.Context) error {
	if err := needArgs(c, 1, "a container"); err != nil {
		return err
	}
	o := engine.RestartOptions{StopOptions: stopOptions(c), Stdin: s.io.In, Stdout: s.io.Out, Stderr: s.io.Err}
	return s.onEngine(c, func(e *engine.Engine) []engine.Result {
		return e.Restart(s.ctx, c.Args().Slice(), o)
	})
}

func (s *session) rmAction(c *cli.Context) error {
	if err := needArgs(c, 1, "a container"); err != nil {
		return err
	}
	o := engine.RemoveOptions{Force: c.Bool("force"), Volumes: c.Bool("volumes")}
	return s.onEngine(c, func(e *engine.Engine) []engine.Result {
		rs := e.Remove(s.ctx, c.Args().Slice(), o)
		if o.Force {
			// rm -f of a container that is not there is done, as Docker
			// has it: nothing printed, no failure.
			rs = slices.DeleteFunc(rs, func(r engine.Result) bool { return errors.Is(r.Err, engine.ErrNotFound) })
		}
		return rs
	})
}

// onEngine opens the engine, runs a verb over several containers and
// prints its results, echoing each name done.
func (s *session) onEngine(c *cli.Context, verb func(e *engine.Engine) []engine.Result) error {
	e, err := s.engine()
	if err != nil {
		return err
	}
	return s.printResults(c, verb(e), true)
}

func (s *session) waitAction(c *cli.Context) error {
	if err := needArgs(c, 1, "a container"); err != nil {
		return err
	}
	e, err := s.engine()
	if err != nil {
		return err
	}
	var rs []engine.Result
	for _, r := range e.Wait(s.ctx, c.Args().Slice()) {
		if r.Err == nil {
			fmt.Fprintln(s.io.Out, r.ExitCode)
		}
		rs = append(rs, r.Result)
	}
	return s.printResults(c, rs, false)
}

func (s *session) renameAction(c *cli.Context) error {
	if c.NArg() != 2 {
		return usagef("'%s' takes CONTAINER and NEW-NAME", c.Command.HelpName)
	}
	e, err := s.engine()
	if err != nil {
		return err
	}
	return containerOptionError(c, e.Rename(s.ctx, c.Args().First(), c.Args().Get(1)))
}

func (s *session) pruneAction(c *cli.Context) error {
	e, err := s.engine()
	if err != nil {
		return err
	}
	removed, err := e.Prune(s.ctx)
	for _, id := range removed {
		fmt.Fprintln(s.io.Out, id)
	}
	return err
}

func (s *session) updateCommand() *cli.Command {
	flags, lists := limitFlags()
	return &cli.Command{
		Name: "update", Usage: "change containers' resource limits (at once if they run)", ArgsUsage: "CONTAINER [CONTAINER...]",
		Flags: flags,
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, "a container"); err != nil {
				return err
			}
			o := engine.UpdateOptions{
				Memory: c.String("memory"), MemoryReservation: c.String("memory-reservation"), MemorySwap: c.String("memory-swap"),
				CPUs: c.String("cpus"), CPUShares: c.String("cpu-shares"), CpusetCpus: c.String("cpuset-cpus"), CpusetMems: c.String("cpuset-mems"),
				PidsLimit: c.String("pids-limit"), BlkioWeight: c.String("blkio-weight"),
				DeviceReadBps: lists.read.values, DeviceWriteBps: lists.write.values, CgroupConf: lists.conf.values,
			}
			return s.onEngine(c, func(e *engine.Engine) []engine.Result {
				return e.Update(s.ctx, c.Args().Slice(), o)
			})
		},
	}
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
	var first error
	for _, ref := range c.Args().Slice() {
		if _, err := e.Start(s.ctx, ref, o); err != nil {
			fmt.Fprintf(s.io.Err, "Error: %s\n", oneLine(createOptionError(err).Error()))
			if first == nil {
				first = err
			}
			continue
		}
		fmt.Fprintln(s.io.Out, ref)
	}
	if first != nil {
		return &reportedFailure{first: first}
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
