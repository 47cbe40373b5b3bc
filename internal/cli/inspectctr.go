package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/format"
	"github.com/skiff-containers/skiff/internal/imagestore"
	"github.com/skiff-containers/skiff/internal/lifecycle"
	"github.com/skiff-containers/skiff/internal/network"
	"github.com/skiff-containers/skiff/internal/restart"
	"github.com/skiff-containers/skiff/internal/state"
)

// ContainerInspect follows Docker's `inspect` for the fields that apply.
type ContainerInspect struct {
	Id              string //nolint:revive // Docker's spelling, used in templates
	Created         time.Time
	Path            string
	Args            []string
	State           ContainerState
	Image           string
	ResolvConfPath  string
	HostnamePath    string
	HostsPath       string
	LogPath         string
	Name            string
	RestartCount    int
	Driver          string
	Platform        string
	HostConfig      InspectHostConfig
	Mounts          []InspectMount
	Config          InspectConfig
	NetworkSettings InspectNetwork
}

// ContainerState is the State part of inspect.
type ContainerState struct {
	Status     string
	Running    bool
	Paused     bool
	Restarting bool
	OOMKilled  bool
	Dead       bool
	Pid        int
	// SupervisorPid is skiff's own (podman calls its ConmonPid).
	SupervisorPid int
	ExitCode      int
	Error         string
	StartedAt     string
	FinishedAt    string
}

// InspectHostConfig is the HostConfig part of inspect.
type InspectHostConfig struct {
	Binds             []string
	NetworkMode       string
	AutoRemove        bool
	CapAdd            []string
	CapDrop           []string
	Privileged        bool
	ReadonlyRootfs    bool
	SecurityOpt       []string
	Tmpfs             map[string]string
	Init              bool
	UsernsMode        string
	LogConfig         map[string]any
	PortBindings      map[string][]InspectPort
	PublishAllPorts   bool
	Dns               []string
	DnsSearch         []string
	DnsOptions        []string
	ExtraHosts        []string
	Memory            int64
	MemoryReservation int64
	MemorySwap        int64
	NanoCpus          int64
	CpuShares         int64
	CpusetCpus        string
	CpusetMems        string
	PidsLimit         int64
	BlkioWeight       uint16
	OomScoreAdj       int
	CgroupConf        map[string]string
	RestartPolicy     InspectRestartPolicy
}

// InspectRestartPolicy is --restart, as Docker shows it.
type InspectRestartPolicy struct {
	Name              string
	MaximumRetryCount int
}

// InspectPort is one host side of a port.
type InspectPort struct {
	HostIp   string
	HostPort string
}

// InspectMount is one mount in inspect.
type InspectMount struct {
	Type        string
	Source      string
	Destination string
	RW          bool
}

// InspectConfig is the Config part of inspect.
type InspectConfig struct {
	Hostname     string
	User         string
	Tty          bool
	OpenStdin    bool
	Env          []string
	Cmd          []string
	Image        string
	WorkingDir   string
	Entrypoint   []string
	Labels       map[string]string
	StopSignal   string
	StopTimeout  *int
	Domainname   string
	ExposedPorts map[string]struct{} `json:",omitempty"`
}

// InspectNetwork is the NetworkSettings part of inspect.
type InspectNetwork struct {
	IPAddress   string
	IPPrefixLen int
	Gateway     string
	Ports       map[string][]InspectPort
	Networks    map[string]InspectEndpoint
}

// InspectEndpoint is a container's place on one network.
type InspectEndpoint struct {
	IPAddress   string
	IPPrefixLen int
	Gateway     string
}

