package cli

import (
	"errors"
	"io"
	"reflect"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/engine"
)

// parseRunFlags runs args through run's flag definitions and returns the
// options they map to.
func parseRunFlags(t *testing.T, args ...string) engine.CreateOptions {
	t.Helper()
	f := newCreateFlags(true)
	var got engine.CreateOptions
	app := &cli.App{UseShortOptionHandling: true, Writer: io.Discard, ErrWriter: io.Discard, Commands: []*cli.Command{{
		Name: "run", Flags: f.flags,
		Action: func(c *cli.Context) error {
			var err error
			got, err = createOptions(c, f)
			return err
		},
	}}}
	if err := app.Run(append([]string{"skiff", "run"}, args...)); err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return got
}

func TestCreateOptionsFromFlags(t *testing.T) {
	seven, unset := 7, -1
	ep, noEP := "/bin/sh", ""
	tests := []struct {
		args  []string
		check func(o engine.CreateOptions) any
		want  any
	}{
		{[]string{"bb"}, func(o engine.CreateOptions) any {
			return []any{o.Image, len(o.Command), o.Entrypoint, o.StopTimeout, o.Network, o.Pull}
		}, []any{"bb", 0, (*string)(nil), (*int)(nil), "slirp4netns", "missing"}},
		{[]string{"bb", "sh", "-c", "x"}, func(o engine.CreateOptions) any { return o.Command }, []string{"sh", "-c", "x"}},
		{[]string{"--entrypoint", "/bin/sh", "bb"}, func(o engine.CreateOptions) any { return o.Entrypoint }, &ep},
		{[]string{"--entrypoint", "", "bb"}, func(o engine.CreateOptions) any { return o.Entrypoint }, &noEP},
		{[]string{"--stop-timeout", "7", "bb"}, func(o engine.CreateOptions) any { return o.StopTimeout }, &seven},
		// Given, -1 is for the engine to refuse.
		{[]string{"--stop-timeout", "-1", "bb"}, func(o engine.CreateOptions) any { return o.StopTimeout }, &unset},
		{[]string{"-e", "A=1", "--env", "B", "--env-file", "/f", "bb"}, func(o engine.CreateOptions) any { return [][]string{o.Env, o.EnvFiles} }, [][]string{{"A=1", "B"}, {"/f"}}},
		{[]string{"-v", "/a:/b:ro", "--tmpfs", "/t", "-l", "k=v", "bb"}, func(o engine.CreateOptions) any { return [][]string{o.Volumes, o.Tmpfs, o.Labels} }, [][]string{{"/a:/b:ro"}, {"/t"}, {"k=v"}}},
		{[]string{"-p", "8080:80", "-P", "--expose", "90", "--network", "net1", "--network-alias", "x", "--ip", "10.89.0.5", "bb"}, func(o engine.CreateOptions) any {
			return []any{o.Publish, o.PublishAll, o.Expose, o.Network, o.NetworkAliases, o.IP}
		}, []any{[]string{"8080:80"}, true, []string{"90"}, "net1", []string{"x"}, "10.89.0.5"}},
		{[]string{"--dns", "1.1.1.1", "--dns-search", "s", "--dns-option", "ndots:2", "--add-host", "h:1.2.3.4", "bb"}, func(o engine.CreateOptions) any {
			return [][]string{o.DNS, o.DNSSearch, o.DNSOptions, o.AddHosts}
		}, [][]string{{"1.1.1.1"}, {"s"}, {"ndots:2"}, {"h:1.2.3.4"}}},
		// --dns-opt is Docker's older name, mixed with the newer in order.
		{[]string{"--dns-opt", "ndots:1", "--dns-option", "timeout:2", "--dns-opt=attempts:3", "bb"}, func(o engine.CreateOptions) any { return o.DNSOptions }, []string{"ndots:1", "timeout:2", "attempts:3"}},
		// -a is repeatable, short and long mixed; the engine checks the names.
		{[]string{"-a", "stdout", "--attach", "STDERR", "-a=stdin", "bb"}, func(o engine.CreateOptions) any { return o.Attach }, []string{"stdout", "STDERR", "stdin"}},
		{[]string{"bb"}, func(o engine.CreateOptions) any { return o.Attach }, []string(nil)},
		{[]string{"-m", "64m", "--cpus", "1.5", "--device-read-bps", "/dev/sda:1mb", "--strict-limits", "--oom-score-adj", "5", "bb"}, func(o engine.CreateOptions) any {
			return []any{o.Limits.Memory, o.Limits.CPUs, o.Limits.DeviceReadBps, o.StrictLimits, o.OOMScoreAdj}
		}, []any{"64m", "1.5", []string{"/dev/sda:1mb"}, true, "5"}},
		{[]string{"-it", "--rm", "--init", "--privileged", "--read-only", "--replace", "--name", "n", "bb"}, func(o engine.CreateOptions) any {
			return []bool{o.Tty, o.OpenStdin, o.AutoRemove, o.Init, o.Privileged, o.ReadOnly, o.Replace}
		}, []bool{true, true, true, true, true, true, true}},
		{[]string{"--cap-add", "NET_ADMIN", "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "bb"}, func(o engine.CreateOptions) any {
			return [][]string{o.CapAdd, o.CapDrop, o.SecurityOpt}
		}, [][]string{{"NET_ADMIN"}, {"ALL"}, {"no-new-privileges"}}},
		{[]string{"--ulimit", "nofile=1024:2048", "--ulimit", "nproc=10", "--cgroupns", "private", "--device-cgroup-rule", "c 1:3 rwm", "--kernel-memory", "10m", "bb"}, func(o engine.CreateOptions) any {
			return []any{o.Ulimits, o.CgroupNS, o.DeviceCgroupRules, o.KernelMemory}
		}, []any{[]string{"nofile=1024:2048", "nproc=10"}, "private", []string{"c 1:3 rwm"}, "10m"}},
		{[]string{"--log-driver", "journald", "--log-opt", "tag=x", "--sdnotify", "container", "--restart", "always", "--userns", "auto", "--pull", "never", "--platform", "linux/arm64", "--cidfile", "/c", "--stop-signal", "SIGINT", "-w", "/w", "-u", "1:2", "--hostname", "h", "--domainname", "d", "bb"}, func(o engine.CreateOptions) any {
			return []any{o.LogDriver, o.LogOpts, o.SDNotify, o.Restart, o.Userns, o.Pull, o.Platform, o.CIDFile, o.StopSignal, o.Workdir, o.User, o.Hostname, o.Domainname}
		}, []any{"journald", []string{"tag=x"}, "container", "always", "auto", "never", "linux/arm64", "/c", "SIGINT", "/w", "1:2", "h", "d"}},
	}
	for _, tt := range tests {
		o := parseRunFlags(t, tt.args...)
		if got := tt.check(o); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%v: got %#v, want %#v", tt.args, got, tt.want)
		}
		if o.LookupEnv == nil || len(o.CreateCommand) == 0 {
			t.Errorf("%v: the caller's environment and command line are not passed", tt.args)
		}
	}
}

