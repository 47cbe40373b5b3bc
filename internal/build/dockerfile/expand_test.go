package dockerfile

import (
	"errors"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

func TestExpandWord(t *testing.T) {
	env := []string{"A=1", "EMPTY=", "NAME=first", "NAME=second"}
	back := &File{Name: "Dockerfile", Escape: '\\'}
	tick := &File{Name: "Dockerfile", Escape: '`'}
	tests := []struct {
		f          *File
		word, want string
	}{
		{back, "$A", "1"},
		{back, "${A}x", "1x"},
		{back, "$NAME", "second"}, // later wins
		{back, "${UNSET:-d}", "d"},
		{back, "${EMPTY:-d}", "d"},
		{back, "${EMPTY-d}", ""},
		{back, "${A:-d}", "1"},
		{back, "${A:+alt}", "alt"},
		{back, "${UNSET:+alt}", ""},
		{back, "${EMPTY:+alt}", ""},
		{back, "${EMPTY+alt}", "alt"},
		{back, `\$A`, "$A"},
		{back, `'$A'`, "$A"},
		{back, `"$A b"`, "1 b"},
		{back, `a\ b`, "a b"},
		{back, "${A}`$A", "1`1"},
		{tick, "`$A", "$A"},
		{tick, `\$A`, `\1`},
		{tick, "${UNSET:-`$A}", "$A"},
		{&File{}, `\$A`, "$A"}, // a zero File escapes with backslash
	}
	for _, tt := range tests {
		got, err := tt.f.ExpandWord(tt.word, env)
		if err != nil {
			t.Errorf("ExpandWord(%q, escape %q): %v", tt.word, tt.f.Escape, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ExpandWord(%q, escape %q) = %q, want %q", tt.word, tt.f.Escape, got, tt.want)
		}
	}

	_, err := back.ExpandWord("${X:?must be set}", nil)
	if !errors.Is(err, ErrInvalid) || err.Error() != `Dockerfile: failed to process "${X:?must be set}": X: must be set` {
		t.Errorf("error = %v", err)
	}
}

func TestExpand(t *testing.T) {
	env := []string{"HOME=/root", "APP=web", "V=1.0", "U=app", "P=8080"}
	f := mustParse(t, `FROM base
ENV PATH=$HOME/bin:$PATH X=${UNSET:-def} Y=${APP:+set} Z=\$HOME
LABEL version=$V "app.name"="${APP}"
ARG ${APP}_VERSION=${V}
COPY --chown=${U}:${U} --chmod=${MODE:-644} src/$APP /srv/$APP/
ADD --chown=$U --checksum=$SUM $APP.tgz /opt/
WORKDIR /srv/${APP}
USER ${U}:${U}
EXPOSE $P ${UDP:-53/udp}
VOLUME ["/data/$APP", "/logs"]
STOPSIGNAL ${SIG:-SIGTERM}
RUN --mount=type=cache,target=$HOME/.cache echo $HOME
CMD echo $HOME
ENTRYPOINT ["$APP"]
ONBUILD RUN echo $APP
COPY <<EOF <<'RAW' /etc/
home=$HOME "quoted" \$ESC
EOF
raw $HOME
RAW
`)
	env = append(env, "SUM=sha256:ab")
	cmds := f.Stages[0].Commands
	for _, c := range cmds {
		if err := f.Expand(c, env); err != nil {
			t.Fatalf("Expand(%v): %v", c, err)
		}
	}

	eq(t, "ENV", cmds[0].(*instructions.EnvCommand).Env, instructions.KeyValuePairs{
		{Key: "PATH", Value: "/root/bin:"}, {Key: "X", Value: "def"}, {Key: "Y", Value: "set"}, {Key: "Z", Value: "$HOME"}})
	eq(t, "LABEL", cmds[1].(*instructions.LabelCommand).Labels, instructions.KeyValuePairs{
		{Key: "version", Value: "1.0"}, {Key: "app.name", Value: "web"}})
	arg := cmds[2].(*instructions.ArgCommand).Args[0]
	eq(t, "ARG key (not expanded, as BuildKit)", arg.Key, "${APP}_VERSION")
	eq(t, "ARG value", *arg.Value, "1.0")

	cp := cmds[3].(*instructions.CopyCommand)
	eq(t, "COPY", [4]string{cp.Chown, cp.Chmod, cp.SourcePaths[0], cp.DestPath}, [4]string{"app:app", "644", "src/web", "/srv/web/"})
	add := cmds[4].(*instructions.AddCommand)
	eq(t, "ADD", [4]string{add.Chown, add.Checksum, add.SourcePaths[0], add.DestPath}, [4]string{"app", "sha256:ab", "web.tgz", "/opt/"})
	eq(t, "WORKDIR", cmds[5].(*instructions.WorkdirCommand).Path, "/srv/web")
	eq(t, "USER", cmds[6].(*instructions.UserCommand).User, "app:app")
	eq(t, "EXPOSE", cmds[7].(*instructions.ExposeCommand).Ports, []string{"8080", "53/udp"})
	eq(t, "VOLUME", cmds[8].(*instructions.VolumeCommand).Volumes, []string{"/data/web", "/logs"})
	eq(t, "STOPSIGNAL", cmds[9].(*instructions.StopSignalCommand).Signal, "SIGTERM")

	run := cmds[10].(*instructions.RunCommand)
	eq(t, "RUN command (left to the shell)", run.CmdLine, []string{"echo $HOME"})
	eq(t, "RUN mount target", instructions.GetMounts(run)[0].Target, "/root/.cache")
	eq(t, "CMD (not expanded)", cmds[11].(*instructions.CmdCommand).CmdLine, []string{"echo $HOME"})
	eq(t, "ENTRYPOINT (not expanded)", cmds[12].(*instructions.EntrypointCommand).CmdLine, []string{"$APP"})
	eq(t, "ONBUILD (not expanded)", cmds[13].(*instructions.OnbuildCommand).Expression, "RUN echo $APP")

	hd := cmds[14].(*instructions.CopyCommand)
	eq(t, "heredoc contents", hd.SourceContents, []instructions.SourceContent{
		{Path: "EOF", Data: "home=/root \"quoted\" $ESC\n", Expand: true},
		{Path: "RAW", Data: "raw $HOME\n", Expand: false},
	})
}

func TestExpandBacktickEscape(t *testing.T) {
	f := mustParse(t, "# escape=`\nFROM base\nENV A=`$HOME B=C:\\dir\\$D\nWORKDIR C:\\$D\n")
	env := []string{"HOME=/root", "D=x"}
	for _, c := range f.Stages[0].Commands {
		if err := f.Expand(c, env); err != nil {
			t.Fatal(err)
		}
	}
	eq(t, "ENV", f.Stages[0].Commands[0].(*instructions.EnvCommand).Env, instructions.KeyValuePairs{
		{Key: "A", Value: "$HOME"}, {Key: "B", Value: `C:\dir\x`}})
	eq(t, "WORKDIR", f.Stages[0].Commands[1].(*instructions.WorkdirCommand).Path, `C:\x`)
}

func TestExpandError(t *testing.T) {
	f := mustParse(t, "FROM base\n\nWORKDIR /${DIR:?}\nRUN --mount=type=$T,target=/x true\n")
	err := f.Expand(f.Stages[0].Commands[0], nil)
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("error %T %v", err, err)
	}
	eq(t, "Error()", err.Error(), `Dockerfile:3: failed to process "/${DIR:?}": DIR: is not allowed to be unset`)

	// Mount options are checked when expanded.
	err = f.Expand(f.Stages[0].Commands[1], []string{"T=bogus"})
	if err == nil || err.Error() != `Dockerfile:4: unsupported mount type "bogus"` {
		t.Errorf("mount error = %v", err)
	}
}
