package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/network"
	"github.com/skiff-containers/skiff/internal/report"
	"github.com/skiff-containers/skiff/internal/restart"
	"github.com/skiff-containers/skiff/internal/state"
)

// InspectOptions choose what inspect adds to the document.
type InspectOptions struct {
	// Size adds SizeRw and SizeRootFs, which take a walk of the
	// container's read-write layer.
	Size bool
}

// InspectContainer is Docker's inspect document of one container.
func (e *Engine) InspectContainer(ctx context.Context, ref string, o InspectOptions) (*report.ContainerInspect, error) {
	c, err := e.lookup(ref)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	st, err := c.State()
	if err != nil {
		return nil, err
	}
	ci := &report.ContainerInspect{
		Id:      c.ID,
		Created: c.Created,
		Image:   "sha256:" + c.ImageID,
		State: report.ContainerState{
			Status: st.Status, Running: st.Status == container.StatusRunning, OOMKilled: st.OOMKilled,
			Pid: st.Pid, SupervisorPid: st.SupervisorPid, ExitCode: st.ExitCode, Error: st.Error,
			StartedAt: dockerTime(st.StartedAt), FinishedAt: dockerTime(st.FinishedAt),
		},
		ResolvConfPath: filepath.Join(c.Dir, "resolv.conf"),
		HostnamePath:   filepath.Join(c.Dir, "hostname"),
		HostsPath:      filepath.Join(c.Dir, "hosts"),
		LogPath:        logPath(c),
		Name:           "/" + c.Name,
		RestartCount:   st.RestartCount,
		Driver:         e.images.Driver(),
		Platform:       "linux",
		HostConfig: report.InspectHostConfig{
			Binds: c.Host.Binds, NetworkMode: network.FormatMode(c.Host.NetworkMode, c.Host.NetworkOptions), AutoRemove: c.AutoRemove,
			CapAdd: c.Host.CapAdd, CapDrop: c.Host.CapDrop, Privileged: c.Host.Privileged,
			ReadonlyRootfs: c.Host.ReadonlyRootfs, SecurityOpt: c.Host.SecurityOpt, Tmpfs: map[string]string{},
			Init:       c.Init,
			UsernsMode: c.Host.UsernsMode,
			LogConfig:  inspectLogConfig(c.Log),
		},
		Mounts: []report.InspectMount{},
		Config: report.InspectConfig{
			Hostname: c.Hostname, User: c.User, Tty: c.Tty, OpenStdin: c.OpenStdin, Env: c.Env,
			Cmd: c.Cmd, Image: c.Image, WorkingDir: c.WorkingDir, Entrypoint: c.Entrypoint,
			Labels: c.Labels, StopSignal: c.StopSignalOrDefault(), StopTimeout: c.StopTimeout,
		},
		NetworkSettings: e.inspectNetwork(c, st),
	}
	h := &ci.HostConfig
	h.PortBindings = map[string][]report.InspectPort{}
	for _, p := range c.Host.PortBindings {
		hp := ""
		if p.HostPort != 0 {
			hp = strconv.Itoa(p.HostPort)
		}
		h.PortBindings[p.Key()] = append(h.PortBindings[p.Key()], report.InspectPort{HostIp: p.HostIP, HostPort: hp})
	}
	h.PublishAllPorts = c.Host.PublishAllPorts
	rl := c.Host.Resources
	h.Memory, h.MemoryReservation, h.MemorySwap = rl.Memory, rl.MemoryReservation, rl.MemorySwap
	h.NanoCpus, h.CpuShares, h.CpusetCpus, h.CpusetMems = int64(rl.CPUs*1e9), rl.CPUShares, rl.CpusetCpus, rl.CpusetMems
	h.PidsLimit, h.BlkioWeight, h.CgroupConf = rl.PidsLimit, rl.BlkioWeight, rl.CgroupConf
	h.RestartPolicy = report.InspectRestartPolicy{Name: c.Host.RestartPolicy.Name, MaximumRetryCount: c.Host.RestartPolicy.MaxRetries}
	if h.RestartPolicy.Name == "" {
		h.RestartPolicy.Name = restart.No
	}
	if c.Host.OOMScoreAdj != nil {
		h.OomScoreAdj = *c.Host.OOMScoreAdj
	}
	inspectHostOptions(h, c.Host)
	h.Dns, h.DnsSearch, h.DnsOptions, h.ExtraHosts = nonNil(c.Host.DNS), nonNil(c.Host.DNSSearch), nonNil(c.Host.DNSOptions), nonNil(c.Host.ExtraHosts)
	ci.Config.Domainname = c.Domainname
	if len(c.ExposedPorts) > 0 {
		ci.Config.ExposedPorts = map[string]struct{}{}
		for _, p := range c.ExposedPorts {
			ci.Config.ExposedPorts[p] = struct{}{}
		}
	}
	if ci.Config.Labels == nil {
		ci.Config.Labels = map[string]string{}
	}
	if len(c.Args) > 0 {
		ci.Path, ci.Args = c.Args[0], c.Args[1:]
	}
	if ci.Args == nil {
		ci.Args = []string{}
	}
	for _, mt := range c.Mounts {
		if mt.Tmpfs {
			h.Tmpfs[mt.Destination] = strings.Join(mt.Options, ",")
			ci.Mounts = append(ci.Mounts, report.InspectMount{Type: "tmpfs", Destination: mt.Destination, RW: !mt.ReadOnly})
			continue
		}
		ci.Mounts = append(ci.Mounts, report.InspectMount{Type: "bind", Source: mt.Source, Destination: mt.Destination, RW: !mt.ReadOnly})
	}
	if o.Size {
		sz, err := e.m.Containers.Sizes(c)
		if err != nil {
			return nil, err
		}
		ci.SizeRw, ci.SizeRootFs = &sz.Rw, &sz.RootFs
	}
	return ci, nil
}

