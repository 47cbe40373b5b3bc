package cli

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// parsed is what a command's action saw.
type parsed struct {
	cmd  string
	args []string
	ctx  *cli.Context
}

// recordingApp is skiff's real command tree with every action replaced by
// one that records what urfave parsed.
func recordingApp(t *testing.T) (*cli.App, *parsed, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	s := &session{io: IO{In: strings.NewReader(""), Out: &out, Err: &out}}
	app := s.app()
	got := &parsed{}
	record := func(c *cli.Context) error {
		got.cmd, got.args, got.ctx = c.Command.HelpName, c.Args().Slice(), c
		return nil
	}
	var wire func([]*cli.Command)
	wire = func(cmds []*cli.Command) {
		for _, c := range cmds {
			c.Action = record
			wire(c.Subcommands)
		}
	}
	wire(app.Commands)
	return app, got, &out
}

func runRecorded(t *testing.T, argv ...string) (*parsed, string, error) {
	t.Helper()
	app, got, out := recordingApp(t)
	err := app.RunContext(context.Background(), placeFlags(app, append([]string{"skiff"}, argv...)))
	return got, out.String(), err
}

func TestPlaceFlags(t *testing.T) {
	tests := []struct {
		argv  []string
		cmd   string
		args  []string
		flags map[string]string // flag name -> value urfave parsed
	}{
		// Flags after the names, as Docker takes them.
		{[]string{"logs", "C", "--tail", "1"}, "logs", []string{"C"}, map[string]string{"tail": "1"}},
		{[]string{"stop", "C", "-t", "0"}, "stop", []string{"C"}, map[string]string{"timeout": "0"}},
		{[]string{"stop", "C1", "-t0", "C2"}, "stop", []string{"C1", "C2"}, map[string]string{"timeout": "0"}},
		{[]string{"stop", "C", "--time=5"}, "stop", []string{"C"}, map[string]string{"time": "5"}},
		{[]string{"restart", "C", "--timeout", "2", "-s", "INT"}, "restart", []string{"C"}, map[string]string{"timeout": "2", "signal": "INT"}},
		{[]string{"logs", "C", "--until", "10m"}, "logs", []string{"C"}, map[string]string{"until": "10m"}},
		{[]string{"rm", "C", "-f"}, "rm", []string{"C"}, map[string]string{"force": "true", "volumes": "false"}},
		{[]string{"rm", "-f", "C1", "C2", "-v"}, "rm", []string{"C1", "C2"}, map[string]string{"force": "true", "volumes": "true"}},
		{[]string{"container", "rm", "C", "--force"}, "container rm", []string{"C"}, map[string]string{"force": "true"}},
		{[]string{"kill", "C", "-s", "HUP"}, "kill", []string{"C"}, map[string]string{"signal": "HUP"}},
		{[]string{"logs", "C", "-ft"}, "logs", []string{"C"}, map[string]string{"follow": "true", "timestamps": "true"}},
		{[]string{"inspect", "IMG", "--format", "{{.Id}}"}, "inspect", []string{"IMG"}, map[string]string{"format": "{{.Id}}"}},
		{[]string{"image", "inspect", "IMG", "-f", "{{.ID}}"}, "image inspect", []string{"IMG"}, map[string]string{"format": "{{.ID}}"}},
		{[]string{"network", "create", "N", "--driver", "bridge", "--internal"}, "network create", []string{"N"}, map[string]string{"driver": "bridge", "internal": "true"}},
		{[]string{"images", "--format", "x"}, "images", nil, map[string]string{"format": "x"}},
		{[]string{"images", "busybox", "-q"}, "images", []string{"busybox"}, map[string]string{"quiet": "true"}},
		{[]string{"ps", "-aq", "--format", "{{.ID}}"}, "ps", nil, map[string]string{"all": "true", "quiet": "true", "format": "{{.ID}}"}},
		{[]string{"ps", "-as"}, "ps", nil, map[string]string{"all": "true", "size": "true"}},
		{[]string{"inspect", "C", "-s"}, "inspect", []string{"C"}, map[string]string{"size": "true"}},
		{[]string{"container", "inspect", "--size", "C"}, "container inspect", []string{"C"}, map[string]string{"size": "true"}},
		{[]string{"import", "-", "img:1", "--change", "CMD [\"sh\"]", "-m", "msg"}, "import", []string{"-", "img:1"}, map[string]string{"change": `CMD ["sh"]`, "message": "msg"}},
		{[]string{"commit", "C", "img:1", "-c", "CMD [\"sh\"]", "-p=false", "-a", "me"}, "commit", []string{"C", "img:1"}, map[string]string{"change": `CMD ["sh"]`, "pause": "false", "author": "me"}},
		// A value-taking flag takes the next token, dash or not.
		{[]string{"exec", "-e", "-x", "C", "env"}, "exec", []string{"C", "env"}, map[string]string{"e": "-x"}},
		{[]string{"logs", "C", "--since", "-1"}, "logs", []string{"C"}, map[string]string{"since": "-1"}},
		// Values attached to short flags, and clusters ending in one.
		{[]string{"run", "-t", "-eFOO=bar", "-w/tmp", "-uroot", "bb"}, "run", []string{"bb"}, map[string]string{"e": "FOO=bar", "workdir": "/tmp", "user": "root", "tty": "true"}},
		{[]string{"run", "-dp8080:80", "bb"}, "run", []string{"bb"}, map[string]string{"detach": "true", "p": "8080:80"}},
		{[]string{"run", "-dp=8080:80", "bb"}, "run", []string{"bb"}, map[string]string{"detach": "true", "p": "8080:80"}},
		{[]string{"run", "-dp", "8080:80", "bb"}, "run", []string{"bb"}, map[string]string{"detach": "true", "p": "8080:80"}},
		{[]string{"run", "-itd", "bb"}, "run", []string{"bb"}, map[string]string{"interactive": "true", "tty": "true", "detach": "true"}},
		{[]string{"run", "-p=80", "bb"}, "run", []string{"bb"}, map[string]string{"p": "80"}},
		{[]string{"run", "-net", "host", "--name=web", "bb"}, "run", []string{"bb"}, map[string]string{"network": "host", "name": "web"}},
		{[]string{"run", "-a", "stdout", "-q", "bb", "sh"}, "run", []string{"bb", "sh"}, map[string]string{"a": "stdout", "quiet": "true"}},
		{[]string{"run", "-astderr", "bb"}, "run", []string{"bb"}, map[string]string{"a": "stderr"}},
		{[]string{"create", "--dns-opt", "ndots:1", "bb"}, "create", []string{"bb"}, map[string]string{"dns-opt": "ndots:1"}},
		// After the image (run, create) or container (exec) the program's.
		{[]string{"run", "-d", "bb", "sh", "-c", "x", "--rm", "-t"}, "run", []string{"bb", "sh", "-c", "x", "--rm", "-t"}, map[string]string{"detach": "true", "rm": "false", "tty": "false"}},
		{[]string{"create", "bb", "-t"}, "create", []string{"bb", "-t"}, map[string]string{"tty": "false"}},
		{[]string{"exec", "-u", "root", "C", "ls", "-l", "-u", "x"}, "exec", []string{"C", "ls", "-l", "-u", "x"}, map[string]string{"user": "root"}},
		{[]string{"container", "exec", "C", "-it", "sh"}, "container exec", []string{"C", "-it", "sh"}, map[string]string{"interactive": "false", "tty": "false"}},
		// -- ends the flags.
		{[]string{"rm", "--", "-C"}, "rm", []string{"-C"}, map[string]string{"force": "false"}},
		{[]string{"rm", "C1", "-f", "--", "-v", "C2"}, "rm", []string{"C1", "-v", "C2"}, map[string]string{"force": "true", "volumes": "false"}},
		{[]string{"run", "--", "bb", "-t"}, "run", []string{"bb", "-t"}, map[string]string{"tty": "false"}},
		// Commands that parse no flags keep their arguments.
		{[]string{"top", "C", "-o", "pid"}, "top", []string{"C", "-o", "pid"}, nil},
		{[]string{"container", "top", "C", "-ef"}, "container top", []string{"C", "-ef"}, nil},
		{[]string{"unshare", "ls", "-l"}, "unshare", []string{"ls", "-l"}, nil},
		// Global flags come before the command word, and stay there.
		{[]string{"--root", "/r", "stop", "C", "-t", "3"}, "stop", []string{"C"}, map[string]string{"root": "/r", "timeout": "3"}},
		{[]string{"--log-level", "debug", "--root=/r", "network", "inspect", "N", "-f", "x"}, "network inspect", []string{"N"}, map[string]string{"log-level": "debug", "format": "x"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.argv, " "), func(t *testing.T) {
			got, out, err := runRecorded(t, tt.argv...)
			if err != nil {
				t.Fatalf("error %v; output %q", err, out)
			}
			if got.cmd != "skiff "+tt.cmd || !slices.Equal(got.args, tt.args) {
				t.Fatalf("ran %q with %q, want %q with %q", got.cmd, got.args, "skiff "+tt.cmd, tt.args)
			}
			for name, want := range tt.flags {
				if v := got.ctx.String(name); v != want {
					t.Errorf("--%s = %q, want %q", name, v, want)
				}
			}
		})
	}
}

