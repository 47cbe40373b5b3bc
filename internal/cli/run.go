package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/engine"
	"github.com/skiff-containers/skiff/internal/progress"
)

// createFlags are shared by run and create; the collectors hold the
// repeatable flags of one invocation.
type createFlags struct {
	env, envFile, volume, tmpfs, capAdd, capDrop, securityOpt, label, logOpt *multi
	publish, expose, dns, dnsSearch, dnsOption, addHost, networkAlias        *multi
	attach                                                                   *multi
	ulimit, deviceCgroupRule                                                 *multi
	limits                                                                   limitLists
	flags                                                                    []cli.Flag
}

func newCreateFlags(run bool) *createFlags {
	f := &createFlags{}
	var extra []cli.Flag
	add := func(long, short, usage string) *multi {
		fl, m := repeatable(long, short, usage)
		extra = append(extra, fl...)
		return m
	}
	f.env = add("env", "e", "set an environment variable (KEY=VALUE, or KEY to pass the caller's)")
	f.envFile = add("env-file", "", "read environment variables from a file")
	f.volume = add("volume", "v", "bind mount HOST:CONTAINER[:ro|rw]")
	f.tmpfs = add("tmpfs", "", "mount a tmpfs at PATH[:OPTIONS]")
	f.capAdd = add("cap-add", "", "add a capability")
	f.capDrop = add("cap-drop", "", "drop a capability")
	f.securityOpt = add("security-opt", "", "security option: no-new-privileges[:true|false]")
	f.label = add("label", "l", "set a label KEY=VALUE")
	f.logOpt = add("log-opt", "", "log driver option: max-size=SIZE, max-file=N (json-file); tag=TAG (journald)")
	f.publish = add("publish", "p", "publish a port [IP:][HOSTPORT:]CONTAINERPORT[/tcp|/udp]; ranges as 8000-8001:80-81")
	f.expose = add("expose", "", "expose a port or range (for -P)")
	f.dns = add("dns", "", "use this DNS server")
	f.dnsSearch = add("dns-search", "", "DNS search domain")
	f.dnsOption = add("dns-option", "", "resolver option (as in resolv.conf)")
	// Docker's older name, which it still takes (hidden).
	extra = append(extra, &cli.GenericFlag{Name: "dns-opt", Hidden: true, Value: f.dnsOption})
	f.addHost = add("add-host", "", "add NAME:IP to /etc/hosts (IP may be host-gateway)")
	f.networkAlias = add("network-alias", "", "another name for the container on its user-defined network")
	f.attach = add("attach", "a", "attach to STDIN, STDOUT or STDERR only (default: stdout and stderr, and stdin with -i)")
	f.ulimit = add("ulimit", "", "set a resource limit NAME=SOFT[:HARD], such as nofile=1024:2048 (-1: unlimited)")
	f.deviceCgroupRule = add("device-cgroup-rule", "", "allow devices in the container's device cgroup, such as 'c 1:3 rwm' (as root)")
	lf, lists := limitFlags()
	extra = append(extra, lf...)
	f.limits = lists
	f.flags = append([]cli.Flag{
		&cli.StringFlag{Name: "name", Usage: "name the container"},
		&cli.StringFlag{Name: "workdir", Aliases: []string{"w"}, Usage: "working directory inside the container"},
		&cli.StringFlag{Name: "user", Aliases: []string{"u"}, Usage: "user NAME|UID[:GROUP|GID] to run as"},
		&cli.StringFlag{Name: "entrypoint", Usage: "override the image's entrypoint"},
		&cli.StringFlag{Name: "hostname", Usage: "container host name (default: the short id)"},
		&cli.StringFlag{Name: "network", Aliases: []string{"net"}, Value: "slirp4netns", Usage: "network: slirp4netns[:allow_host_loopback=true,port_handler=loopback] (private, with outbound access), none, host, container:NAME, or a network's name"},
		&cli.BoolFlag{Name: "publish-all", Aliases: []string{"P"}, Usage: "publish every exposed port on a free host port"},
		&cli.StringFlag{Name: "domainname", Usage: "container NIS domain name"},
		&cli.StringFlag{Name: "ip", Usage: "the container's IPv4 address on its user-defined network"},
		&cli.StringFlag{Name: "oom-score-adj", Usage: "the container's OOM score adjustment, -1000 to 1000"},
		&cli.StringFlag{Name: "log-driver", Value: "json-file", Usage: "where the output goes: json-file (read by logs), journald, passthrough (the caller's own stdout and stderr, as under a systemd unit) or none"},
		&cli.StringFlag{Name: "sdnotify", Value: "supervisor", Usage: "under a systemd unit with Type=notify: supervisor (READY once the container runs, the supervisor as MAINPID), container (the container's program sends READY itself) or ignore"},
		&cli.StringFlag{Name: "restart", Value: "no", Usage: "restart the container when it exits: no, on-failure[:N], always or unless-stopped (until stopped with skiff stop)"},
		&cli.StringFlag{Name: "cgroupns", Usage: "cgroup namespace: host, or private (its own; the default on cgroup v2)"},
		&cli.StringFlag{Name: "kernel-memory", Usage: "deprecated and ignored, as in Docker"},
		&cli.BoolFlag{Name: "strict-limits", Usage: "refuse to start where the limits cannot apply (default: run without them and warn)"},
		&cli.StringFlag{Name: "userns", Value: "host", Usage: "user namespace: host (skiff's own), or auto (as root: a range of its own from /etc/subuid's \"containers\")"},
		&cli.BoolFlag{Name: "read-only", Usage: "mount the root file system read-only"},
		&cli.BoolFlag{Name: "init", Usage: "run a minimal init as PID 1 that reaps zombies and forwards signals"},
		&cli.BoolFlag{Name: "privileged", Usage: "give the container every capability the user has, no seccomp, no masked paths"},
		&cli.StringFlag{Name: "cidfile", Usage: "write the container id to this file"},
		&cli.BoolFlag{Name: "replace", Usage: "remove an existing container of the same name first"},
		&cli.StringFlag{Name: "pull", Value: "missing", Usage: "pull the image: missing, always or never"},
		&cli.StringFlag{Name: "platform", Usage: "pull for this platform"},
		&cli.StringFlag{Name: "stop-signal", Usage: "signal that stops the container (default: the image's, or SIGTERM)"},
		&cli.IntFlag{Name: "stop-timeout", Value: -1, Usage: "seconds to wait before killing on stop (default 10)"},
		&cli.BoolFlag{Name: "tty", Aliases: []string{"t"}, Usage: "allocate a pseudo-terminal"},
		&cli.BoolFlag{Name: "interactive", Aliases: []string{"i"}, Usage: "keep stdin open"},
		&cli.BoolFlag{Name: "rm", Usage: "remove the container when it exits"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "do not show the pull of a missing image"},
	}, extra...)
	if run {
		f.flags = append(f.flags,
			&cli.BoolFlag{Name: "detach", Aliases: []string{"d"}, Usage: "run in the background and print the container id"},
			&cli.StringFlag{Name: "detach-keys", Value: "ctrl-p,ctrl-q", Usage: "key sequence that detaches from a -it container"},
		)
	}
	return f
}