func dockerTime(t time.Time) string {
	if t.IsZero() {
		return "0001-01-01T00:00:00Z"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func inspectContainer(m *lifecycle.Manager, ctr *container.Container) (ContainerInspect, error) {
	st, err := ctr.State()
	if err != nil {
		return ContainerInspect{}, err
	}
	ci := ContainerInspect{
		Id:      ctr.ID,
		Created: ctr.Created,
		Image:   "sha256:" + ctr.ImageID,
		State: ContainerState{
			Status: st.Status, Running: st.Status == container.StatusRunning, OOMKilled: st.OOMKilled,
			Pid: st.Pid, SupervisorPid: st.SupervisorPid, ExitCode: st.ExitCode, Error: st.Error,
			StartedAt: dockerTime(st.StartedAt), FinishedAt: dockerTime(st.FinishedAt),
		},
		ResolvConfPath: filepath.Join(ctr.Dir, "resolv.conf"),
		HostnamePath:   filepath.Join(ctr.Dir, "hostname"),
		HostsPath:      filepath.Join(ctr.Dir, "hosts"),
		LogPath:        logPath(ctr),
		Name:           "/" + ctr.Name,
		RestartCount:   st.RestartCount,
		Driver:         m.Images.Driver(),
		Platform:       "linux",
		HostConfig: InspectHostConfig{
			Binds: ctr.Host.Binds, NetworkMode: network.FormatMode(ctr.Host.NetworkMode, ctr.Host.NetworkOptions), AutoRemove: ctr.AutoRemove,
			CapAdd: ctr.Host.CapAdd, CapDrop: ctr.Host.CapDrop, Privileged: ctr.Host.Privileged,
			ReadonlyRootfs: ctr.Host.ReadonlyRootfs, SecurityOpt: ctr.Host.SecurityOpt, Tmpfs: map[string]string{},
			Init:       ctr.Init,
			UsernsMode: ctr.Host.UsernsMode,
			LogConfig:  inspectLogConfig(ctr.Log),
		},
		Mounts: []InspectMount{},
		Config: InspectConfig{
			Hostname: ctr.Hostname, User: ctr.User, Tty: ctr.Tty, OpenStdin: ctr.OpenStdin, Env: ctr.Env,
			Cmd: ctr.Cmd, Image: ctr.Image, WorkingDir: ctr.WorkingDir, Entrypoint: ctr.Entrypoint,
			Labels: ctr.Labels, StopSignal: ctr.StopSignalOrDefault(), StopTimeout: ctr.StopTimeout,
		},
		NetworkSettings: inspectNetwork(ctr, st),
	}
	h := &ci.HostConfig
	h.PortBindings = map[string][]InspectPort{}
	for _, p := range ctr.Host.PortBindings {
		hp := ""
		if p.HostPort != 0 {
			hp = strconv.Itoa(p.HostPort)
		}
		h.PortBindings[p.Key()] = append(h.PortBindings[p.Key()], InspectPort{HostIp: p.HostIP, HostPort: hp})
	}
	h.PublishAllPorts = ctr.Host.PublishAllPorts
	rl := ctr.Host.Resources
	h.Memory, h.MemoryReservation, h.MemorySwap = rl.Memory, rl.MemoryReservation, rl.MemorySwap
	h.NanoCpus, h.CpuShares, h.CpusetCpus, h.CpusetMems = int64(rl.CPUs*1e9), rl.CPUShares, rl.CpusetCpus, rl.CpusetMems
	h.PidsLimit, h.BlkioWeight, h.CgroupConf = rl.PidsLimit, rl.BlkioWeight, rl.CgroupConf
	h.RestartPolicy = InspectRestartPolicy{Name: ctr.Host.RestartPolicy.Name, MaximumRetryCount: ctr.Host.RestartPolicy.MaxRetries}
	if h.RestartPolicy.Name == "" {
		h.RestartPolicy.Name = restart.No
	}
	if ctr.Host.OOMScoreAdj != nil {
		h.OomScoreAdj = *ctr.Host.OOMScoreAdj
	}
	h.Dns, h.DnsSearch, h.DnsOptions, h.ExtraHosts = nonNil(ctr.Host.DNS), nonNil(ctr.Host.DNSSearch), nonNil(ctr.Host.DNSOptions), nonNil(ctr.Host.ExtraHosts)
	ci.Config.Domainname = ctr.Domainname
	if len(ctr.ExposedPorts) > 0 {
		ci.Config.ExposedPorts = map[string]struct{}{}
		for _, e := range ctr.ExposedPorts {
			ci.Config.ExposedPorts[e] = struct{}{}
		}
	}
	if ci.Config.Labels == nil {
		ci.Config.Labels = map[string]string{}
	}
	if len(ctr.Args) > 0 {
		ci.Path, ci.Args = ctr.Args[0], ctr.Args[1:]
	}
	if ci.Args == nil {
		ci.Args = []string{}
	}
	for _, mt := range ctr.Mounts {
		if mt.Tmpfs {
			ci.HostConfig.Tmpfs[mt.Destination] = joinOpts(mt.Options)
			ci.Mounts = append(ci.Mounts, InspectMount{Type: "tmpfs", Destination: mt.Destination, RW: !mt.ReadOnly})
			continue
		}
		ci.Mounts = append(ci.Mounts, InspectMount{Type: "bind", Source: mt.Source, Destination: mt.Destination, RW: !mt.ReadOnly})
	}
	return ci, nil
}

// inspectLogConfig is Docker's LogConfig: the driver and its options as
// given.
func inspectLogConfig(l container.LogConfig) map[string]any {
	opts := map[string]string{}
	for k, v := range l.Options {
		opts[k] = v
	}
	return map[string]any{"Type": l.DriverName(), "Config": opts}
}

// logPath is the json-file log; other drivers have none, as in Docker.
func logPath(ctr *container.Container) string {
	if !ctr.Log.KeepsLog() {
		return ""
	}
	return ctr.LogPath()
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// inspectNetwork is where the container sits on its network, and its
// published ports while it runs.
func inspectNetwork(ctr *container.Container, st state.State) InspectNetwork {
	n := InspectNetwork{Ports: map[string][]InspectPort{}, Networks: map[string]InspectEndpoint{}}
	for _, e := range ctr.ExposedPorts {
		n.Ports[e] = nil
	}
	if st.Status != container.StatusRunning {
		return n
	}
	for _, p := range network.DecodeAll(st.Ports) {
		ip := p.HostIP
		if ip == "" {
			ip = "0.0.0.0"
		}
		n.Ports[p.Key()] = append(n.Ports[p.Key()], InspectPort{HostIp: ip, HostPort: strconv.Itoa(p.HostPort)})
	}
	if ctr.Host.NetworkMode == network.ModeSlirp {
		ep := InspectEndpoint{IPAddress: network.SlirpIP, IPPrefixLen: 24, Gateway: network.SlirpGateway}
		n.IPAddress, n.IPPrefixLen, n.Gateway = ep.IPAddress, ep.IPPrefixLen, ep.Gateway
		n.Networks[network.ModeSlirp] = ep
	}
	return n
}

func joinOpts(o []string) string {
	s := ""
	for i, x := range o {
		if i > 0 {
			s += ","
		}
		s += x
	}
	return s
}

func (s *session) containerInspectAction(c *cli.Context) error {
	return s.inspectAny(c, "container")
}

func (s *session) inspectAction(c *cli.Context) error {
	switch t := c.String("type"); t {
	case "", "container", "image":
		return s.inspectAny(c, t)
	default:
		return usagef("invalid --type %q: use container or image", t)
	}
}

// inspectAny inspects each name as a container, then (unless restricted)
// as an image.
func (s *session) inspectAny(c *cli.Context, kind string) error {
	return s.inspectEach(c, func(m *lifecycle.Manager, ref string) (any, error) { return s.inspectOne(m, ref, kind) })
}

// inspectEach looks up every name with lookup and prints the results; a
// name not found is reported and fails the command, after the others.
func (s *session) inspectEach(c *cli.Context, lookup func(m *lifecycle.Manager, ref string) (any, error)) error {
	if c.NArg() == 0 {
		return usagef("'%s' needs at least one name: see '%s --help'", c.Command.HelpName, c.Command.HelpName)
	}
	spec := c.String("format")
	if spec != "" && spec != "json" {
		if _, err := format.Parse(spec); err != nil {
			return usagef("%v", err)
		}
	}
	m, err := s.manager()
	if err != nil {
		return err
	}
	var results []any
	var failed bool
	for _, ref := range c.Args().Slice() {
		r, err := lookup(m, ref)
		if err != nil {
			fmt.Fprintf(s.io.Err, "Error: %s\n", oneLine(err.Error()))
			failed = true
			continue
		}
		results = append(results, r)
	}
	return s.printInspected(spec, results, failed)
}

// printInspected prints what inspect found: a JSON array, or the template
// applied to each; it fails the command if any name was not found.
func (s *session) printInspected(spec string, results []any, failed bool) error {
	if spec == "" || spec == "json" {
		if results == nil {
			results = []any{}
		}
		if err := format.Object(s.io.Out, spec, results); err != nil {
			return err
		}
	} else {
		for _, r := range results {
			if err := format.Object(s.io.Out, spec, r); err != nil {
				return usagef("%v", err)
			}
		}
	}
	if failed {
		return &ExitError{Code: ExitSkiff}
	}
	return nil
}

func (s *session) inspectOne(m *lifecycle.Manager, ref, kind string) (any, error) {
	if kind != "image" {
		ctr, err := m.Containers.Lookup(ref)
		if err == nil {
			return inspectContainer(m, ctr)
		}
		if !errors.Is(err, container.ErrNotFound) {
			return nil, err
		}
		if kind == "container" {
			return nil, fmt.Errorf("no such container: %s", ref)
		}
	}
	img, err := m.Images.Lookup(ref)
	if err != nil {
		if errors.Is(err, imagestore.ErrNotFound) {
			if kind == "image" {
				return nil, fmt.Errorf("no such image: %s", ref)
			}
			return nil, fmt.Errorf("no such object: %s", ref)
		}
		return nil, err
	}
	return inspectImage(m.Images, img)
}
