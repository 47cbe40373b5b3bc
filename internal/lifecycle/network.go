package lifecycle

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"

	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/network"
	"github.com/skiff-containers/skiff/internal/state"
	"github.com/skiff-containers/skiff/internal/supervisor"
)

// netPlan is the network a starting container gets.
type netPlan struct {
	// launch asks the supervisor for a namespace of the container's own.
	launch *supervisor.NetworkLaunch
	// nsPath is a namespace to join instead (container:NAME).
	nsPath string
	// shareEtc is the container whose name files are shared with it.
	shareEtc *container.Container
	// outbound: the container reaches beyond its networks (slirp4netns).
	outbound bool
}

func (m *Manager) planNetwork(c *container.Container) (*netPlan, error) {
	mode := c.Host.NetworkMode
	switch {
	case mode == network.ModeSlirp, network.UserDefined(mode):
		return m.planPrivate(c)
	case network.SharedContainer(mode) != "":
		name := network.SharedContainer(mode)
		other, err := m.Containers.Lookup(name)
		if errors.Is(err, container.ErrNotFound) {
			return nil, fmt.Errorf("network %s: No such container: %s", mode, name)
		}
		if err != nil {
			return nil, fmt.Errorf("network %s: %w", mode, err)
		}
		if other.ID == c.ID {
			return nil, fmt.Errorf("network %s: a container cannot share its own network", mode)
		}
		st, err := other.State()
		if err != nil {
			return nil, err
		}
		if st.Status != container.StatusRunning || st.Pid == 0 {
			return nil, fmt.Errorf("network %s: container %s is not running: start it first", mode, other.Name)
		}
		return &netPlan{nsPath: fmt.Sprintf("/proc/%d/ns/net", st.Pid), shareEtc: other}, nil
	}
	return &netPlan{}, nil
}

// planPrivate is a network namespace of the container's own, on the
// container's user-defined networks (if any). It gets outbound access
// with the default network, or with any network that is not internal.
func (m *Manager) planPrivate(c *container.Container) (*netPlan, error) {
	ports, err := hostPorts(c)
	if err != nil {
		return nil, err
	}
	// Root is set even without user-defined networks: the container's
	// exit also releases networks whose last member was killed.
	l := &supervisor.NetworkLaunch{
		Ports: ports, Slirp: c.Host.NetworkMode == network.ModeSlirp, Root: m.NetRunRoot,
		AllowHostLoopback: m.allowHostLoopback(c),
		PortsToLoopback:   c.Host.NetworkOptions.PortHandler == network.PortsToLoopback,
	}
	if len(c.Host.Networks) > 0 {
		l.Name, l.Hostname, l.Hosts = c.Name, c.Hostname, filepath.Join(c.Dir, "hosts")
	}
	for i, na := range c.Host.Networks {
		n, err := m.Networks.Get(na.Name)
		if errors.Is(err, network.ErrNotFound) {
			return nil, fmt.Errorf("network %s of container %s no longer exists: disconnect it with skiff network disconnect %s %s", na.Name, c.Name, na.Name, c.Name)
		}
		if err != nil {
			return nil, err
		}
		if !n.Internal {
			l.Slirp = true
		}
		l.Attach = append(l.Attach, supervisor.NetAttach{
			Network: n.Name, Subnet: n.Subnet, Gateway: n.Gateway, Dir: filepath.Join(m.NetRunRoot, n.ID),
			IP: na.IP, Iface: fmt.Sprintf("eth%d", i), Aliases: na.Aliases,
		})
	}
	return &netPlan{launch: l, outbound: l.Slirp}, nil
}

// allowHostLoopback: the container's --network option, else config.toml's.
func (m *Manager) allowHostLoopback(c *container.Container) bool {
	if o := c.Host.NetworkOptions.AllowHostLoopback; o != nil {
		return *o
	}
	return m.AllowHostLoopback
}