// TestPlaceFlagsEveryVerb puts each flag of every command after a name, so
// that a command or flag added later is covered without being listed here.
func TestPlaceFlagsEveryVerb(t *testing.T) {
	app, _, _ := recordingApp(t)
	var walk func(path []string, cmds []*cli.Command)
	walk = func(path []string, cmds []*cli.Command) {
		for _, c := range cmds {
			p := append(slices.Clone(path), c.Name)
			if len(c.Subcommands) > 0 {
				walk(p, c.Subcommands)
				continue
			}
			if c.SkipFlagParsing {
				continue
			}
			name := strings.Join(p, " ")
			t.Run(name+" NAME --help", func(t *testing.T) {
				got, out, err := runRecorded(t, append(p, "NAME", "--help")...)
				switch {
				case err != nil:
					t.Fatal(err)
				case runsProgram(c):
					// The program's flag, as for `run IMAGE --help`.
					if !slices.Equal(got.args, []string{"NAME", "--help"}) {
						t.Errorf("args %q", got.args)
					}
				case got.ctx != nil || !strings.Contains(out, "USAGE"):
					t.Errorf("no help; ran with %q", got.args)
				}
			})
			if runsProgram(c) {
				continue
			}
			for _, f := range c.Flags {
				flag := f.Names()[0]
				argv := append(slices.Clone(p), "NAME", "--"+flag)
				if !isBoolFlag(f) {
					argv = append(argv, "1")
				}
				t.Run(strings.Join(argv, " "), func(t *testing.T) {
					got, out, err := runRecorded(t, argv...)
					if err != nil {
						t.Fatalf("%v; output %q", err, out)
					}
					if !slices.Equal(got.args, []string{"NAME"}) || !got.ctx.IsSet(flag) {
						t.Errorf("args %q, --%s set: %t", got.args, flag, got.ctx.IsSet(flag))
					}
				})
			}
		}
	}
	walk(nil, app.Commands)
}