func (s *session) containerCreateCommands() []*cli.Command {
	runFlags := newCreateFlags(true)
	createFlags := newCreateFlags(false)
	return []*cli.Command{
		{
			Name:      "run",
			Usage:     "create and start a container",
			ArgsUsage: "IMAGE [COMMAND [ARG...]]",
			Flags:     runFlags.flags,
			Action:    func(c *cli.Context) error { return s.runAction(c, runFlags) },
		},
		{
			Name:      "create",
			Usage:     "create a container without starting it",
			ArgsUsage: "IMAGE [COMMAND [ARG...]]",
			Flags:     createFlags.flags,
			Action:    func(c *cli.Context) error { return s.createAction(c, createFlags) },
		},
	}
}

// createOptions maps run and create's command line to the engine's
// options; the engine checks the values.
func createOptions(c *cli.Context, f *createFlags) (engine.CreateOptions, error) {
	if c.NArg() < 1 {
		return engine.CreateOptions{}, usagef("'%s' needs an image: see '%s --help'", c.Command.HelpName, c.Command.HelpName)
	}
	o := engine.CreateOptions{
		Image: c.Args().First(), Command: c.Args().Slice()[1:],
		Name: c.String("name"), Workdir: c.String("workdir"), User: c.String("user"), Hostname: c.String("hostname"),
		Domainname: c.String("domainname"),
		Env:        f.env.values, EnvFiles: f.envFile.values, LookupEnv: os.LookupEnv,
		Labels: f.label.values, Volumes: f.volume.values, Tmpfs: f.tmpfs.values,
		Network: c.String("network"), NetworkAliases: f.networkAlias.values, IP: c.String("ip"),
		Publish: f.publish.values, PublishAll: c.Bool("publish-all"), Expose: f.expose.values,
		DNS: f.dns.values, DNSSearch: f.dnsSearch.values, DNSOptions: f.dnsOption.values, AddHosts: f.addHost.values,
		Limits: limitValues(c, f.limits), StrictLimits: c.Bool("strict-limits"), OOMScoreAdj: c.String("oom-score-adj"),
		LogDriver: c.String("log-driver"), LogOpts: f.logOpt.values, SDNotify: c.String("sdnotify"),
		Restart: c.String("restart"), Userns: c.String("userns"),
		ReadOnly: c.Bool("read-only"), Init: c.Bool("init"), Privileged: c.Bool("privileged"),
		Tty: c.Bool("tty"), OpenStdin: c.Bool("interactive"), AutoRemove: c.Bool("rm"),
		StopSignal: c.String("stop-signal"),
		CapAdd:     f.capAdd.values, CapDrop: f.capDrop.values, SecurityOpt: f.securityOpt.values,
		Ulimits: f.ulimit.values, CgroupNS: c.String("cgroupns"), DeviceCgroupRules: f.deviceCgroupRule.values,
		KernelMemory: c.String("kernel-memory"),
		Pull:         c.String("pull"), Platform: c.String("platform"), Replace: c.Bool("replace"), CIDFile: c.String("cidfile"),
		CreateCommand: append([]string{}, os.Args...),
		Attach:        f.attach.values,
	}
	if c.IsSet("entrypoint") {
		ep := c.String("entrypoint")
		o.Entrypoint = &ep
	}
	// -1, the flag's default, is unset; given, it is the engine's to
	// refuse.
	if t := c.Int("stop-timeout"); t >= 0 || c.IsSet("stop-timeout") {
		o.StopTimeout = &t
	}
	return o, nil
}

