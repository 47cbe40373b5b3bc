package dockerfile

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

func mustParse(t *testing.T, df string) *File {
	t.Helper()
	f, err := Parse("Dockerfile", []byte(df))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return f
}

func eq(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

// only parses "FROM base\n"+body and returns the single command of the stage.
func only[T instructions.Command](t *testing.T, body string) T {
	t.Helper()
	f := mustParse(t, "FROM base\n"+body)
	if len(f.Stages) != 1 || len(f.Stages[0].Commands) != 1 {
		t.Fatalf("want 1 stage with 1 command, got %+v", f.Stages)
	}
	c, ok := f.Stages[0].Commands[0].(T)
	if !ok {
		t.Fatalf("command is %T", f.Stages[0].Commands[0])
	}
	return c
}

func TestParseFrom(t *testing.T) {
	f := mustParse(t, `ARG BASE=alpine
ARG V
FROM --platform=$BUILDPLATFORM ${BASE}:3 AS Build
RUN true
from scratch
FROM build as Final
`)
	eq(t, "escape", f.Escape, '\\')
	if len(f.MetaArgs) != 2 || f.MetaArgs[0].Args[0].Key != "BASE" || *f.MetaArgs[0].Args[0].Value != "alpine" ||
		f.MetaArgs[1].Args[0].Key != "V" || f.MetaArgs[1].Args[0].Value != nil {
		t.Errorf("meta args = %+v", f.MetaArgs)
	}
	want := []Stage{
		{Index: 0, Name: "build", BaseName: "${BASE}:3", Platform: "$BUILDPLATFORM", Line: 3},
		{Index: 1, Name: "", BaseName: "scratch", Line: 5},
		{Index: 2, Name: "final", BaseName: "build", Line: 6},
	}
	if len(f.Stages) != len(want) {
		t.Fatalf("stages = %+v", f.Stages)
	}
	for i, w := range want {
		g := f.Stages[i]
		g.Commands = nil
		eq(t, "stage", g, w)
	}
	eq(t, "stage 0 commands", len(f.Stages[0].Commands), 1)
	eq(t, "stage 1 commands", len(f.Stages[1].Commands), 0)
}

func TestParseRun(t *testing.T) {
	t.Run("shell", func(t *testing.T) {
		c := only[*instructions.RunCommand](t, "RUN echo a \\\n  && echo b\n")
		eq(t, "cmdline", c.CmdLine, []string{"echo a   && echo b"})
		eq(t, "prepend shell", c.PrependShell, true)
		eq(t, "network", instructions.GetNetwork(c), instructions.NetworkDefault)
	})
	t.Run("exec", func(t *testing.T) {
		c := only[*instructions.RunCommand](t, `RUN ["/bin/echo", "a b"]`)
		eq(t, "cmdline", c.CmdLine, []string{"/bin/echo", "a b"})
		eq(t, "prepend shell", c.PrependShell, false)
	})
	t.Run("heredoc", func(t *testing.T) {
		c := only[*instructions.RunCommand](t, "RUN <<EOF\necho $HOME\necho two\nEOF\n")
		eq(t, "cmdline", c.CmdLine, []string{"<<EOF"})
		eq(t, "files", c.Files, []instructions.ShellInlineFile{{Name: "EOF", Data: "echo $HOME\necho two\n"}})
	})
	t.Run("heredoc with interpreter and chomp", func(t *testing.T) {
		f := mustParse(t, "FROM base\nRUN python3 <<-'PY'\n\tprint(1)\n\tPY\nRUN true\n")
		c := f.Stages[0].Commands[0].(*instructions.RunCommand)
		eq(t, "cmdline", c.CmdLine, []string{"python3 <<-'PY'"})
		eq(t, "files", c.Files, []instructions.ShellInlineFile{{Name: "PY", Data: "\tprint(1)\n", Chomp: true}})
		eq(t, "commands", len(f.Stages[0].Commands), 2)
		eq(t, "line of 2nd RUN", commandLine(f.Stages[0].Commands[1]), 5)
	})
	t.Run("mount", func(t *testing.T) {
		c := only[*instructions.RunCommand](t, "RUN --mount=type=cache,target=/root/.cache --mount=from=build,source=/out,target=/in make\n")
		m := instructions.GetMounts(c)
		if len(m) != 2 {
			t.Fatalf("mounts = %+v", m)
		}
		eq(t, "mount 1 from", m[1].From, "build")
		// Types and targets are only read at expansion time (they may hold variables).
		if err := (&File{}).Expand(c, nil); err != nil {
			t.Fatal(err)
		}
		m = instructions.GetMounts(c)
		eq(t, "mount 0", [2]string{string(m[0].Type), m[0].Target}, [2]string{"cache", "/root/.cache"})
		eq(t, "mount 1", [3]string{string(m[1].Type), m[1].Source, m[1].Target}, [3]string{"bind", "/out", "/in"})
		eq(t, "cmdline", c.CmdLine, []string{"make"})
	})
	t.Run("network", func(t *testing.T) {
		c := only[*instructions.RunCommand](t, "RUN --network=none true\n")
		eq(t, "network", instructions.GetNetwork(c), instructions.NetworkNone)
		eq(t, "flags used", c.FlagsUsed, []string{"network"})
	})
}

func TestParseCopyAdd(t *testing.T) {
	t.Run("copy flags", func(t *testing.T) {
		c := only[*instructions.CopyCommand](t, "COPY --from=build --chown=1:2 --chmod=0755 --link a b /dst/\n")
		eq(t, "from", c.From, "build")
		eq(t, "chown", c.Chown, "1:2")
		eq(t, "chmod", c.Chmod, "0755")
		eq(t, "link", c.Link, true)
		eq(t, "sources", c.SourcePaths, []string{"a", "b"})
		eq(t, "dest", c.DestPath, "/dst/")
	})
	t.Run("copy json", func(t *testing.T) {
		c := only[*instructions.CopyCommand](t, `COPY ["a b", "/d"]`)
		eq(t, "sources", c.SourcePaths, []string{"a b"})
		eq(t, "dest", c.DestPath, "/d")
	})
	t.Run("copy heredoc", func(t *testing.T) {
		c := only[*instructions.CopyCommand](t, "COPY <<EOF /etc/motd\nhello $USER\nEOF\n")
		eq(t, "sources", len(c.SourcePaths), 0)
		eq(t, "contents", c.SourceContents, []instructions.SourceContent{{Path: "EOF", Data: "hello $USER\n", Expand: true}})
		eq(t, "dest", c.DestPath, "/etc/motd")
	})
	t.Run("copy quoted heredoc", func(t *testing.T) {
		c := only[*instructions.CopyCommand](t, "COPY <<\"EOF\" /x\n$A\nEOF\n")
		eq(t, "contents", c.SourceContents, []instructions.SourceContent{{Path: "EOF", Data: "$A\n", Expand: false}})
	})
	t.Run("add", func(t *testing.T) {
		c := only[*instructions.AddCommand](t, "ADD --chown=app --chmod=644 --link --checksum=sha256:abc https://x/y.tgz /opt/\n")
		eq(t, "chown", c.Chown, "app")
		eq(t, "chmod", c.Chmod, "644")
		eq(t, "link", c.Link, true)
		eq(t, "checksum", c.Checksum, "sha256:abc")
		eq(t, "sources", c.SourcePaths, []string{"https://x/y.tgz"})
		eq(t, "dest", c.DestPath, "/opt/")
	})
	t.Run("add heredoc", func(t *testing.T) {
		c := only[*instructions.AddCommand](t, "ADD <<A <<B /d/\none\nA\ntwo\nB\n")
		eq(t, "contents", c.SourceContents, []instructions.SourceContent{
			{Path: "A", Data: "one\n", Expand: true}, {Path: "B", Data: "two\n", Expand: true}})
	})
}

func TestParseOtherInstructions(t *testing.T) {
	t.Run("cmd", func(t *testing.T) {
		c := only[*instructions.CmdCommand](t, `CMD ["nginx", "-g", "daemon off;"]`)
		eq(t, "cmd", c.CmdLine, []string{"nginx", "-g", "daemon off;"})
		eq(t, "prepend", c.PrependShell, false)
		c = only[*instructions.CmdCommand](t, "CMD echo $HOME")
		eq(t, "cmd", c.CmdLine, []string{"echo $HOME"})
		eq(t, "prepend", c.PrependShell, true)
	})
	t.Run("entrypoint", func(t *testing.T) {
		c := only[*instructions.EntrypointCommand](t, `ENTRYPOINT ["/init"]`)
		eq(t, "entrypoint", c.CmdLine, []string{"/init"})
		c = only[*instructions.EntrypointCommand](t, `ENTRYPOINT []`)
		eq(t, "empty entrypoint", c.CmdLine, []string(nil))
	})
	t.Run("env", func(t *testing.T) {
		c := only[*instructions.EnvCommand](t, `ENV A=1 B="two words" C=$A`)
		eq(t, "env", c.Env, instructions.KeyValuePairs{{Key: "A", Value: "1"}, {Key: "B", Value: `"two words"`}, {Key: "C", Value: "$A"}})
		c = only[*instructions.EnvCommand](t, `ENV OLD style value`)
		eq(t, "legacy env", c.Env, instructions.KeyValuePairs{{Key: "OLD", Value: "style value", NoDelim: true}})
	})
	t.Run("label", func(t *testing.T) {
		c := only[*instructions.LabelCommand](t, `LABEL org.opencontainers.image.title="skiff" version=1`)
		eq(t, "labels", c.Labels, instructions.KeyValuePairs{{Key: "org.opencontainers.image.title", Value: `"skiff"`}, {Key: "version", Value: "1"}})
	})
	t.Run("expose", func(t *testing.T) {
		c := only[*instructions.ExposeCommand](t, "EXPOSE 8080/tcp 53/udp")
		eq(t, "ports", c.Ports, []string{"53/udp", "8080/tcp"}) // BuildKit sorts them
	})
	t.Run("volume", func(t *testing.T) {
		c := only[*instructions.VolumeCommand](t, `VOLUME ["/data", "/logs"]`)
		eq(t, "volumes", c.Volumes, []string{"/data", "/logs"})
		c = only[*instructions.VolumeCommand](t, `VOLUME /a /b`)
		eq(t, "volumes", c.Volumes, []string{"/a", "/b"})
	})
	t.Run("user", func(t *testing.T) {
		eq(t, "user", only[*instructions.UserCommand](t, "USER app:app").User, "app:app")
	})
	t.Run("workdir", func(t *testing.T) {
		eq(t, "workdir", only[*instructions.WorkdirCommand](t, "WORKDIR /srv/$APP").Path, "/srv/$APP")
	})
	t.Run("shell", func(t *testing.T) {
		eq(t, "shell", only[*instructions.ShellCommand](t, `SHELL ["/bin/bash", "-eo", "pipefail", "-c"]`).Shell,
			[]string{"/bin/bash", "-eo", "pipefail", "-c"})
	})
	t.Run("stopsignal", func(t *testing.T) {
		eq(t, "signal", only[*instructions.StopSignalCommand](t, "STOPSIGNAL SIGQUIT").Signal, "SIGQUIT")
	})
	t.Run("healthcheck", func(t *testing.T) {
		c := only[*instructions.HealthCheckCommand](t, "HEALTHCHECK --interval=30s --timeout=5s --start-period=1m --retries=3 CMD curl -f http://localhost/")
		eq(t, "test", c.Health.Test, []string{"CMD-SHELL", "curl -f http://localhost/"})
		eq(t, "interval", c.Health.Interval, 30*time.Second)
		eq(t, "timeout", c.Health.Timeout, 5*time.Second)
		eq(t, "start period", c.Health.StartPeriod, time.Minute)
		eq(t, "retries", c.Health.Retries, 3)
		c = only[*instructions.HealthCheckCommand](t, "HEALTHCHECK NONE")
		eq(t, "none", c.Health.Test, []string{"NONE"})
		c = only[*instructions.HealthCheckCommand](t, `HEALTHCHECK CMD ["/bin/check", "-q"]`)
		eq(t, "exec", c.Health.Test, []string{"CMD", "/bin/check", "-q"})
	})
	t.Run("onbuild", func(t *testing.T) {
		eq(t, "expression", only[*instructions.OnbuildCommand](t, "ONBUILD COPY . /app").Expression, "COPY . /app")
	})
	t.Run("maintainer", func(t *testing.T) {
		eq(t, "maintainer", only[*instructions.MaintainerCommand](t, "MAINTAINER Jane <j@example.com>").Maintainer, "Jane <j@example.com>")
	})
	t.Run("arg", func(t *testing.T) {
		c := only[*instructions.ArgCommand](t, "ARG A B=2")
		if len(c.Args) != 2 || c.Args[0].Key != "A" || c.Args[0].Value != nil || c.Args[1].Key != "B" || *c.Args[1].Value != "2" {
			t.Errorf("args = %+v", c.Args)
		}
	})
}

func TestParseDirectives(t *testing.T) {
	f := mustParse(t, "# syntax=docker/dockerfile:1.7\n# escape=`\nFROM base\nRUN echo a `\n  b\n")
	eq(t, "escape", f.Escape, '`')
	eq(t, "syntax", f.Syntax, "docker/dockerfile:1.7")
	eq(t, "run", f.Stages[0].Commands[0].(*instructions.RunCommand).CmdLine, []string{"echo a   b"})

	f = mustParse(t, "FROM base\nRUN a \\\n\n  b\n")
	eq(t, "warnings", f.Warnings, []string{"Empty continuation line found in: RUN a   b"})

	// A lint-controlling comment must not make the quiet linter crash.
	f = mustParse(t, "FROM base\n# check=skip=all\nMAINTAINER x\n")
	eq(t, "commands", len(f.Stages[0].Commands), 1)
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, df string
		want     string // full Error()
		line     int
	}{
		{"unknown instruction", "FROM a\nRUN x\nFORM b\n", "Dockerfile:3: unknown instruction: FORM (did you mean FROM?)", 3},
		{"no FROM, only ARG", "ARG X=1\n", "Dockerfile: no FROM instruction: a Dockerfile needs at least one build stage", 0},
		{"no FROM, RUN first", "# hi\nRUN make\n", "Dockerfile:2: RUN instruction before the first FROM (only ARG may come before FROM)", 2},
		{"instruction before FROM", "ARG A\nENV X=1\nFROM a\n", "Dockerfile:2: ENV instruction before the first FROM (only ARG may come before FROM)", 2},
		{"empty", "", "Dockerfile: file with no instructions", 0},
		{"unterminated heredoc", "FROM a\nRUN <<EOF\necho\n", "Dockerfile:2: unterminated heredoc", 2},
		{"bad flag", "FROM a\n\nCOPY --form=x a b\n", "Dockerfile:3: unknown flag: --form (did you mean from?)", 3},
		{"blank env name", "FROM a\nENV =x\n", "Dockerfile:2: ENV names can not be blank", 2},
		{"bad escape", "# syntax=x\n# escape=x\nFROM a\n", "Dockerfile:2: invalid escape token 'x' does not match ` or \\", 2},
		{"repeated directive", "# escape=\\\n# escape=`\nFROM a\n", "Dockerfile:2: only one escape parser directive can be used", 2},
		{"FROM arguments", "FROM a b\n", "Dockerfile:1: FROM requires either one or three arguments", 1},
		{"stage name", "FROM a AS 1x\n", `Dockerfile:1: invalid name for build stage: "1x", name can't start with a number or contain symbols`, 1},
		{"continued line", "FROM a\nRUN --network=bogus \\\n  true\n", `Dockerfile:2: invalid network mode "bogus"`, 2},
		{"shell not json", "FROM a\nSHELL sh -c\n", "Dockerfile:2: SHELL requires the arguments to be in JSON form", 2},
		{"onbuild from", "FROM a\nONBUILD FROM x\n", "Dockerfile:2: FROM isn't allowed as an ONBUILD trigger", 2},
		{"copy one arg", "FROM a\nCOPY x\n", "Dockerfile:2: COPY requires at least two arguments, but only one was provided. Destination could not be determined", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("Dockerfile", []byte(tt.df))
			if err == nil {
				t.Fatal("no error")
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T %v is not *Error", err, err)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error does not wrap ErrInvalid")
			}
			eq(t, "Error()", err.Error(), tt.want)
			eq(t, "Line", e.Line, tt.line)
			eq(t, "File", e.File, "Dockerfile")
		})
	}
}

