package cli

import (
	"regexp"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

// urfave/cli v2 (Go's flag package) stops at a command's first argument,
// where Docker's CLI (pflag) takes flags anywhere: `stop C -t 0` would stop
// C with the default timeout and then look for containers "-t" and "0".
// placeFlags rewrites the command line before urfave sees it so that a
// command's flags come first, which is the one order both agree on.

// typedArgvKey keeps the command line as the user typed it in the app's
// Metadata, for error messages.
const typedArgvKey = "skiff.argv"

// placeFlags returns args (os.Args) with each command's flags moved in
// front of its arguments. What a flag is, and whether it takes a value,
// comes from the commands' own definitions, so a new flag needs nothing
// here. It also records args for flagError.
func placeFlags(app *cli.App, args []string) []string {
	if app.Metadata == nil {
		app.Metadata = map[string]any{}
	}
	app.Metadata[typedArgvKey] = args
	if len(args) < 2 {
		return args
	}
	global := flagsOf(app.Flags)
	if !app.HideVersion {
		global.add(cli.VersionFlag)
	}
	return append([]string{args[0]}, descend(global, app.Commands, args[1:])...)
}

// flagSpec maps each name of a command's flags to whether the flag takes
// a value: every flag but a boolean does.
type flagSpec map[string]bool

func flagsOf(flags []cli.Flag) flagSpec {
	spec := flagSpec{}
	for _, f := range flags {
		spec.add(f)
	}
	// urfave adds -h/--help to every command when it runs it.
	spec.add(cli.HelpFlag)
	return spec
}

func (spec flagSpec) add(f cli.Flag) {
	isBool := isBoolFlag(f)
	for _, n := range f.Names() {
		spec[n] = !isBool
	}
}

// isBoolFlag: a boolean flag, or a generic one whose value says it is
// boolean (build's --pull), takes a value only as --name=value, as Go's
// flag package reads it.
func isBoolFlag(f cli.Flag) bool {
	if _, ok := f.(*cli.BoolFlag); ok {
		return true
	}
	if g, ok := f.(*cli.GenericFlag); ok {
		if b, ok := g.Value.(interface{ IsBoolFlag() bool }); ok {
			return b.IsBoolFlag()
		}
	}
	return false
}

// isFlag tells flags from arguments as Go's flag package does: "-" alone
// (stdin) is an argument.
func isFlag(arg string) bool { return len(arg) > 1 && arg[0] == '-' }

// split returns arg as urfave must see it, and whether it takes the next
// token as its value. --name=value is one token. A cluster of short flags
// whose value is attached (-t0, -uroot, -dp8080:80) is split in two at the
// value (-d -p 8080:80); one without (-itd, -dp 8080:80) is left to
// urfave's short option handling, which splits it alike. Unknown flags are
// left as they are for urfave to report.
func (spec flagSpec) split(arg string) (tokens []string, needsValue bool) {
	long := strings.HasPrefix(arg, "--")
	name, _, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	if takes, known := spec[name]; long || known {
		// Go's flag package also takes long names after one dash
		// (-rm, -net), as skiff always has.
		return []string{arg}, takes && !hasValue
	}
	var out []string
	for i := 1; i < len(arg); i++ {
		short := arg[i : i+1]
		takes, ok := spec[short]
		if !ok {
			return []string{arg}, false
		}
		out = append(out, "-"+short)
		if !takes {
			continue
		}
		value := arg[i+1:]
		if value == "" {
			return []string{arg}, true
		}
		// pflag reads -p=80 and -dp=80 as the value 80.
		return append(out, strings.TrimPrefix(value, "=")), false
	}
	return []string{arg}, false
}

// descend passes over the flags before a command word (the global ones,
// or a command group's) and places the flags of the command it names.
// Flags of an outer level stay where they are: Docker also wants global
// flags before the command.
func descend(spec flagSpec, cmds []*cli.Command, rest []string) []string {
	for i := 0; i < len(rest); i++ {
		if rest[i] == "--" {
			return rest
		}
		if isFlag(rest[i]) {
			if _, needsValue := spec.split(rest[i]); needsValue {
				i++
			}
			continue
		}
		cmd := findCommand(cmds, rest[i])
		if cmd == nil {
			// urfave's own help command, or a word it reports as unknown.
			return rest
		}
		return append(rest[:i+1:i+1], place(cmd, rest[i+1:])...)
	}
	return rest
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

func place(cmd *cli.Command, rest []string) []string {
	switch {
	case cmd.SkipFlagParsing:
		// top passes its arguments to ps, unshare to a program.
		return rest
	case len(cmd.Subcommands) > 0:
		return descend(flagsOf(cmd.Flags), cmd.Subcommands, rest)
	}
	spec := flagsOf(cmd.Flags)
	keepTail := runsProgram(cmd)
	var flags, names []string
	help := false
	for i := 0; i < len(rest); i++ {
		arg := rest[i]
		if arg == "--" {
			if help {
				return flags
			}
			flags = append(flags, "--")
			return append(append(flags, names...), rest[i+1:]...)
		}
		if !isFlag(arg) {
			if keepTail {
				return append(flags, rest[i:]...)
			}
			names = append(names, arg)
			continue
		}
		tokens, needsValue := spec.split(arg)
		flags = append(flags, tokens...)
		help = help || isHelp(arg)
		if needsValue {
			if i+1 == len(rest) {
				// Last, without its value: urfave must say so rather
				// than take the name before it as the value.
				return flags
			}
			i++
			flags = append(flags, rest[i])
		}
	}
	if help {
		// urfave's help takes a name after the command for a help topic
		// ("No help topic for 'C'"); `rm C --help` asks for rm's.
		return flags
	}
	return append(flags, names...)
}

func isHelp(arg string) bool {
	name := strings.TrimLeft(arg, "-")
	return slices.Contains(cli.HelpFlag.Names(), name)
}

// runsProgram reports whether cmd runs a program given after its first
// argument (run and create IMAGE, exec CONTAINER): what follows that
// argument is the program's, flags too, as in Docker. Their usage line
// says so.
func runsProgram(cmd *cli.Command) bool {
	return strings.Contains(cmd.ArgsUsage, "COMMAND [ARG...]")
}

// goFlagName finds the flag names in Go's flag package errors, which it
// always prints with one dash: "flag provided but not defined: -external".
var goFlagName = regexp.MustCompile(`(not defined: |needs an argument: |for flag |for )-([^\s=:]+)`)

// typedFlagNames writes the flag names in an error from Go's flag package
// as the user typed them.
func typedFlagNames(app *cli.App, msg string) string {
	argv, _ := app.Metadata[typedArgvKey].([]string)
	return goFlagName.ReplaceAllStringFunc(msg, func(m string) string {
		sub := goFlagName.FindStringSubmatch(m)
		return sub[1] + typedFlag(argv, sub[2])
	})
}

func typedFlag(argv []string, name string) string {
	for _, a := range argv {
		for _, dashes := range []string{"--", "-"} {
			if a == dashes+name || strings.HasPrefix(a, dashes+name+"=") {
				return dashes + name
			}
		}
	}
	// A short flag split out of a cluster, or a name that is not there.
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}