func TestRunsProgram(t *testing.T) {
	app, _, _ := recordingApp(t)
	want := []string{"run", "create", "exec", "container exec"}
	var got []string
	var walk func(path string, cmds []*cli.Command)
	walk = func(path string, cmds []*cli.Command) {
		for _, c := range cmds {
			if runsProgram(c) && !c.SkipFlagParsing {
				got = append(got, strings.TrimSpace(path+" "+c.Name))
			}
			walk(strings.TrimSpace(path+" "+c.Name), c.Subcommands)
		}
	}
	walk("", app.Commands)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("commands that keep their program's flags: %q, want %q", got, want)
	}
}

// TestFlagErrors checks that bad flags fail before anything is done, with
// the flag named as it was typed.
func TestFlagErrors(t *testing.T) {
	tests := []struct {
		argv []string
		want string
	}{
		{[]string{"rm", "C", "--external"}, "Error: unknown flag --external: see 'skiff rm --help'\n"},
		{[]string{"rm", "C", "-external"}, "Error: unknown flag -external: see 'skiff rm --help'\n"},
		{[]string{"--bogus", "images"}, "Error: unknown flag --bogus: see 'skiff --help'\n"},
		{[]string{"rm", "C", "-fx"}, "Error: unknown flag -fx: see 'skiff rm --help'\n"},
		{[]string{"stop", "C", "-t"}, "Error: flag needs an argument: -t: see 'skiff stop --help'\n"},
		{[]string{"logs", "C", "--tail"}, "Error: flag needs an argument: --tail: see 'skiff logs --help'\n"},
		{[]string{"stop", "C", "--time", "soon"}, "Error: invalid value \"soon\" for flag --time: parse error: see 'skiff stop --help'\n"},
		{[]string{"stop", "C", "-tsoon"}, "Error: invalid value \"soon\" for flag -t: parse error: see 'skiff stop --help'\n"},
		{[]string{"rm", "C", "--force=maybe"}, "Error: invalid boolean value \"maybe\" for --force: parse error: see 'skiff rm --help'\n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.argv, " "), func(t *testing.T) {
			dir := t.TempDir()
			var out, errOut bytes.Buffer
			argv := append([]string{"skiff", "--root", dir + "/root", "--runroot", dir + "/run"}, tt.argv...)
			code := Main(argv, IO{In: strings.NewReader(""), Out: &out, Err: &errOut})
			if code != ExitSkiff || errOut.String() != tt.want || out.Len() != 0 {
				t.Errorf("exit %d, stderr %q, stdout %q; want 125 and %q", code, errOut.String(), out.String(), tt.want)
			}
		})
	}
}