func TestErrorString(t *testing.T) {
	eq(t, "with line", (&Error{File: "a/Dockerfile", Line: 3, Msg: "m"}).Error(), "a/Dockerfile:3: m")
	eq(t, "no line", (&Error{File: "Dockerfile", Msg: "m"}).Error(), "Dockerfile: m")
	eq(t, "no file", (&Error{Msg: "m"}).Error(), "m")
}

func TestParseInstruction(t *testing.T) {
	c, err := ParseInstruction("ENV A=1 B=2")
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "env", c.(*instructions.EnvCommand).Env, instructions.KeyValuePairs{{Key: "A", Value: "1"}, {Key: "B", Value: "2"}})

	c, err = ParseInstruction("RUN <<EOF\necho hi\nEOF")
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "heredoc", c.(*instructions.RunCommand).Files, []instructions.ShellInlineFile{{Name: "EOF", Data: "echo hi\n"}})

	// An ONBUILD expression round-trips.
	ob, err := ParseInstruction("ONBUILD COPY --chown=1 <<EOF /x\nhi\nEOF")
	if err != nil {
		t.Fatal(err)
	}
	c, err = ParseInstruction(ob.(*instructions.OnbuildCommand).Expression)
	if err != nil {
		t.Fatal(err)
	}
	cp := c.(*instructions.CopyCommand)
	eq(t, "trigger", [3]string{cp.Chown, cp.DestPath, cp.SourceContents[0].Data}, [3]string{"1", "/x", "hi\n"})

	for _, tt := range []struct{ line, want string }{
		{"FROM alpine", "FROM is not allowed here"},
		{"BOGUS x", "unknown instruction: BOGUS"},
		{"RUN a\nRUN b", "expected one instruction, found 2"},
		{"", "file with no instructions"},
		{"ONBUILD ONBUILD RUN x", "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"},
	} {
		_, err := ParseInstruction(tt.line)
		if err == nil || err.Error() != tt.want || !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseInstruction(%q) error = %v, want %q", tt.line, err, tt.want)
		}
	}
	c, err = ParseInstruction("  run   true  ")
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "lower-case run", c.(*instructions.RunCommand).CmdLine, []string{"true"})
}