// Engine errors about options name the flags.
func TestInvalidMessage(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{engine.Invalid("Workdir", "tmp", "it must be an absolute path"), `invalid --workdir "tmp": it must be an absolute path`},
		{engine.Invalid("Replace", "", "needs Name"), "--replace: needs --name"},
		{engine.Invalid("AutoRemove", "", "conflicts with Restart always: drop one"), "--rm: conflicts with --restart always: drop one"},
		{engine.Invalid("LogDriver", "passthrough", "cannot be used with Tty"), "--log-driver=passthrough cannot be used with -t"},
		{engine.Invalid("SecurityOpt", "x", "not supported"), `unsupported --security-opt "x": not supported`},
		{engine.Invalid("Limits", "", "invalid --memory \"x\": use a size"), `invalid --memory "x": use a size`},
		{engine.Invalid("Network", "", "invalid --network \"x\": no"), `invalid --network "x": no`},
		{engine.Invalid("EnvFiles", "", "open /f: no such file"), "--env-file: open /f: no such file"},
		{engine.Invalid("Expose", "http", "invalid exposed port"), `invalid --expose "http": invalid exposed port`},
		{engine.Invalid("Attach", "foo", "valid streams are STDIN, STDOUT and STDERR"), `invalid --attach "foo": valid streams are STDIN, STDOUT and STDERR`},
		{engine.Invalid("Volumes", "/b:/x", "Duplicate mount point: /x"), `invalid --volume "/b:/x": Duplicate mount point: /x`},
		{engine.Invalid("Tmpfs", "/x", "Duplicate mount point: /x"), `invalid --tmpfs "/x": Duplicate mount point: /x`},
		{engine.Invalid("Volumes", "/b:/Name", "Duplicate mount point: /Name"), `invalid --volume "/b:/Name": Duplicate mount point: /Name`},
	} {
		var ue *usageError
		err := createOptionError(tt.err)
		if !errors.As(err, &ue) || ue.msg != tt.want {
			t.Errorf("%v: %v, want usage error %q", tt.err, err, tt.want)
		}
	}
	var ee *ExitError
	if err := createOptionError(&engine.StartError{Code: 127, Msg: "not found"}); !errors.As(err, &ee) || ee.Code != 127 {
		t.Errorf("a start error: %v, want exit 127", err)
	}
}

// --quiet drops the pull's display, not the pull.
func TestPullProgressQuiet(t *testing.T) {
	for _, tt := range []struct {
		args  []string
		shown bool
	}{
		{[]string{"bb"}, true},
		{[]string{"-q", "bb"}, false},
		{[]string{"--quiet", "bb"}, false},
	} {
		s := &session{io: IO{Out: io.Discard, Err: io.Discard}}
		f := newCreateFlags(false)
		app := &cli.App{Writer: io.Discard, ErrWriter: io.Discard, Commands: []*cli.Command{{
			Name: "create", Flags: f.flags,
			Action: func(c *cli.Context) error {
				if got := s.pullProgress(c) != nil; got != tt.shown {
					t.Errorf("%v: progress shown %v, want %v", tt.args, got, tt.shown)
				}
				return nil
			},
		}}}
		if err := app.Run(append([]string{"skiff", "create"}, tt.args...)); err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
	}
}
