package engine

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docker/go-units"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/fserr"
	"github.com/skiff-containers/skiff/internal/imagestore"
	"github.com/skiff-containers/skiff/internal/lifecycle"
	"github.com/skiff-containers/skiff/internal/network"
	"github.com/skiff-containers/skiff/internal/pull"
	"github.com/skiff-containers/skiff/internal/registry"
	"github.com/skiff-containers/skiff/internal/resources"
	"github.com/skiff-containers/skiff/internal/restart"
	"github.com/skiff-containers/skiff/internal/runspec"
	"github.com/skiff-containers/skiff/internal/sdnotify"
	"github.com/skiff-containers/skiff/internal/userns"
	"github.com/skiff-containers/skiff/pkg/imageref"
)

// Limits are resource limits as a front end has them: sizes such as
// "64m", CPU counts such as "1.5", lists such as "0-1,3" ("" is unset).
type Limits = resources.Flags

// CreateOptions are a container to create, as a front end has it: the
// engine parses and checks every value. Empty values take Docker's
// defaults or the image's.
type CreateOptions struct {
	Image string // NAME[:TAG|@DIGEST] or an image id
	// Command replaces the image's Cmd when set; Entrypoint, when not
	// nil, replaces the image's entrypoint ("" drops it) and its Cmd.
	Command    []string
	Entrypoint *string
	Name       string
	Hostname   string
	Domainname string
	Workdir    string // absolute
	User       string // NAME|UID[:GROUP|GID]
	// Env are KEY=VALUE (or KEY: the caller's value, by LookupEnv);
	// EnvFiles are read first, Env wins.
	Env      []string
	EnvFiles []string
	// LookupEnv is the caller's environment, for KEY without a value;
	// nil: the caller has none.
	LookupEnv func(string) (string, bool)
	Labels    []string // KEY=VALUE
	Volumes   []string // HOST:CONTAINER[:ro|rw]
	Tmpfs     []string // PATH[:size=64m,mode=1777,...]
	// Network is slirp4netns[:OPTIONS] (""), none, host,
	// container:NAME or a user-defined network's name.
	Network        string
	NetworkAliases []string
	IP             string
	Publish        []string // [IP:][HOSTPORT:]CONTAINERPORT[/PROTO]
	PublishAll     bool
	Expose         []string // PORT[/PROTO] or a range
	DNS            []string
	DNSSearch      []string
	DNSOptions     []string
	AddHosts       []string // NAME:IP
	Limits         Limits
	StrictLimits   bool
	OOMScoreAdj    string // -1000 to 1000; "" unset
	LogDriver      string // json-file (""), journald, passthrough, none
	LogOpts        []string
	SDNotify       string // supervisor (""), container, ignore
	Restart        string // no (""), on-failure[:N], always, unless-stopped
	Userns         string // host (""), auto (as root)
	ReadOnly       bool
	Init           bool
	Privileged     bool
	Tty            bool
	OpenStdin      bool
	AutoRemove     bool
	// EndsWithCaller kills the container when the attached caller that
	// starts it dies (a builder's RUN: a killed build leaves no process).
	EndsWithCaller bool
	StopSignal     string
	StopTimeout    *int // seconds; nil: the default
	CapAdd         []string
	CapDrop        []string
	SecurityOpt    []string // no-new-privileges[:true|false]
	// Ulimits are NAME=SOFT[:HARD] ("nofile=1024:2048"; -1 unlimited).
	Ulimits []string
	// CgroupNS is host or private ("": private on cgroup v2, host on v1).
	CgroupNS string
	// DeviceCgroupRules are "TYPE MAJOR:MINOR ACCESS" ("c 1:3 rwm").
	DeviceCgroupRules []string
	// KernelMemory is Docker's deprecated kernel memory limit: checked,
	// then ignored with a warning.
	KernelMemory string
	// Pull is the policy: missing (""), always or never; Platform is
	// OS/ARCH[/VARIANT] ("" is the host's, and not held against a local
	// image).
	Pull     string
	Platform string
	// Replace removes a container of the same name first.
	Replace bool
	// CIDFile, when set, gets the new container's id; it must not exist.
	CIDFile string
	// CreateCommand is the caller's command line, recorded for
	// `generate systemd --new`.
	CreateCommand []string
	// Attach are the streams an attached run relays, as Docker's -a
	// names them: stdin, stdout and stderr, in any case. None: all the
	// caller passes. Stdin goes with OpenStdin whatever Attach says, as
	// Docker's -i attaches it.
	Attach []string
	// Progress is told about a pull (nil: nothing is shown).
	Progress CreateProgress
}

