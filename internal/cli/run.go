package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/docker/go-units"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/imagestore"
	"github.com/skiff-containers/skiff/internal/lifecycle"
	"github.com/skiff-containers/skiff/internal/network"
	"github.com/skiff-containers/skiff/internal/restart"
	"github.com/skiff-containers/skiff/internal/runspec"
	"github.com/skiff-containers/skiff/internal/sdnotify"
	"github.com/skiff-containers/skiff/internal/supervisor"
	"github.com/skiff-containers/skiff/internal/userns"
	"github.com/skiff-containers/skiff/pkg/imageref"
)

// createFlags are shared by run and create; the collectors hold the
// repeatable flags of one invocation.
type createFlags struct {
	env, envFile, volume, tmpfs, capAdd, capDrop, securityOpt, label, logOpt *multi
	publish, expose, dns, dnsSearch, dnsOption, addHost, networkAlias        *multi
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
	f.addHost = add("add-host", "", "add NAME:IP to /etc/hosts (IP may be host-gateway)")
	f.networkAlias = add("network-alias", "", "another name for the container on its user-defined network")
	lf, lists := limitFlags()
	extra = append(extra, lf...)
	f.limits = lists
	f.flags = append([]cli.Flag{
		&cli.StringFlag{Name: "name", Usage: "name the container"},
		&cli.StringFlag{Name: "workdir", Aliases: []string{"w"}, Usage: "working directory inside the container"},
		&cli.StringFlag{Name: "user", Aliases: []string{"u"}, Usage: "user NAME|UID[:GROUP|GID] to run as"},
		&cli.StringFlag{Name: "entrypoint", Usage: "override the image's entrypoint"},
		&cli.StringFlag{Name: "hostname", Usage: "container host name (default: the short id)"},
		&cli.StringFlag{Name: "network", Aliases: []string{"net"}, Value: network.ModeSlirp, Usage: "network: slirp4netns[:allow_host_loopback=true,port_handler=loopback] (private, with outbound access), none, host, container:NAME, or a network's name"},
		&cli.BoolFlag{Name: "publish-all", Aliases: []string{"P"}, Usage: "publish every exposed port on a free host port"},
		&cli.StringFlag{Name: "domainname", Usage: "container NIS domain name"},
		&cli.StringFlag{Name: "ip", Usage: "the container's IPv4 address on its user-defined network"},
		&cli.StringFlag{Name: "oom-score-adj", Usage: "the container's OOM score adjustment, -1000 to 1000"},
		&cli.StringFlag{Name: "log-driver", Value: container.LogJSONFile, Usage: "where the output goes: json-file (read by logs), journald, passthrough (the caller's own stdout and stderr, as under a systemd unit) or none"},
		&cli.StringFlag{Name: "sdnotify", Value: sdnotify.ModeSupervisor, Usage: "under a systemd unit with Type=notify: supervisor (READY once the container runs, the supervisor as MAINPID), container (the container's program sends READY itself) or ignore"},
		&cli.StringFlag{Name: "restart", Value: "no", Usage: "restart the container when it exits: no, on-failure[:N], always or unless-stopped (until stopped with skiff stop)"},
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

// createRequest is a parsed and validated run/create command line.
type createRequest struct {
	ref        imageref.Reference
	imageArg   string
	args       []string
	entrypoint *string
	cfg        container.Config // everything that does not depend on the image
	pull       string
	platform   v1.Platform
	explicit   bool
	replace    bool
	cidfile    string
	detach     bool
	detachKeys []byte
}

// parseCreate validates the whole command line before anything is touched.
func parseCreate(c *cli.Context, f *createFlags) (*createRequest, error) {
	if c.NArg() < 1 {
		return nil, usagef("'%s' needs an image: see '%s --help'", c.Command.HelpName, c.Command.HelpName)
	}
	r := &createRequest{imageArg: c.Args().First(), args: c.Args().Slice()[1:]}
	var err error
	if r.ref, err = parseRef(r.imageArg); err != nil {
		return nil, err
	}
	if r.platform, r.explicit, err = platformFlag(c); err != nil {
		return nil, err
	}
	if c.IsSet("entrypoint") {
		ep := c.String("entrypoint")
		r.entrypoint = &ep
	}
	switch r.pull = c.String("pull"); r.pull {
	case "missing", "always", "never":
	default:
		return nil, usagef("invalid --pull %q: use missing, always or never", r.pull)
	}
	cfg := &r.cfg
	cfg.Name = c.String("name")
	if cfg.Name != "" {
		if err := container.ValidName(cfg.Name); err != nil {
			return nil, usagef("%v", err)
		}
	}
	cfg.WorkingDir = c.String("workdir")
	if cfg.WorkingDir != "" && !filepath.IsAbs(cfg.WorkingDir) {
		return nil, usagef("invalid --workdir %q: it must be an absolute path", cfg.WorkingDir)
	}
	cfg.User = c.String("user")
	cfg.Hostname = c.String("hostname")
	if err := parseNetworkFlags(c, f, cfg); err != nil {
		return nil, err
	}
	if err := parseLimitFlags(c, f, cfg); err != nil {
		return nil, err
	}
	if cfg.SDNotify, err = sdnotify.ParseMode(c.String("sdnotify")); err != nil {
		return nil, usagef("%v", err)
	}
	switch u := c.String("userns"); u {
	case "host", "":
	case "auto":
		if userns.Rootless() {
			return nil, usagef("--userns=auto needs root: a rootless container already runs in a user namespace of the user's ids")
		}
		cfg.Host.UsernsMode = "auto"
	default:
		return nil, usagef("invalid --userns %q: use host or auto", u)
	}
	cfg.Host.ReadonlyRootfs = c.Bool("read-only")
	cfg.Init = c.Bool("init")
	cfg.Host.Privileged = c.Bool("privileged")
	cfg.Tty = c.Bool("tty")
	cfg.OpenStdin = c.Bool("interactive")
	cfg.AutoRemove = c.Bool("rm")
	if cfg.Host.RestartPolicy, err = restart.Parse(c.String("restart")); err != nil {
		return nil, usagef("%v", err)
	}
	if cfg.AutoRemove && cfg.Host.RestartPolicy.Restarts() {
		return nil, usagef("--restart %s and --rm conflict: a container removed at exit cannot restart; drop one", cfg.Host.RestartPolicy)
	}
	r.replace = c.Bool("replace")
	r.cidfile = c.String("cidfile")
	if r.cidfile != "" {
		if _, err := os.Stat(r.cidfile); err == nil {
			return nil, usagef("--cidfile %s already exists: remove it first", r.cidfile)
		}
	}
	if r.replace && cfg.Name == "" {
		return nil, usagef("--replace needs --name")
	}
	if sig := c.String("stop-signal"); sig != "" {
		if _, err := lifecycle.ParseSignal(sig); err != nil {
			return nil, usagef("--stop-signal: %v", err)
		}
		cfg.StopSignal = sig
	}
	if t := c.Int("stop-timeout"); t >= 0 {
		cfg.StopTimeout = &t
	} else if c.IsSet("stop-timeout") {
		return nil, usagef("invalid --stop-timeout %d: use a number of seconds", t)
	}
	if cfg.Host.CapAdd, err = checkCaps("--cap-add", f.capAdd.values); err != nil {
		return nil, err
	}
	if cfg.Host.CapDrop, err = checkCaps("--cap-drop", f.capDrop.values); err != nil {
		return nil, err
	}
	for _, so := range f.securityOpt.values {
		switch so {
		case "no-new-privileges", "no-new-privileges:true", "no-new-privileges=true":
			cfg.NoNewPrivileges = true
		case "no-new-privileges:false", "no-new-privileges=false":
			cfg.NoNewPrivileges = false
		default:
			return nil, usagef("unsupported --security-opt %q: use no-new-privileges", so)
		}
		cfg.Host.SecurityOpt = append(cfg.Host.SecurityOpt, so)
	}
	if cfg.Labels, err = parseLabels(f.label.values); err != nil {
		return nil, err
	}
	if cfg.Env, err = parseEnv(f.envFile.values, f.env.values); err != nil {
		return nil, err
	}
	for _, v := range f.volume.values {
		m, err := parseVolume(v)
		if err != nil {
			return nil, err
		}
		cfg.Mounts = append(cfg.Mounts, m)
		cfg.Host.Binds = append(cfg.Host.Binds, v)
	}
	for _, t := range f.tmpfs.values {
		m, err := parseTmpfs(t)
		if err != nil {
			return nil, err
		}
		cfg.Mounts = append(cfg.Mounts, m)
		cfg.Host.Tmpfs = append(cfg.Host.Tmpfs, t)
	}
	if err := parseLogFlags(c, f, cfg); err != nil {
		return nil, err
	}
	if c.Command.Name == "run" {
		r.detach = c.Bool("detach")
		if r.detachKeys, err = parseDetachKeys(c.String("detach-keys")); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func checkCaps(flag string, caps []string) ([]string, error) {
	for _, cp := range caps {
		if _, err := runspec.NormalizeCap(cp); err != nil {
			return nil, usagef("%s: %v", flag, err)
		}
	}
	return caps, nil
}

func parseLabels(specs []string) (map[string]string, error) {
	if len(specs) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, l := range specs {
		k, v, _ := strings.Cut(l, "=")
		if k == "" {
			return nil, usagef("invalid --label %q: use KEY=VALUE", l)
		}
		out[k] = v
	}
	return out, nil
}

// parseEnv reads --env-file files, then --env values; KEY alone takes the
// caller's value (and is dropped when the caller has none), as in Docker.
func parseEnv(files, values []string) ([]string, error) {
	var out []string
	for _, f := range files {
		env, err := runspec.ReadEnvFile(f, os.LookupEnv)
		if err != nil {
			return nil, usagef("--env-file: %v", err)
		}
		for _, kv := range env {
			out = runspec.SetEnv(out, kv)
		}
	}
	for _, v := range values {
		kv, err := runspec.EnvEntry(v, os.LookupEnv)
		if err != nil {
			return nil, usagef("--env %q: %v", v, err)
		}
		if kv != "" {
			out = runspec.SetEnv(out, kv)
		}
	}
	return out, nil
}

// parseVolume reads HOST:CONTAINER[:ro|rw].
func parseVolume(v string) (runspec.Mount, error) {
	parts := strings.Split(v, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return runspec.Mount{}, usagef("invalid --volume %q: use HOST-PATH:CONTAINER-PATH[:ro]", v)
	}
	m := runspec.Mount{Source: parts[0], Destination: parts[1]}
	if !filepath.IsAbs(m.Source) {
		return runspec.Mount{}, usagef("invalid --volume %q: the host path must be absolute (named volumes are not supported yet)", v)
	}
	if !filepath.IsAbs(m.Destination) {
		return runspec.Mount{}, usagef("invalid --volume %q: the container path must be absolute", v)
	}
	if _, err := os.Stat(m.Source); err != nil {
		return runspec.Mount{}, usagef("invalid --volume %q: %s: %v", v, m.Source, errorsUnwrapPath(err))
	}
	if len(parts) == 3 {
		for _, o := range strings.Split(parts[2], ",") {
			switch o {
			case "ro":
				m.ReadOnly = true
			case "rw", "z", "Z":
			default:
				return runspec.Mount{}, usagef("invalid --volume %q: unknown option %q (use ro or rw)", v, o)
			}
		}
	}
	return m, nil
}

// parseTmpfs reads PATH[:size=64m,mode=1777,...].
func parseTmpfs(t string) (runspec.Mount, error) {
	dst, opts, _ := strings.Cut(t, ":")
	if !filepath.IsAbs(dst) {
		return runspec.Mount{}, usagef("invalid --tmpfs %q: the path must be absolute", t)
	}
	m := runspec.Mount{Destination: dst, Tmpfs: true}
	if opts != "" {
		for _, o := range strings.Split(opts, ",") {
			switch {
			case o == "ro":
				m.ReadOnly = true
			case o == "rw", o == "noexec", o == "exec", o == "nosuid", o == "nodev", strings.HasPrefix(o, "mode="), strings.HasPrefix(o, "uid="), strings.HasPrefix(o, "gid="):
				m.Options = append(m.Options, o)
			case strings.HasPrefix(o, "size="):
				if _, err := units.RAMInBytes(strings.TrimPrefix(o, "size=")); err != nil {
					return runspec.Mount{}, usagef("invalid --tmpfs %q: bad size", t)
				}
				m.Options = append(m.Options, o)
			default:
				return runspec.Mount{}, usagef("invalid --tmpfs %q: unknown option %q", t, o)
			}
		}
	}
	return m, nil
}

func parseLogFlags(c *cli.Context, f *createFlags, cfg *container.Config) error {
	lc, err := container.ParseLogConfig(c.String("log-driver"), f.logOpt.values)
	if err != nil {
		return usagef("%v", err)
	}
	if lc.Driver == container.LogPassthrough && cfg.Tty {
		return usagef("--log-driver=passthrough cannot be used with -t: the container writes to the caller's own stdout and stderr; drop -t or choose another log driver")
	}
	cfg.Log = lc
	return nil
}

// parseDetachKeys reads Docker's format: "ctrl-p,ctrl-q", "a,ctrl-b".
func parseDetachKeys(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	var out []byte
	for _, k := range strings.Split(s, ",") {
		switch {
		case len(k) == 1:
			out = append(out, k[0])
		case strings.HasPrefix(k, "ctrl-") && len(k) == 6:
			c := k[5]
			switch {
			case c >= 'a' && c <= 'z':
				out = append(out, c-'a'+1)
			case c == '@':
				out = append(out, 0)
			case c >= '[' && c <= '_':
				out = append(out, c-'['+27)
			default:
				return nil, usagef("invalid --detach-keys %q: unknown key %q", s, k)
			}
		default:
			return nil, usagef("invalid --detach-keys %q: use keys such as ctrl-p,ctrl-q", s)
		}
	}
	return out, nil
}

// manager opens the engine and returns its lifecycle manager.
func (s *session) manager() (*lifecycle.Manager, error) {
	e, err := s.engine()
	if err != nil {
		return nil, err
	}
	return e.Manager(), nil
}

// create resolves the image (pulling by policy) and records the container.
func (s *session) create(m *lifecycle.Manager, r *createRequest) (*container.Container, error) {
	if err := m.CheckCreate(r.cfg); err != nil {
		return nil, usagef("%v", err)
	}
	img, err := s.imageForRun(m.Images, r)
	if err != nil {
		return nil, err
	}
	icfg, err := m.Images.Config(img.ID)
	if err != nil {
		return nil, err
	}
	cfg := r.cfg
	cfg.Image = r.imageArg
	cfg.ImageID = img.ID
	if len(img.Names) > 0 {
		cfg.ImageName = r.ref.String()
	}
	cfg.Created = timeNow()
	cfg.CreateCommand = append([]string{}, os.Args...)
	cfg.Entrypoint = icfg.Config.Entrypoint
	cfg.Cmd = icfg.Config.Cmd
	if r.entrypoint != nil {
		cfg.Entrypoint = nil
		if *r.entrypoint != "" {
			cfg.Entrypoint = []string{*r.entrypoint}
		}
		cfg.Cmd = nil
	}
	if len(r.args) > 0 {
		cfg.Cmd = r.args
	}
	if cfg.Args, err = runspec.Argv(icfg.Config.Entrypoint, icfg.Config.Cmd, r.entrypoint, r.args); err != nil {
		return nil, usagef("%v", err)
	}
	env := append([]string{}, icfg.Config.Env...)
	for _, kv := range r.cfg.Env {
		env = runspec.SetEnv(env, kv)
	}
	cfg.Env = env
	if cfg.WorkingDir == "" {
		cfg.WorkingDir = icfg.Config.WorkingDir
	}
	if cfg.User == "" {
		cfg.User = icfg.Config.User
	}
	if cfg.StopSignal == "" {
		cfg.StopSignal = icfg.Config.StopSignal
	}
	cfg.ExposedPorts = nil
	for k := range icfg.Config.ExposedPorts {
		cfg.ExposedPorts = appendUnique(cfg.ExposedPorts, k)
	}
	for _, k := range r.cfg.ExposedPorts {
		cfg.ExposedPorts = appendUnique(cfg.ExposedPorts, k)
	}
	slices.Sort(cfg.ExposedPorts)
	if len(icfg.Config.Labels) > 0 {
		labels := map[string]string{}
		for k, v := range icfg.Config.Labels {
			labels[k] = v
		}
		for k, v := range r.cfg.Labels {
			labels[k] = v
		}
		cfg.Labels = labels
	}
	if len(cfg.Host.Networks) > 0 {
		n, err := m.Networks.Get(cfg.Host.Networks[0].Name)
		if err != nil {
			return nil, usagef("--network %s: %v", cfg.Host.Networks[0].Name, networkLookupError(err))
		}
		cfg.Host.NetworkMode, cfg.Host.Networks[0].Name = n.Name, n.Name
	}
	if r.replace {
		if old, err := m.Containers.Lookup(cfg.Name); err == nil {
			if err := m.Remove(s.ctx, old, true); err != nil {
				return nil, fmt.Errorf("--replace: %w", err)
			}
		}
	}
	ctr, err := m.Create(cfg)
	if err != nil {
		if errors.Is(err, container.ErrNameInUse) {
			return nil, usagef("%v", err)
		}
		return nil, err
	}
	if r.cidfile != "" {
		if err := os.WriteFile(r.cidfile, []byte(ctr.ID), 0o644); err != nil {
			_ = m.Containers.Remove(ctr)
			return nil, fmt.Errorf("--cidfile: %w", err)
		}
	}
	return ctr, nil
}

// imageForRun finds the image, pulling it as the policy says.
func (s *session) imageForRun(store *imagestore.Store, r *createRequest) (imagestore.Image, error) {
	var why string
	if r.pull != "always" {
		img, err := s.localImage(store, r)
		var pe *imagestore.PlatformError
		switch {
		case err == nil:
			return img, nil
		case errors.As(err, &pe):
			// As in Docker: --platform names the image wanted, and one of
			// another platform counts as missing. By id there is nothing
			// to pull.
			if !slices.Contains(img.Names, r.ref.String()) && strings.HasPrefix(img.ID, strings.TrimPrefix(r.imageArg, "sha256:")) {
				return imagestore.Image{}, usagef("%v: drop --platform, or name the image by its reference", err)
			}
			if r.pull == "never" {
				return imagestore.Image{}, usagef("%v: pull it for %s (--pull missing or always) or drop --platform", err, r.platform.String())
			}
			why = fmt.Sprintf("The local image '%s' is for %s: pulling it for %s", r.ref.Familiar(), pe.Have.String(), pe.Want.String())
		case !errors.Is(err, imagestore.ErrNotFound):
			return imagestore.Image{}, lookupError(r.imageArg, err)
		case r.pull == "never":
			return imagestore.Image{}, fmt.Errorf("no such image: %s (not pulled: --pull=never)", r.imageArg)
		default:
			why = fmt.Sprintf("Unable to find image '%s' locally", r.ref.Familiar())
		}
	}
	return s.pullImage(pullRequest{ref: r.ref, platform: r.platform, explicit: r.explicit, why: why})
}

// localImage finds the image in the store; only an asked-for --platform
// is held against it.
func (s *session) localImage(store *imagestore.Store, r *createRequest) (imagestore.Image, error) {
	if r.explicit {
		return store.LookupPlatform(r.imageArg, r.platform)
	}
	return store.Lookup(r.imageArg)
}

// parseAndCreate is what run and create share: the flags read, the
// image found (or pulled), the container recorded.
func (s *session) parseAndCreate(c *cli.Context, f *createFlags) (*lifecycle.Manager, *createRequest, *container.Container, error) {
	r, err := parseCreate(c, f)
	if err != nil {
		return nil, nil, nil, err
	}
	m, err := s.manager()
	if err != nil {
		return nil, nil, nil, err
	}
	ctr, err := s.create(m, r)
	return m, r, ctr, err
}

func (s *session) createAction(c *cli.Context, f *createFlags) error {
	_, _, ctr, err := s.parseAndCreate(c, f)
	if err != nil {
		return err
	}
	fmt.Fprintln(s.io.Out, ctr.ID)
	return nil
}

func (s *session) runAction(c *cli.Context, f *createFlags) error {
	r, err := parseCreate(c, f)
	if err != nil {
		return err
	}
	// Before anything is pulled, replaced or recorded.
	if err := lifecycle.CheckLogDriver(r.cfg); err != nil {
		return usagef("%v", err)
	}
	m, err := s.manager()
	if err != nil {
		return err
	}
	// The supervisor starts up while the container is created; without
	// it, Start starts one itself.
	pre, _ := lifecycle.Prestart(r.cfg, s.startOptions(!r.detach, r.cfg.OpenStdin))
	ctr, err := s.create(m, r)
	if err != nil {
		pre.Abandon()
		return err
	}
	return s.start(m, ctr, !r.detach, r.cfg.OpenStdin, r.detachKeys, true, pre)
}

// startOptions connect the caller to a container being started.
func (s *session) startOptions(attach, stdin bool) lifecycle.StartOptions {
	return lifecycle.StartOptions{Attach: attach, Stdin: stdin, Caller: s.callerStdio()}
}

// start starts a container and, attached, relays its streams until it
// exits; the exit code becomes ours. fresh marks a container this command
// created, which a failed start removes; pre is its supervisor if it was
// started ahead (nil: none).
func (s *session) start(m *lifecycle.Manager, ctr *container.Container, attach, stdin bool, detachKeys []byte, fresh bool, pre *supervisor.Pending) error {
	so := s.startOptions(attach, stdin)
	so.Prestarted = pre
	var term *terminal
	if attach && ctr.Tty {
		term = newTerminal(s.io)
		so.Rows, so.Cols = term.size()
	}
	p, err := m.Start(s.ctx, ctr, so)
	if err != nil {
		// A run that cannot start the container it just made leaves
		// nothing behind; a container started by `start` stays.
		if fresh {
			_ = m.Containers.Remove(ctr)
		}
		var se *supervisor.StartError
		if errors.As(err, &se) {
			return &ExitError{Code: se.Code, Err: errors.New(se.Msg)}
		}
		return err
	}
	for _, w := range p.Result.Warnings {
		fmt.Fprintf(s.io.Err, "skiff: warning: %s\n", w)
	}
	if !attach {
		fmt.Fprintln(s.io.Out, ctr.ID)
		return nil
	}
	var code int
	var detached bool
	if ctr.Log.DriverName() == container.LogPassthrough {
		code, err = waitPassthrough(p)
	} else {
		code, detached, err = s.attach(p, ctr, term, stdin, detachKeys)
	}
	if err != nil {
		return err
	}
	if detached {
		return nil
	}
	// The monitor removed a --rm container before its supervisor exited.
	if ctr.AutoRemove && len(m.Cleanup) == 0 {
		if err := m.Containers.Remove(ctr); err != nil {
			fmt.Fprintf(s.io.Err, "skiff: warning: --rm: %v\n", err)
		}
	}
	if code != 0 {
		return &ExitError{Code: code}
	}
	return nil
}

// startable reports unknown and ambiguous names in Docker's words.
func containerLookupError(ref string, err error) error {
	if errors.Is(err, container.ErrNotFound) {
		return fmt.Errorf("no such container: %s", ref)
	}
	return err
}
