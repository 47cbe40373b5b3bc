package lifecycle

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/network"
	"github.com/skiff-containers/skiff/internal/network/bridge"
	"github.com/skiff-containers/skiff/internal/network/members"
)

// Connect puts a container on a user-defined network: at its next start,
// and at once if it runs.
func (m *Manager) Connect(c *container.Container, n *network.Network, aliases []string, ip string) error {
	if !network.Private(c.Host.NetworkMode) && c.Host.NetworkMode != network.ModeNone {
		return fmt.Errorf("container %s uses --network %s: it cannot join other networks", c.Name, c.Host.NetworkMode)
	}
	for _, na := range c.Host.Networks {
		if na.Name == n.Name {
			return fmt.Errorf("container %s is already on network %s", c.Name, n.Name)
		}
	}
	if ip != "" {
		// Checked now, not at the container's next start.
		if a, err := netip.ParseAddr(ip); err != nil || !n.Prefix().Contains(a) {
			return fmt.Errorf("invalid --ip %q: give an IPv4 address in %s", ip, n.Subnet)
		}
	}
	st, err := c.State()
	if err != nil {
		return err
	}
	if st.Status == container.StatusRunning {
		if c.Host.NetworkMode == network.ModeNone {
			return fmt.Errorf("container %s runs with --network none: stop it first", c.Name)
		}
		ns, err := os.Open(fmt.Sprintf("/proc/%d/ns/net", st.Pid))
		if err != nil {
			return fmt.Errorf("container %s: %w", c.Name, err)
		}
		defer ns.Close()
		iface, err := bridge.FreeIface(ns)
		if err != nil {
			return err
		}
		a := bridge.Attachment{Network: n.Name, Subnet: n.Subnet, Gateway: n.Gateway, Dir: members.Dir(filepath.Join(m.NetRunRoot, n.ID)), IP: ip, Iface: iface}
		mem := members.Member{Container: c.ID, Name: c.Name, Hostname: c.Hostname, Aliases: aliases, Lock: c.LockPath(), Hosts: filepath.Join(c.Dir, "hosts")}
		if _, err := bridge.Join(ns, a, mem); err != nil {
			return err
		}
	}
	c.Host.Networks = append(c.Host.Networks, container.NetAttach{Name: n.Name, Aliases: aliases, IP: ip})
	if c.Host.NetworkMode == network.ModeNone {
		c.Host.NetworkMode = n.Name
	}
	return m.Containers.SaveConfig(c)
}

// Disconnect takes a container off a network.
func (m *Manager) Disconnect(c *container.Container, n *network.Network) error {
	i := slices.IndexFunc(c.Host.Networks, func(na container.NetAttach) bool { return na.Name == n.Name })
	if i < 0 {
		return fmt.Errorf("container %s is not on network %s", c.Name, n.Name)
	}
	st, err := c.State()
	if err != nil {
		return err
	}
	if st.Status == container.StatusRunning {
		ns, err := os.Open(fmt.Sprintf("/proc/%d/ns/net", st.Pid))
		if err != nil {
			return fmt.Errorf("container %s: %w", c.Name, err)
		}
		defer ns.Close()
		if err := bridge.Leave(ns, n.Name, members.Dir(filepath.Join(m.NetRunRoot, n.ID)), c.ID); err != nil {
			return err
		}
	}
	c.Host.Networks = slices.Delete(c.Host.Networks, i, i+1)
	if c.Host.NetworkMode == n.Name {
		c.Host.NetworkMode = network.ModeNone
		if len(c.Host.Networks) > 0 {
			c.Host.NetworkMode = c.Host.Networks[0].Name
		}
	}
	return m.Containers.SaveConfig(c)
}

// NetworkUsers are the containers on a network.
func (m *Manager) NetworkUsers(n *network.Network) ([]*container.Container, error) {
	ctrs, err := m.Containers.List()
	if err != nil {
		return nil, err
	}
	var out []*container.Container
	for _, c := range ctrs {
		if slices.ContainsFunc(c.Host.Networks, func(na container.NetAttach) bool { return na.Name == n.Name }) {
			out = append(out, c)
		}
	}
	return out, nil
}

// NetworkMembers are the running containers on a network, with their
// addresses.
func (m *Manager) NetworkMembers(n *network.Network) ([]members.Member, error) {
	return members.Dir(filepath.Join(m.NetRunRoot, n.ID)).Live()
}

// RemoveNetwork deletes a network no container is on, and what is left of
// its run-time directory.
func (m *Manager) RemoveNetwork(ref string) error {
	n, err := m.Networks.Remove(ref, func(n *network.Network) error {
		users, err := m.NetworkUsers(n)
		if err != nil {
			return err
		}
		if len(users) > 0 {
			var names []string
			for _, u := range users {
				names = append(names, u.Name)
			}
			return fmt.Errorf("network %s is in use by %s: remove those containers or disconnect them first", n.Name, strings.Join(names, ", "))
		}
		return nil
	})
	if err != nil {
		return err
	}
	d := members.Dir(filepath.Join(m.NetRunRoot, n.ID))
	d.Release()
	return os.RemoveAll(string(d))
}