// CreateProgress is what a front end shows of the pull a create makes:
// the methods of a pull's progress, and why the image is pulled.
type CreateProgress interface {
	// Pulling comes first: why ("Unable to find image 'x' locally"; may
	// be empty) and the canonical reference.
	Pulling(why, ref string)
	Layers(digests []v1.Hash, sizes []int64)
	State(layer int, state string)
	Bytes(layer int, done int64)
	// Done comes last, with the pull's outcome.
	Done(err error)
}

// Container is a created container, as a front end needs it.
type Container struct {
	ID, Name   string
	Tty        bool
	OpenStdin  bool
	AutoRemove bool

	c *container.Container
}

func viewOf(c *container.Container) *Container {
	return &Container{ID: c.ID, Name: c.Name, Tty: c.Tty, OpenStdin: c.OpenStdin, AutoRemove: c.AutoRemove, c: c}
}

// createPlan is a CreateOptions parsed and checked: all but what depends
// on the image.
type createPlan struct {
	ref        imageref.Reference
	platform   v1.Platform
	explicit   bool
	entrypoint *string
	args       []string
	cfg        container.Config
	pull       string
	replace    bool
	cidfile    string
	// attach is Attach as a set; nil: every stream.
	attach map[string]bool
	// warnings are for the front end once the container is recorded, as
	// Docker's create returns them.
	warnings []string
}

// caller is what the checks need to know of whoever creates the
// container.
type caller struct {
	rootless bool
	// oomFloor is the lowest OOM score adjustment the caller may give
	// (asked only when one is given).
	oomFloor func() int
}

// thisCaller is this process.
func thisCaller() caller {
	rootless := userns.Rootless()
	return caller{rootless: rootless, oomFloor: func() int { return oomFloor(rootless) }}
}

// Create checks every option, finds the image (pulling it as the policy
// says), and records the container with the image's defaults.
func (e *Engine) Create(ctx context.Context, o CreateOptions) (*Container, error) {
	p, err := parseCreate(o, thisCaller())
	if err != nil {
		return nil, err
	}
	c, err := e.create(ctx, p, o.Progress)
	if err != nil {
		return nil, err
	}
	return viewOf(c), nil
}

// invalidBelow is an option a lower package refused; its message is
// already complete.
func invalidBelow(field string, err error) error {
	return &InvalidOptionError{Field: field, Reason: err.Error()}
}