// hostPorts lists the ports to publish, with a free host port chosen for
// each that names none (-p 80, -P).
func hostPorts(c *container.Container) ([]network.Port, error) {
	ports := append([]network.Port{}, c.Host.PortBindings...)
	if c.Host.PublishAllPorts {
		bound := map[string]bool{}
		for _, p := range ports {
			bound[p.Key()] = true
		}
		for _, e := range c.ExposedPorts {
			exposed, err := network.ParseExposed(e)
			if err != nil {
				return nil, err
			}
			for _, p := range exposed {
				if !bound[p.Key()] {
					ports = append(ports, p)
				}
			}
		}
	}
	taken := map[string]bool{}
	for i, p := range ports {
		if p.HostPort != 0 {
			continue
		}
		for {
			n, err := freePort(p)
			if err != nil {
				return nil, err
			}
			p.HostPort = n
			if !taken[p.HostAddr()+p.Proto] {
				break
			}
		}
		taken[p.HostAddr()+p.Proto] = true
		ports[i] = p
	}
	network.Sort(ports)
	return ports, nil
}

// freePort asks the kernel for a free port on the host side of p.
func freePort(p network.Port) (int, error) {
	addr := net.JoinHostPort(p.HostIP, "0")
	if p.Proto == "udp" {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return 0, fmt.Errorf("choose a host port for %s: %w", p.Key(), err)
		}
		defer pc.Close()
		return pc.LocalAddr().(*net.UDPAddr).Port, nil
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return 0, fmt.Errorf("choose a host port for %s: %w", p.Key(), err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return strconv.Atoi(port)
}

// names is what the container's /etc/hosts and /etc/resolv.conf say.
func names(c *container.Container, plan *netPlan) network.Names {
	n := network.Names{
		Mode: c.Host.NetworkMode, Hostname: c.Hostname, Domainname: c.Domainname, Name: c.Name,
		DNS: c.Host.DNS, DNSSearch: c.Host.DNSSearch, DNSOptions: c.Host.DNSOptions, ExtraHosts: c.Host.ExtraHosts,
	}
	switch {
	case c.Host.NetworkMode == network.ModeSlirp:
		n.IP = network.SlirpIP
	case network.UserDefined(c.Host.NetworkMode):
		// The address on each network is in that network's section,
		// which the supervisor writes; slirp4netns is only the way out.
		n.Mode = network.ModeNone
		if plan.outbound {
			n.Mode = network.ModeSlirp
		}
	}
	if n.Mode == network.ModeSlirp {
		// slirp4netns refuses 10.0.2.2 without host loopback.
		n.HostIP = network.SlirpGateway
		if !plan.launch.AllowHostLoopback {
			n.HostIP = network.HostAddress()
		}
	}
	return n
}

// writeEtcFiles writes the container's hostname, hosts and resolv.conf
// into its directory, from where they are bind-mounted. A container
// sharing another's network shares its hosts and resolv.conf too.
func writeEtcFiles(c *container.Container, plan *netPlan) (map[string]string, error) {
	n := names(c, plan)
	var hostHosts []byte
	if n.Mode == network.ModeHost {
		hostHosts, _ = os.ReadFile("/etc/hosts") // only the host's network starts from it
	}
	hostResolv, _ := os.ReadFile("/etc/resolv.conf")
	files := map[string]string{
		"/etc/hostname":    c.Hostname + "\n",
		"/etc/hosts":       n.Hosts(hostHosts),
		"/etc/resolv.conf": n.ResolvConf(hostResolv),
	}
	out := map[string]string{}
	for dst, body := range files {
		if plan.shareEtc != nil && dst != "/etc/hostname" {
			out[dst] = filepath.Join(plan.shareEtc.Dir, filepath.Base(dst))
			continue
		}
		p := filepath.Join(c.Dir, filepath.Base(dst))
		// Rewritten at every start: replaced atomically, but not synced.
		if err := state.ReplaceFile(p, []byte(body), 0o644); err != nil {
			return nil, fmt.Errorf("write %s: %w", dst, err)
		}
		out[dst] = p
	}
	return out, nil
}
