// Package cli is skiff's command line, a front end of internal/engine: it
// maps Docker-style arguments to the engine's options, makes one engine
// call, and renders the result, its errors as one line and Docker's exit
// codes.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/buildinfo"
	"github.com/skiff-containers/skiff/internal/engine"
)

// Exit codes, as Docker uses them.
const (
	ExitSkiff     = 125 // skiff itself failed or was used wrongly
	ExitCannotRun = 126 // the container command cannot be invoked
	ExitNotFound  = 127 // the container command was not found
)

// ExitError carries an exit code out of a command. A nil Err means the
// message was already printed (or there is none, as for a container's own
// exit status).
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// usageError is wrong use of the command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{msg: fmt.Sprintf(format, a...)} }

// IO is where a command reads and writes.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
}

// session is the state of one invocation.
type session struct {
	io     IO
	ctx    context.Context
	global globalOptions
	eng    *engine.Engine
}

type globalOptions struct {
	root, runroot, driver, logLevel, configFile string
}

// Main runs skiff with args (os.Args) and returns the exit code.
func Main(args []string, streams IO) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	s := &session{io: streams, ctx: ctx}
	defer s.close()
	app := s.app()
	err := app.RunContext(ctx, placeFlags(app, args))
	return s.exitCode(err)
}

func (s *session) exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		if ee.Err != nil {
			fmt.Fprintf(s.io.Err, "Error: %s\n", oneLine(ee.Err.Error()))
		}
		return ee.Code
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(s.io.Err, "Error: %s\n", oneLine(ue.msg))
		return ExitSkiff
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(s.io.Err, "Error: interrupted")
		return interruptedCode(context.Cause(s.ctx))
	}
	fmt.Fprintf(s.io.Err, "Error: %s\n", oneLine(err.Error()))
	return ExitSkiff
}

// oneLine keeps errors from libraries that span lines to one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

func (s *session) app() *cli.App {
	app := &cli.App{
		Name:                   "skiff",
		Usage:                  "run containers without a daemon and without root",
		UsageText:              "skiff [global options] COMMAND [options] [arguments...]",
		Version:                buildinfo.Version,
		UseShortOptionHandling: true,
		Reader:                 s.io.In,
		Writer:                 s.io.Out,
		ErrWriter:              s.io.Err,
		ExitErrHandler:         func(*cli.Context, error) {},
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "root", Usage: "directory for images and containers (default: ~/.local/share/skiff, /var/lib/skiff as root)", Destination: &s.global.root},
			&cli.StringFlag{Name: "runroot", Usage: "directory for runtime state (default: $XDG_RUNTIME_DIR/skiff, /run/skiff as root)", Destination: &s.global.runroot},
			&cli.StringFlag{Name: "storage-driver", Usage: "storage driver: overlay or vfs (default: overlay where it works)", Destination: &s.global.driver},
			&cli.StringFlag{Name: "config", Usage: "configuration file (default: ~/.config/skiff/config.toml, /etc/skiff/config.toml as root)", Destination: &s.global.configFile},
			&cli.StringFlag{Name: "log-level", Value: "warn", Usage: "log level: debug, info, warn, error", Destination: &s.global.logLevel},
		},
		Before: func(c *cli.Context) error {
			return s.setupLogging()
		},
		Commands: s.commands(),
	}
	app.OnUsageError = func(c *cli.Context, err error, _ bool) error { return flagError(c, err) }
	app.Action = func(c *cli.Context) error {
		if c.NArg() == 0 {
			return cli.ShowAppHelp(c)
		}
		return usagef("'%s' is not a skiff command: see 'skiff --help'", c.Args().First())
	}
	wireUsage(app.Commands)
	wireExitCodes(app.Commands)
	cli.VersionPrinter = func(c *cli.Context) {
		// Docker's line: "Docker version 29.0.0, build 3d4129b".
		fmt.Fprintf(c.App.Writer, "skiff version %s, build %s\n", c.App.Version, buildinfo.Commit)
	}
	return app
}