// parseCreate checks everything that needs no store, before anything is
// touched.
func parseCreate(o CreateOptions, who caller) (*createPlan, error) {
	if o.Image == "" {
		return nil, Invalid("Image", "", "an image is needed")
	}
	p := &createPlan{entrypoint: o.Entrypoint, args: o.Command, replace: o.Replace, cidfile: o.CIDFile}
	var err error
	if p.ref, err = imageref.Parse(o.Image); err != nil {
		return nil, invalidBelow("Image", err)
	}
	p.platform, p.explicit = registry.HostPlatform(), false
	if o.Platform != "" {
		if p.platform, err = registry.ParsePlatform(o.Platform); err != nil {
			return nil, invalidBelow("Platform", err)
		}
		p.explicit = true
	}
	if p.pull, err = parsePullPolicy(o.Pull); err != nil {
		return nil, err
	}
	cfg := &p.cfg
	cfg.Image = o.Image
	if o.Name != "" {
		// Docker stores names as /NAME and takes them so.
		cfg.Name = strings.TrimPrefix(o.Name, "/")
		if container.ValidName(cfg.Name) != nil {
			// Worded for the name as given, which is just as invalid.
			return nil, invalidBelow("Name", container.ValidName(o.Name))
		}
	}
	cfg.WorkingDir = o.Workdir
	if cfg.WorkingDir != "" && !filepath.IsAbs(cfg.WorkingDir) {
		return nil, Invalid("Workdir", cfg.WorkingDir, "it must be an absolute path")
	}
	cfg.User, cfg.Hostname = o.User, o.Hostname
	if err := parseNetworkOptions(o, p); err != nil {
		return nil, err
	}
	if cfg.Host.Resources, err = resources.Parse(o.Limits); err != nil {
		return nil, invalidBelow("Limits", err)
	}
	cfg.Host.StrictLimits = o.StrictLimits
	if v := o.OOMScoreAdj; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < -1000 || n > 1000 {
			return nil, Invalid("OOMScoreAdj", v, "use a number from -1000 to 1000")
		}
		if floor := who.oomFloor(); n < floor {
			p.warnings = append(p.warnings, fmt.Sprintf("OOM score adjustment %d is below the caller's own (%d), which only a process with CAP_SYS_RESOURCE may go under: raised to %d", n, floor, floor))
			n = floor
		}
		cfg.Host.OOMScoreAdj = &n
	}
	if cfg.SDNotify, err = sdnotify.ParseMode(o.SDNotify); err != nil {
		return nil, invalidBelow("SDNotify", err)
	}
	switch o.Userns {
	case "host", "":
	case "auto":
		if who.rootless {
			return nil, Invalid("Userns", o.Userns, "needs root: a rootless container already runs in a user namespace of the user's ids")
		}
		cfg.Host.UsernsMode = "auto"
	default:
		return nil, Invalid("Userns", o.Userns, "use host or auto")
	}
	cfg.Host.ReadonlyRootfs, cfg.Init, cfg.Host.Privileged = o.ReadOnly, o.Init, o.Privileged
	cfg.Tty, cfg.OpenStdin, cfg.AutoRemove = o.Tty, o.OpenStdin, o.AutoRemove
	cfg.EndsWithCaller = o.EndsWithCaller
	rs := o.Restart
	if rs == "" {
		rs = "no"
	}
	if cfg.Host.RestartPolicy, err = restart.Parse(rs); err != nil {
		return nil, invalidBelow("Restart", err)
	}
	if cfg.AutoRemove && cfg.Host.RestartPolicy.Restarts() {
		return nil, Invalid("AutoRemove", "", fmt.Sprintf("conflicts with Restart %s: a container removed at exit cannot restart; drop one", cfg.Host.RestartPolicy))
	}
	if p.cidfile != "" {
		if _, err := os.Stat(p.cidfile); err == nil {
			return nil, Invalid("CIDFile", p.cidfile, "already exists: remove it first")
		}
	}
	if p.replace && cfg.Name == "" {
		return nil, Invalid("Replace", "", "needs Name")
	}
	if sig := o.StopSignal; sig != "" {
		if _, err := lifecycle.ParseSignal(sig); err != nil {
			return nil, Invalid("StopSignal", sig, err.Error())
		}
		cfg.StopSignal = sig
	}
	if t := o.StopTimeout; t != nil {
		if *t < 0 {
			return nil, Invalid("StopTimeout", strconv.Itoa(*t), "use a number of seconds")
		}
		n := *t
		cfg.StopTimeout = &n
	}
	if cfg.Host.CapAdd, err = checkCaps("CapAdd", o.CapAdd); err != nil {
		return nil, err
	}
	if cfg.Host.CapDrop, err = checkCaps("CapDrop", o.CapDrop); err != nil {
		return nil, err
	}
	hostWarnings, err := parseHostOptions(o, who.rootless, &cfg.Host)
	if err != nil {
		return nil, err
	}
	p.warnings = append(p.warnings, hostWarnings...)
	for _, so := range o.SecurityOpt {
		switch so {
		case "no-new-privileges", "no-new-privileges:true", "no-new-privileges=true":
			cfg.NoNewPrivileges = true
		case "no-new-privileges:false", "no-new-privileges=false":
			cfg.NoNewPrivileges = false
		default:
			return nil, Invalid("SecurityOpt", so, "not supported: use no-new-privileges")
		}
		cfg.Host.SecurityOpt = append(cfg.Host.SecurityOpt, so)
	}
	if cfg.Labels, err = ParseLabels(o.Labels); err != nil {
		return nil, err
	}
	if cfg.Env, err = parseEnv(o.EnvFiles, o.Env, o.LookupEnv); err != nil {
		return nil, err
	}
	if err := parseMounts(o, cfg); err != nil {
		return nil, err
	}
	driver := o.LogDriver
	if driver == "" {
		driver = container.LogJSONFile
	}
	if cfg.Log, err = container.ParseLogConfig(driver, o.LogOpts); err != nil {
		return nil, invalidBelow("LogDriver", err)
	}
	if cfg.Log.Driver == container.LogPassthrough && cfg.Tty {
		return nil, Invalid("LogDriver", container.LogPassthrough, "cannot be used with Tty: the container writes to the caller's own stdout and stderr; drop Tty or choose another log driver")
	}
	cfg.CreateCommand = append([]string{}, o.CreateCommand...)
	if p.attach, err = parseAttach(o.Attach); err != nil {
		return nil, err
	}
	return p, nil
}

