package cli

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/engine"
)

// runFlags parses args with flags and hands the context to fn.
func runFlags(t *testing.T, flags []cli.Flag, args []string, fn func(c *cli.Context) error) {
	t.Helper()
	app := &cli.App{Name: "skiff", Writer: &bytes.Buffer{}, ErrWriter: &bytes.Buffer{}, Commands: []*cli.Command{{Name: "verb", Flags: flags, Action: fn}}}
	if err := app.Run(append([]string{"skiff", "verb"}, args...)); err != nil {
		t.Fatalf("%v: %v", args, err)
	}
}

func intp(n int) *int { return &n }

func TestPsOptions(t *testing.T) {
	tests := []struct {
		args    []string
		want    engine.ListOptions
		wantErr string
	}{
		{args: nil, want: engine.ListOptions{}},
		{args: []string{"-a", "--no-trunc"}, want: engine.ListOptions{All: true, NoTrunc: true}},
		// The default of --last is no limit, but a --last given is kept,
		// also a negative one, for the engine to refuse.
		{args: []string{"-n", "2"}, want: engine.ListOptions{Last: intp(2)}},
		{args: []string{"--last", "-1"}, want: engine.ListOptions{Last: intp(-1)}},
		{args: []string{"-l", "-n", "5"}, want: engine.ListOptions{Last: intp(1)}},
		{args: []string{"-f", "name=^web$", "--filter", "status=exited", "-f", "name=db", "-f", "label=a=b", "-f", "ancestor=bb", "-f", "id=12"},
			want: engine.ListOptions{Filters: engine.ListFilters{Name: []string{"^web$", "db"}, Status: []string{"exited"}, Label: []string{"a=b"}, Ancestor: []string{"bb"}, ID: []string{"12"}}}},
		{args: []string{"-f", "name"}, wantErr: `invalid filter "name": use KEY=VALUE`},
		{args: []string{"-f", "before=web"}, wantErr: `invalid filter "before=web": supported filters are status=, name=, ancestor=, id= and label=`},
	}
	for _, tt := range tests {
		flags, filters := psFlags()
		runFlags(t, flags, tt.args, func(c *cli.Context) error {
			got, err := psOptions(c, filters.values)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Errorf("%v: err = %v, want %q", tt.args, err, tt.wantErr)
				}
				return nil
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%v: got %+v, %v, want %+v", tt.args, got, err, tt.want)
			}
			return nil
		})
	}
}

func TestStopAndLogsOptions(t *testing.T) {
	secs := func(n int) *time.Duration { d := time.Duration(n) * time.Second; return &d }
	for _, tt := range []struct {
		args []string
		want engine.StopOptions
	}{
		{nil, engine.StopOptions{}}, // the container's own timeout and signal
		{[]string{"-t", "0"}, engine.StopOptions{Timeout: secs(0)}},
		{[]string{"--timeout", "4"}, engine.StopOptions{Timeout: secs(4)}},
		{[]string{"--time", "3"}, engine.StopOptions{Timeout: secs(3)}}, // Docker's older name
		{[]string{"-t", "-1"}, engine.StopOptions{Timeout: secs(-1)}},   // refused by the engine
		{[]string{"-s", "SIGINT"}, engine.StopOptions{Signal: "SIGINT"}},
		{[]string{"--signal", "9", "-t", "2"}, engine.StopOptions{Signal: "9", Timeout: secs(2)}},
	} {
		runFlags(t, stopFlags(""), tt.args, func(c *cli.Context) error {
			if got := stopOptions(c); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%v: %+v, want %+v", tt.args, got, tt.want)
			}
			return nil
		})
	}
	var out, errw bytes.Buffer
	s := &session{io: IO{Out: &out, Err: &errw}}
	runFlags(t, logsFlags(), []string{"-f", "--tail", "3", "--since", "10m", "--until", "2m", "-t"}, func(c *cli.Context) error {
		got := s.logsOptions(c)
		want := engine.LogsOptions{Follow: true, Tail: "3", Since: "10m", Until: "2m", Timestamps: true, Stdout: &out, Stderr: &errw}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("logs options %+v, want %+v", got, want)
		}
		return nil
	})
}

// The engine's refusals read as the messages always have.
func TestOptionError(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{engine.Invalid("Timeout", "-1", "use a number of seconds >= 0"), "invalid --timeout -1: use a number of seconds >= 0"},
		{engine.Invalid("Until", "soon", "use RFC 3339"), `invalid --until "soon": use RFC 3339`},
		{engine.Invalid("Last", "-2", "use a number >= 0"), "invalid --last -2: use a number >= 0"},
		{engine.Invalid("Tail", "x", "use a number or all"), `invalid --tail "x": use a number or all`},
		{engine.Invalid("Signal", "99", ""), `invalid signal "99"`},
		{engine.Invalid("Name", "-x", "use letters"), `invalid container name "-x": use letters`},
		{engine.Invalid("Filters.Status", "paused", "status is created, running or exited"), `invalid filter "status=paused": status is created, running or exited`},
		{engine.Invalid("PsArgs", "-Z", "error: bad option"), "ps -Z: error: bad option"},
		{engine.Invalid("Volumes", "", "skiff has no volumes yet"), "--volumes: skiff has no volumes yet"},
		{engine.Invalid("UpdateOptions", "", "give at least one limit"), "'skiff verb' needs at least one limit to change, such as --memory 256m"},
	} {
		runFlags(t, nil, nil, func(c *cli.Context) error {
			if got := containerOptionError(c, tt.err); got == nil || got.Error() != tt.want {
				t.Errorf("containerOptionError(%v) = %v, want %q", tt.err, got, tt.want)
			}
			return nil
		})
	}
}