// wireUsage makes every command report flag errors as one line with exit
// 125, and reject unknown subcommands.
func wireUsage(cmds []*cli.Command) {
	for _, c := range cmds {
		c.OnUsageError = func(ctx *cli.Context, err error, _ bool) error { return flagError(ctx, err) }
		if len(c.Subcommands) > 0 {
			wireUsage(c.Subcommands)
			group := c
			if c.Action == nil {
				c.Action = func(ctx *cli.Context) error {
					if ctx.NArg() == 0 {
						return cli.ShowSubcommandHelp(ctx)
					}
					return usagef("'%s' is not a 'skiff %s' command: see 'skiff %s --help'", ctx.Args().First(), group.Name, group.Name)
				}
			}
		}
	}
}

func flagError(c *cli.Context, err error) error {
	msg := typedFlagNames(c.App, err.Error())
	if strings.HasPrefix(msg, "flag provided but not defined: ") {
		msg = "unknown flag " + strings.TrimPrefix(msg, "flag provided but not defined: ")
	}
	return usagef("%s: see '%s --help'", msg, c.Command.HelpName)
}

// setupLogging routes library logs (containers/storage uses logrus) to
// stderr as short lines.
func (s *session) setupLogging() error {
	lvl, err := logrus.ParseLevel(s.global.logLevel)
	if err != nil {
		return usagef("invalid --log-level %q: use debug, info, warn or error", s.global.logLevel)
	}
	logrus.SetLevel(lvl)
	logrus.SetOutput(s.io.Err)
	logrus.SetFormatter(lineFormatter{})
	return nil
}

type lineFormatter struct{}

func (lineFormatter) Format(e *logrus.Entry) ([]byte, error) {
	lvl := e.Level.String()
	if lvl == "warning" {
		lvl = "warn"
	}
	return []byte(fmt.Sprintf("skiff: %s: %s\n", lvl, oneLine(e.Message))), nil
}

func (s *session) warnf(format string, a ...any) {
	fmt.Fprintf(s.io.Err, "skiff: warning: "+format+"\n", a...)
}

// engineOptions are the global flags as the engine's options.
func (s *session) engineOptions() engine.Options {
	return engine.Options{
		GraphRoot: s.global.root, RunRoot: s.global.runroot, ConfigFile: s.global.configFile,
		Driver: s.global.driver, Env: os.Getenv,
		Warn: func(msg string) { s.warnf("%s", msg) },
		Unit: engine.Unit{InvocationID: os.Getenv("INVOCATION_ID"), NotifySocket: os.Getenv("NOTIFY_SOCKET")},
	}
}

// engine opens the engine once.
func (s *session) engine() (*engine.Engine, error) {
	if s.eng != nil {
		return s.eng, nil
	}
	e, err := engine.Open(s.ctx, s.engineOptions())
	if err != nil {
		return nil, s.usage(err)
	}
	s.eng = e
	return e, nil
}

// usage words the engine's invalid global options as the flags they
// came from.
func (s *session) usage(err error) error {
	var ie *engine.InvalidOptionError
	if !errors.As(err, &ie) {
		return err
	}
	flag := map[string]string{"GraphRoot": "--root", "RunRoot": "--runroot", "ConfigFile": "--config", "Driver": "--storage-driver"}[ie.Field]
	if flag == "" {
		return usagef("%v", err)
	}
	switch ie.Field {
	case "GraphRoot":
		return usagef("%s", ie.Reason)
	case "Driver":
		return usagef("storage driver %q is %s", ie.Value, ie.Reason)
	}
	if ie.Value == "" {
		return usagef("%s: %s", flag, ie.Reason)
	}
	return usagef("%s %s: %s", flag, ie.Value, ie.Reason)
}

func (s *session) close() {
	_ = s.eng.Close()
}

func (s *session) commands() []*cli.Command {
	var cmds []*cli.Command
	cmds = append(cmds, s.imageCommands()...)
	cmds = append(cmds, s.buildCommands()...)
	cmds = append(cmds, s.containerCreateCommands()...)
	cmds = append(cmds, s.containerCommands()...)
	cmds = append(cmds, s.networkCommands()...)
	cmds = append(cmds, s.generateCommands()...)
	cmds = append(cmds, s.systemCommands()...)
	return cmds
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unixIoctlGetTermios(int(f.Fd()))
	return err == nil
}