// parseAttach reads Docker's -a values.
func parseAttach(values []string) (map[string]bool, error) {
	if len(values) == 0 {
		return nil, nil
	}
	set := map[string]bool{}
	for _, v := range values {
		s := strings.ToLower(v)
		switch s {
		case "stdin", "stdout", "stderr":
			set[s] = true
		default:
			return nil, Invalid("Attach", v, "valid streams are STDIN, STDOUT and STDERR")
		}
	}
	return set, nil
}

// attached are the caller's streams an attached run relays: those Attach
// names (stdin as the caller passes it). A stream left out is not shown
// to the caller; the log still has it.
func (p *createPlan) attached(s Streams) Streams {
	if p.attach == nil {
		return s
	}
	if !p.attach["stdout"] {
		s.Stdout = nil
	}
	if !p.attach["stderr"] {
		s.Stderr = nil
	}
	return s
}

// parseMounts reads the bind mounts and tmpfs mounts. Two at one path in
// the container are refused, as Docker refuses them.
func parseMounts(o CreateOptions, cfg *container.Config) error {
	targets := map[string]bool{}
	add := func(field, spec string, m runspec.Mount) error {
		dst := filepath.Clean(m.Destination)
		if targets[dst] {
			return Invalid(field, spec, "Duplicate mount point: "+dst)
		}
		targets[dst] = true
		cfg.Mounts = append(cfg.Mounts, m)
		return nil
	}
	for _, v := range o.Volumes {
		m, err := parseVolume(v)
		if err != nil {
			return err
		}
		if err := add("Volumes", v, m); err != nil {
			return err
		}
		cfg.Host.Binds = append(cfg.Host.Binds, v)
	}
	for _, t := range o.Tmpfs {
		m, err := parseTmpfs(t)
		if err != nil {
			return err
		}
		if err := add("Tmpfs", t, m); err != nil {
			return err
		}
		cfg.Host.Tmpfs = append(cfg.Host.Tmpfs, t)
	}
	return nil
}

// hostPortsDiscarded is Docker's warning for ports published on the
// host's network, where there is nothing to publish them from.
const hostPortsDiscarded = "Published ports are discarded when using host network mode"