// optionFlags are the command-line flags of the engine's option fields,
// for the errors that name them.
var optionFlags = map[string]string{
	"Name": "--name", "Workdir": "--workdir", "User": "--user", "Hostname": "--hostname",
	"Env": "--env", "EnvFiles": "--env-file", "Labels": "--label", "Volumes": "--volume", "Tmpfs": "--tmpfs",
	"Network": "--network", "NetworkAliases": "--network-alias", "IP": "--ip", "Publish": "-p", "PublishAll": "-P",
	"Expose": "--expose", "DNS": "--dns", "AddHosts": "--add-host", "OOMScoreAdj": "--oom-score-adj",
	"LogDriver": "--log-driver", "SDNotify": "--sdnotify", "Restart": "--restart", "Userns": "--userns",
	"Tty": "-t", "AutoRemove": "--rm", "StopSignal": "--stop-signal", "StopTimeout": "--stop-timeout",
	"CapAdd": "--cap-add", "CapDrop": "--cap-drop", "SecurityOpt": "--security-opt", "Pull": "--pull",
	"Platform": "--platform", "Replace": "--replace", "CIDFile": "--cidfile", "DetachKeys": "--detach-keys",
	"Attach":  "--attach",
	"Ulimits": "--ulimit", "CgroupNS": "--cgroupns", "DeviceCgroupRules": "--device-cgroup-rule", "KernelMemory": "--kernel-memory",
}