// dockerTime is a time as Docker's inspect shows it, with its zero time
// for never.
func dockerTime(t time.Time) string {
	if t.IsZero() {
		return "0001-01-01T00:00:00Z"
	}
	return t.UTC().Format(time.RFC3339Nano)
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
func logPath(c *container.Container) string {
	if !c.Log.KeepsLog() {
		return ""
	}
	return c.LogPath()
}

// nonNil makes an unset list show as [] rather than null, as Docker's.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// inspectNetwork is where the container sits on its networks, and its
// published ports while it runs. As in Docker, every network the
// container is on has its entry from creation on; the addresses are there
// while it runs.
func (e *Engine) inspectNetwork(c *container.Container, st state.State) report.InspectNetwork {
	n := report.InspectNetwork{Ports: map[string][]report.InspectPort{}, Networks: map[string]report.InspectEndpoint{}}
	for _, p := range c.ExposedPorts {
		n.Ports[p] = nil
	}
	running := st.Status == container.StatusRunning
	if running {
		for _, p := range network.DecodeAll(st.Ports) {
			ip := p.HostIP
			if ip == "" {
				ip = "0.0.0.0"
			}
			n.Ports[p.Key()] = append(n.Ports[p.Key()], report.InspectPort{HostIp: ip, HostPort: strconv.Itoa(p.HostPort)})
		}
	}
	// The mode's own network (slirp4netns, none, host); a container
	// sharing another's namespace has none, as in Docker.
	if p := network.PredefinedNamed(c.Host.NetworkMode); p != nil {
		ep := report.InspectEndpoint{NetworkID: p.ID}
		if running {
			ep.EndpointID = endpointID(c.ID, p.ID)
			if p.Name == network.ModeSlirp {
				ep.IPAddress, ep.IPPrefixLen, ep.Gateway = network.SlirpIP, 24, network.SlirpGateway
				n.IPAddress, n.IPPrefixLen, n.Gateway = ep.IPAddress, ep.IPPrefixLen, ep.Gateway
			}
		}
		n.Networks[p.Name] = ep
	}
	for _, na := range c.Host.Networks {
		n.Networks[na.Name] = e.userEndpoint(c, na, running)
	}
	return n
}

// userEndpoint is the container's entry for a user-defined network: the
// configuration, and the address its member record holds while it runs.
func (e *Engine) userEndpoint(c *container.Container, na container.NetAttach, running bool) report.InspectEndpoint {
	ep := report.InspectEndpoint{Aliases: na.Aliases}
	if na.IP != "" {
		ep.IPAMConfig = &report.InspectIPAMConfig{IPv4Address: na.IP}
	}
	// A network that cannot be read is shown by name alone: inspect
	// still describes the container.
	net, err := e.m.Networks.Get(na.Name)
	if err != nil {
		return ep
	}
	ep.NetworkID = net.ID
	if !running {
		return ep
	}
	live, err := e.m.NetworkMembers(net)
	if err != nil {
		return ep
	}
	for _, mem := range live {
		if mem.Container == c.ID {
			ep.EndpointID = endpointID(c.ID, net.ID)
			ep.IPAddress, ep.IPPrefixLen, ep.Gateway = mem.IP, net.Prefix().Bits(), net.Gateway
			ep.DNSNames = mem.Names()
		}
	}
	return ep
}

// endpointID names a running container's place on a network; skiff keeps
// no endpoint objects, so it is derived, and the same at every start.
func endpointID(containerID, networkID string) string {
	sum := sha256.Sum256([]byte(containerID + "/" + networkID))
	return hex.EncodeToString(sum[:])
}