// parseNetworkOptions reads the network mode, ports and names.
func parseNetworkOptions(o CreateOptions, p *createPlan) error {
	cfg := &p.cfg
	nw := o.Network
	if nw == "" {
		nw = network.ModeSlirp
	}
	mode, opts, err := network.ParseMode(nw)
	if err != nil {
		return invalidBelow("Network", err)
	}
	cfg.Host.NetworkMode, cfg.Host.NetworkOptions = mode, opts
	for _, p := range o.Publish {
		ports, err := network.ParsePublish(p)
		if err != nil {
			return invalidBelow("Publish", err)
		}
		cfg.Host.PortBindings = append(cfg.Host.PortBindings, ports...)
	}
	if err := network.CheckDuplicates(cfg.Host.PortBindings); err != nil {
		return invalidBelow("Publish", err)
	}
	cfg.Host.PublishAllPorts = o.PublishAll
	for _, e := range o.Expose {
		ports, err := network.ParseExposed(e)
		if err != nil {
			return Invalid("Expose", e, err.Error())
		}
		for _, p := range ports {
			cfg.ExposedPorts = appendUnique(cfg.ExposedPorts, p.Key())
		}
	}
	if (len(cfg.Host.PortBindings) > 0 || cfg.Host.PublishAllPorts) && mode == network.ModeHost {
		// As Docker: the container has the host's ports already.
		p.warnings = append(p.warnings, hostPortsDiscarded)
		cfg.Host.PortBindings, cfg.Host.PublishAllPorts = nil, false
	}
	if (len(cfg.Host.PortBindings) > 0 || cfg.Host.PublishAllPorts) && !network.Private(mode) {
		return Invalid("Publish", "", fmt.Sprintf("ports cannot be published with Network %s: the container has no network of its own; publish none or use the default network", mode))
	}
	for _, d := range o.DNS {
		a, err := netip.ParseAddr(d)
		if err != nil {
			return Invalid("DNS", d, "give the IP address of a DNS server")
		}
		cfg.Host.DNS = append(cfg.Host.DNS, a.String())
	}
	cfg.Host.DNSSearch, cfg.Host.DNSOptions = o.DNSSearch, o.DNSOptions
	for _, h := range o.AddHosts {
		e, err := network.ParseAddHost(h)
		if err != nil {
			return invalidBelow("AddHosts", err)
		}
		cfg.Host.ExtraHosts = append(cfg.Host.ExtraHosts, e)
	}
	cfg.Domainname = o.Domainname
	if network.UserDefined(mode) {
		if o.IP != "" {
			a, err := netip.ParseAddr(o.IP)
			if err != nil || !a.Is4() {
				return Invalid("IP", o.IP, "give an IPv4 address")
			}
		}
		cfg.Host.Networks = []container.NetAttach{{Name: mode, Aliases: o.NetworkAliases, IP: o.IP}}
	} else if o.IP != "" || len(o.NetworkAliases) > 0 {
		field, value := "IP", o.IP
		if o.IP == "" {
			field, value = "NetworkAliases", o.NetworkAliases[0]
		}
		return Invalid(field, value, "addresses and aliases need a user-defined network (create one, and run the container on it)")
	}
	return nil
}