// optionNames are the fields the engine's reasons name (as in "needs
// Name"); not a path's part, which a reason may quote ("/Name").
var optionNames = regexp.MustCompile(`(^|[^/\w])(Name|Network|Restart|Tty|Pull|Platform)\b`)

// createOptionError words an engine error about an option as the command line
// has it, in the one line of a usage error; a start refused for its
// command keeps Docker's exit code.
func createOptionError(err error) error {
	var se *engine.StartError
	if errors.As(err, &se) {
		return &ExitError{Code: se.Code, Err: errors.New(se.Msg)}
	}
	var ie *engine.InvalidOptionError
	if !errors.As(err, &ie) {
		return err
	}
	return usagef("%s", invalidMessage(ie))
}

func invalidMessage(ie *engine.InvalidOptionError) string {
	flag := optionFlags[ie.Field]
	reason := optionNames.ReplaceAllStringFunc(ie.Reason, func(m string) string {
		f := optionNames.FindStringSubmatch(m)
		return f[1] + optionFlags[f[2]]
	})
	switch {
	case flag == "":
		return reason
	case ie.Field == "LogDriver" && ie.Value != "":
		return fmt.Sprintf("%s=%s %s", flag, ie.Value, reason)
	case ie.Field == "SecurityOpt":
		return fmt.Sprintf("unsupported %s %q: %s", flag, ie.Value, reason)
	case ie.Value != "":
		return fmt.Sprintf("invalid %s %q: %s", flag, ie.Value, reason)
	// The layers below still word their refusals whole, with the flag.
	case strings.HasPrefix(reason, "invalid ") || strings.Contains(reason, flag):
		return reason
	}
	return fmt.Sprintf("%s: %s", flag, reason)
}

func (s *session) createAction(c *cli.Context, f *createFlags) error {
	o, err := createOptions(c, f)
	if err != nil {
		return err
	}
	o.Progress = s.pullProgress(c)
	e, err := s.engine()
	if err != nil {
		return err
	}
	ctr, err := e.Create(s.ctx, o)
	if err != nil {
		return createOptionError(err)
	}
	fmt.Fprintln(s.io.Out, ctr.ID)
	return nil
}

func (s *session) runAction(c *cli.Context, f *createFlags) error {
	o, err := createOptions(c, f)
	if err != nil {
		return err
	}
	// Docker checks this on its command line alone: its API has no such
	// conflict (a container created to attach can be started without).
	if c.Bool("detach") && len(o.Attach) > 0 {
		return usagef("conflicting options: cannot specify both --attach and --detach")
	}
	o.Progress = s.pullProgress(c)
	e, err := s.engine()
	if err != nil {
		return err
	}
	a := s.attachment(c.String("detach-keys"), o.OpenStdin)
	defer a.close()
	so := engine.StartOptions{Attach: !c.Bool("detach"), Streams: a.streams}
	x, err := e.Run(s.ctx, o, so)
	if err == nil && !so.Attach {
		fmt.Fprintln(s.io.Out, x.ID)
	}
	return s.exited(x, err)
}

// pullProgress shows the pull a run or create makes, as pull does;
// --quiet shows nothing of it, not even why it pulls, as Docker's.
func (s *session) pullProgress(c *cli.Context) engine.CreateProgress {
	if c.Bool("quiet") {
		return nil
	}
	return &createProgress{w: s.io.Err, tty: isTerminal(s.io.Err)}
}

type createProgress struct {
	w   io.Writer
	tty bool
	*progress.Pull
}

func (p *createProgress) Pulling(why, ref string) {
	p.Pull = progress.NewPull(p.w, p.tty)
	if why != "" {
		p.Printf("%s", why)
	}
	p.Printf("Pulling %s", ref)
}

func (p *createProgress) Done(err error) { p.Close(err) }

// exited reports how a run, start or exec ended: a detached container's
// id (not attached), or its exit code as ours.
func (s *session) exited(x engine.Exit, err error) error {
	if err != nil {
		return createOptionError(err)
	}
	if x.Detached {
		return nil
	}
	if x.Code != 0 {
		return &ExitError{Code: x.Code}
	}
	return nil
}
