package cli

import (
	"errors"
	"flag"
	"reflect"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/engine"
)

func TestOptionErrorWording(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{engine.Invalid("Filters", "x", "use KEY=VALUE"), `invalid filter "x": use KEY=VALUE`},
		{engine.Invalid("Ref", "Bad/Name", "invalid reference format"), "invalid reference format"},
		{engine.Invalid("Subnet", "", "no free subnet"), "invalid --subnet: no free subnet"},
		{engine.Invalid("Name", "host", "use letters"), `invalid network name "host": use letters`},
		{engine.Invalid("Other", "v", "r"), `invalid Other "v": r`},
	} {
		err := optionError(tc.err, map[string]string{"Filters": "filter", "Ref": "", "Subnet": "--subnet", "Name": "network name"})
		var ue *usageError
		if !errors.As(err, &ue) || ue.msg != tc.want {
			t.Errorf("%v: got %v, want usage error %q", tc.err, err, tc.want)
		}
	}
	plain := errors.New("plain")
	if optionError(plain, imageFlags) != plain {
		t.Error("an error that is not an invalid option changed")
	}
}

// parseFlags parses args against cmd's flags, as urfave/cli does for an
// action.
func parseFlags(t *testing.T, cmd *cli.Command, args ...string) *cli.Context {
	t.Helper()
	set := flag.NewFlagSet(cmd.Name, flag.ContinueOnError)
	for _, f := range cmd.Flags {
		if err := f.Apply(set); err != nil {
			t.Fatal(err)
		}
	}
	if err := set.Parse(args); err != nil {
		t.Fatal(err)
	}
	return cli.NewContext(nil, set, nil)
}

func commandAt(t *testing.T, cmds []*cli.Command, names ...string) *cli.Command {
	t.Helper()
	for _, c := range cmds {
		if c.Name == names[0] {
			if len(names) == 1 {
				return c
			}
			return commandAt(t, c.Subcommands, names[1:]...)
		}
	}
	t.Fatalf("no command %v", names)
	return nil
}

func TestFlagsToOptions(t *testing.T) {
	s := &session{}
	images := commandAt(t, s.imageCommands(), "images")
	if got, want := listImagesOptions(parseFlags(t, images, "--all", "busybox"), []string{"dangling=false"}),
		(engine.ListImagesOptions{All: true, Filters: []string{"dangling=false"}, Reference: "busybox"}); !reflect.DeepEqual(got, want) {
		t.Errorf("images: got %+v, want %+v", got, want)
	}
	imp := commandAt(t, s.imageCommands(), "import")
	if got, want := importOptions(parseFlags(t, imp, "--message", "msg", "--platform", "linux/arm64", "root.tar", "app:v1"), []string{"CMD sh"}),
		(engine.ImportOptions{Ref: "app:v1", Platform: "linux/arm64", Changes: []string{"CMD sh"}, Message: "msg"}); !reflect.DeepEqual(got, want) {
		t.Errorf("import: got %+v, want %+v", got, want)
	}
	create := commandAt(t, s.networkCommands(), "network", "create")
	if got, want := createNetworkOptions(parseFlags(t, create, "--subnet", "10.90.0.0/24", "--gateway", "10.90.0.9", "--internal", "backend"), []string{"a=b"}),
		(engine.CreateNetworkOptions{Name: "backend", Driver: "bridge", Subnet: "10.90.0.0/24", Gateway: "10.90.0.9", Internal: true, Labels: []string{"a=b"}}); !reflect.DeepEqual(got, want) {
		t.Errorf("network create: got %+v, want %+v", got, want)
	}
	gen := commandAt(t, s.generateCommands(), "generate", "systemd")
	o := systemdOptions(parseFlags(t, gen, "--new", "--restart-policy", "always", "web"))
	if !o.New || o.RestartPolicy != "always" || o.TakesValue == nil || !o.TakesValue("volume") || o.TakesValue("detach") {
		t.Errorf("generate systemd: got %+v", o)
	}
	pull := commandAt(t, s.imageCommands(), "pull")
	if o := s.pullOptions(parseFlags(t, pull, "--quiet", "--platform", "linux/amd64", "busybox")); o.Ref != "busybox" || o.Platform != "linux/amd64" || o.Progress != nil {
		t.Errorf("pull -q: got %+v", o)
	}
}