func appendUnique(list []string, v string) []string {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

func checkCaps(field string, caps []string) ([]string, error) {
	for _, cp := range caps {
		if _, err := runspec.NormalizeCap(cp); err != nil {
			return nil, Invalid(field, cp, err.Error())
		}
	}
	return caps, nil
}

// ParseLabels reads KEY=VALUE labels, for the options of any verb that
// takes them (Field "Labels").
func ParseLabels(specs []string) (map[string]string, error) {
	if len(specs) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, l := range specs {
		k, v, _ := strings.Cut(l, "=")
		if k == "" {
			return nil, Invalid("Labels", l, "use KEY=VALUE")
		}
		out[k] = v
	}
	return out, nil
}

// parseEnv reads env files, then values; KEY alone takes the caller's
// value (and is dropped when the caller has none), as in Docker.
func parseEnv(files, values []string, lookup func(string) (string, bool)) ([]string, error) {
	if lookup == nil {
		lookup = func(string) (string, bool) { return "", false }
	}
	var out []string
	for _, f := range files {
		env, err := runspec.ReadEnvFile(f, lookup)
		if err != nil {
			return nil, Invalid("EnvFiles", "", err.Error())
		}
		for _, kv := range env {
			out = runspec.SetEnv(out, kv)
		}
	}
	for _, v := range values {
		kv, err := runspec.EnvEntry(v, lookup)
		if err != nil {
			return nil, Invalid("Env", v, err.Error())
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
		return runspec.Mount{}, Invalid("Volumes", v, "use HOST-PATH:CONTAINER-PATH[:ro]")
	}
	m := runspec.Mount{Source: parts[0], Destination: parts[1]}
	if !filepath.IsAbs(m.Source) {
		return runspec.Mount{}, Invalid("Volumes", v, "the host path must be absolute (named volumes are not supported yet)")
	}
	if !filepath.IsAbs(m.Destination) {
		return runspec.Mount{}, Invalid("Volumes", v, "the container path must be absolute")
	}
	if _, err := os.Stat(m.Source); err != nil {
		return runspec.Mount{}, Invalid("Volumes", v, fmt.Sprintf("%s: %v", m.Source, fserr.Cause(err)))
	}
	if len(parts) == 3 {
		for _, o := range strings.Split(parts[2], ",") {
			switch o {
			case "ro":
				m.ReadOnly = true
			case "rw", "z", "Z":
			default:
				return runspec.Mount{}, Invalid("Volumes", v, fmt.Sprintf("unknown option %q (use ro or rw)", o))
			}
		}
	}
	return m, nil
}

// parseTmpfs reads PATH[:size=64m,mode=1777,...].
func parseTmpfs(t string) (runspec.Mount, error) {
	dst, opts, _ := strings.Cut(t, ":")
	if !filepath.IsAbs(dst) {
		return runspec.Mount{}, Invalid("Tmpfs", t, "the path must be absolute")
	}
	m := runspec.Mount{Destination: dst, Tmpfs: true}
	if opts == "" {
		return m, nil
	}
	for _, o := range strings.Split(opts, ",") {
		switch {
		case o == "ro":
			m.ReadOnly = true
		case o == "rw", o == "noexec", o == "exec", o == "nosuid", o == "nodev", strings.HasPrefix(o, "mode="), strings.HasPrefix(o, "uid="), strings.HasPrefix(o, "gid="):
			m.Options = append(m.Options, o)
		case strings.HasPrefix(o, "size="):
			if _, err := units.RAMInBytes(strings.TrimPrefix(o, "size=")); err != nil {
				return runspec.Mount{}, Invalid("Tmpfs", t, "bad size")
			}
			m.Options = append(m.Options, o)
		default:
			return runspec.Mount{}, Invalid("Tmpfs", t, fmt.Sprintf("unknown option %q", o))
		}
	}
	return m, nil
}

// create finds the image, merges its defaults, replaces an old container
// of the name if asked, records the container and writes the id file.
func (e *Engine) create(ctx context.Context, p *createPlan, prog CreateProgress) (*container.Container, error) {
	m := e.m
	if err := m.CheckCreate(p.cfg); err != nil {
		return nil, invalidBelow("Userns", err)
	}
	img, err := e.findImage(ctx, imageQuery{arg: p.cfg.Image, ref: p.ref, platform: p.platform, explicit: p.explicit, pull: p.pull}, prog)
	if err != nil {
		return nil, err
	}
	icfg, err := m.Images.Config(img.ID)
	if err != nil {
		return nil, classify(err)
	}
	cfg := p.cfg
	cfg.ImageID = img.ID
	if len(img.Names) > 0 {
		cfg.ImageName = p.ref.String()
	}
	cfg.Created = time.Now().UTC()
	if cfg.Args, err = mergeImage(&cfg, icfg.Config, p); err != nil {
		return nil, err
	}
	if len(cfg.Host.Networks) > 0 {
		n, err := m.Networks.Get(cfg.Host.Networks[0].Name)
		if errors.Is(err, network.ErrNotFound) {
			return nil, &NotFoundError{What: "network", Ref: cfg.Host.Networks[0].Name}
		}
		if err != nil {
			return nil, fmt.Errorf("network %s: %w", cfg.Host.Networks[0].Name, classify(err))
		}
		cfg.Host.NetworkMode, cfg.Host.Networks[0].Name = n.Name, n.Name
	}
	if p.replace {
		if old, err := m.Containers.Lookup(cfg.Name); err == nil {
			if err := m.Remove(ctx, old, true); err != nil {
				return nil, fmt.Errorf("replace %s: %w", cfg.Name, classify(err))
			}
		}
	}
	c, err := m.Create(cfg)
	if err != nil {
		return nil, classify(err)
	}
	for _, w := range p.warnings {
		e.warn(w)
	}
	if p.cidfile != "" {
		if err := os.WriteFile(p.cidfile, []byte(c.ID), 0o644); err != nil {
			_ = m.Containers.Remove(c)
			return nil, fmt.Errorf("write the container id: %w", err)
		}
	}
	return c, nil
}

// mergeImage gives cfg the image's defaults where the options leave them
// unset, and returns the command line.
func mergeImage(cfg *container.Config, ic v1.Config, p *createPlan) ([]string, error) {
	cfg.Entrypoint, cfg.Cmd = ic.Entrypoint, ic.Cmd
	if p.entrypoint != nil {
		cfg.Entrypoint = nil
		if *p.entrypoint != "" {
			cfg.Entrypoint = []string{*p.entrypoint}
		}
		cfg.Cmd = nil
	}
	if len(p.args) > 0 {
		cfg.Cmd = p.args
	}
	args, err := runspec.Argv(ic.Entrypoint, ic.Cmd, p.entrypoint, p.args)
	if err != nil {
		return nil, invalidBelow("Command", err)
	}
	env := append([]string{}, ic.Env...)
	for _, kv := range p.cfg.Env {
		env = runspec.SetEnv(env, kv)
	}
	cfg.Env = env
	if cfg.WorkingDir == "" {
		cfg.WorkingDir = ic.WorkingDir
	}
	if cfg.User == "" {
		cfg.User = ic.User
	}
	if cfg.StopSignal == "" {
		cfg.StopSignal = ic.StopSignal
	}
	cfg.ExposedPorts = nil
	for k := range ic.ExposedPorts {
		cfg.ExposedPorts = appendUnique(cfg.ExposedPorts, k)
	}
	for _, k := range p.cfg.ExposedPorts {
		cfg.ExposedPorts = appendUnique(cfg.ExposedPorts, k)
	}
	slices.Sort(cfg.ExposedPorts)
	if len(ic.Labels) > 0 {
		labels := map[string]string{}
		for k, v := range ic.Labels {
			labels[k] = v
		}
		for k, v := range p.cfg.Labels {
			labels[k] = v
		}
		cfg.Labels = labels
	}
	return args, nil
}

// parsePullPolicy reads a pull policy; "" is missing.
func parsePullPolicy(s string) (string, error) {
	switch s {
	case "":
		return "missing", nil
	case "missing", "always", "never":
		return s, nil
	}
	return "", Invalid("Pull", s, "use missing, always or never")
}

// imageQuery is an image to find, by the argument given and its parsed
// reference, for a platform (explicit: asked for rather than the host's),
// under a pull policy.
type imageQuery struct {
	arg      string
	ref      imageref.Reference
	platform v1.Platform
	explicit bool
	pull     string
}

// findImage finds the image, pulling it as the policy says.
func (e *Engine) findImage(ctx context.Context, p imageQuery, prog CreateProgress) (imagestore.Image, error) {
	var why string
	arg := p.arg
	if p.pull != "always" {
		var img imagestore.Image
		var err error
		// Only an asked-for platform is held against a local image.
		if p.explicit {
			img, err = e.images.LookupPlatform(arg, p.platform)
		} else {
			img, err = e.images.Lookup(arg)
		}
		var pe *imagestore.PlatformError
		switch {
		case err == nil:
			return img, nil
		case errors.As(err, &pe):
			// As in Docker: the platform names the image wanted, and one
			// of another platform counts as missing. By id there is
			// nothing to pull.
			if !slices.Contains(img.Names, p.ref.String()) && strings.HasPrefix(img.ID, strings.TrimPrefix(arg, "sha256:")) {
				return imagestore.Image{}, Invalid("Platform", p.platform.String(), err.Error()+": drop Platform, or name the image by its reference")
			}
			if p.pull == "never" {
				return imagestore.Image{}, Invalid("Platform", p.platform.String(), fmt.Sprintf("%v: pull it for %s (Pull missing or always) or drop Platform", err, p.platform.String()))
			}
			why = fmt.Sprintf("The local image '%s' is for %s: pulling it for %s", p.ref.Familiar(), pe.Have.String(), pe.Want.String())
		case errors.Is(err, imagestore.ErrNotFound):
			if p.pull == "never" {
				return imagestore.Image{}, &kindError{kinds: []error{ErrNotFound}, err: fmt.Errorf("No such image: %s (not pulled: the pull policy is never)", arg)}
			}
			why = fmt.Sprintf("Unable to find image '%s' locally", p.ref.Familiar())
		case errors.Is(err, imagestore.ErrAmbiguous):
			return imagestore.Image{}, &kindError{kinds: []error{ErrInvalid}, err: fmt.Errorf("%s matches several images: give more of the id", arg)}
		default:
			return imagestore.Image{}, classify(err)
		}
	}
	o := pull.Options{Platform: p.platform, ExplicitPlatform: p.explicit}
	if prog != nil {
		prog.Pulling(why, p.ref.String())
		o.Progress = prog
	}
	img, err := pull.Pull(ctx, e.registry(), e.images, p.ref, o)
	if prog != nil {
		prog.Done(err)
	}
	return img, classify(err)
}
