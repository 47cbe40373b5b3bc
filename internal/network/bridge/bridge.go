// Package bridge puts a container on a user-defined network: each network
// has a bridge in a network namespace of its own (bind-mounted in the
// network's run-time directory while in use), and each container on it a
// veth pair from that bridge into its namespace. Containers on one network
// reach each other; there is no route between networks.
package bridge

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/network/members"
	skiffnetns "github.com/skiff-containers/skiff/internal/network/netns"
)

// Attachment is a container joining one network.
type Attachment struct {
	Network string // name
	Subnet  string
	Gateway string
	Dir     members.Dir
	// IP is a requested address, or "" for a free one.
	IP string
	// Iface is the interface's name in the container (eth0, eth1, ...).
	Iface string
}

// Join connects the namespace ctrNS to the network, records member m
// (with the address chosen) and updates every member's hosts file. It
// returns the address.
func Join(ctrNS *os.File, a Attachment, m members.Member) (string, error) {
	lock, err := a.Dir.Lock()
	if err != nil {
		return "", err
	}
	defer lock.Close()
	live, err := a.Dir.Live()
	if err != nil {
		return "", err
	}
	hub, err := hubNS(a.Dir)
	if err != nil {
		return "", fmt.Errorf("network %s: %w", a.Network, err)
	}
	defer hub.Close()
	prefix := netip.MustParsePrefix(a.Subnet)
	ip, err := allocate(prefix, a.Gateway, a.IP, live, m.Container)
	if err != nil {
		return "", fmt.Errorf("network %s: %w", a.Network, err)
	}
	if err := plug(hub, ctrNS, a.Iface, "v"+m.Container[:8]+a.Iface[3:], netip.PrefixFrom(ip, prefix.Bits())); err != nil {
		return "", fmt.Errorf("network %s: %w", a.Network, err)
	}
	m.IP, m.Iface = ip.String(), a.Iface
	if err := a.Dir.Add(m); err != nil {
		return "", err
	}
	a.Dir.WritePeers(append(without(live, m.Container), m))
	return m.IP, nil
}

func without(ms []members.Member, id string) []members.Member {
	var out []members.Member
	for _, m := range ms {
		if m.Container != id {
			out = append(out, m)
		}
	}
	return out
}

// allocate picks the requested address, or the lowest free one.
func allocate(prefix netip.Prefix, gateway, want string, live []members.Member, self string) (netip.Addr, error) {
	used := map[netip.Addr]bool{}
	for _, m := range live {
		if m.Container == self {
			continue
		}
		if a, err := netip.ParseAddr(m.IP); err == nil {
			used[a] = true
		}
	}
	if gw, err := netip.ParseAddr(gateway); err == nil {
		used[gw] = true
	}
	if want != "" {
		a, err := netip.ParseAddr(want)
		if err != nil || !prefix.Contains(a) || a == prefix.Addr() {
			return netip.Addr{}, fmt.Errorf("--ip %s is not a host address in %s", want, prefix)
		}
		if used[a] {
			return netip.Addr{}, fmt.Errorf("--ip %s is in use", want)
		}
		return a, nil
	}
	last := lastAddr(prefix)
	for a := prefix.Addr().Next(); prefix.Contains(a) && a != last; a = a.Next() {
		if !used[a] {
			return a, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("no free address left in %s", prefix)
}

// lastAddr is the broadcast address of an IPv4 prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().As4()
	host := uint32(1)<<(32-p.Bits()) - 1
	v := (uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])) | host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// hubNS opens the network's bridge namespace, making it (with its
// bridge) if the network is not in use.
func hubNS(d members.Dir) (*os.File, error) {
	path := d.NetNSPath()
	if f, err := os.Open(path); err == nil {
		var st unix.Statfs_t
		if unix.Fstatfs(int(f.Fd()), &st) == nil && st.Type == unix.NSFS_MAGIC {
			return f, nil
		}
		f.Close()
	}
	ns, err := skiffnetns.New()
	if err != nil {
		return nil, err
	}
	h, err := skiffnetns.Handle(ns)
	if err != nil {
		ns.Close()
		return nil, err
	}
	defer h.Close()
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: "br0"}}
	if err := h.LinkAdd(br); err != nil {
		ns.Close()
		return nil, fmt.Errorf("bridge: %w", err)
	}
	if err := h.LinkSetUp(br); err != nil {
		ns.Close()
		return nil, fmt.Errorf("bridge up: %w", err)
	}
	// Held by a bind mount, not a process: it lasts while members come
	// and go, and the last one to leave unmounts it.
	_ = unix.Unmount(path, unix.MNT_DETACH)
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		ns.Close()
		return nil, err
	}
	if err := unix.Mount(fmt.Sprintf("/proc/self/fd/%d", ns.Fd()), path, "", unix.MS_BIND, ""); err != nil {
		ns.Close()
		os.Remove(path)
		return nil, fmt.Errorf("keep the bridge namespace: %w", err)
	}
	return ns, nil
}

// plug makes a veth pair: hostIf on the hub's bridge, iface in the
// container with addr.
func plug(hub, ctr *os.File, iface, hostIf string, addr netip.Prefix) error {
	hh, err := skiffnetns.Handle(hub)
	if err != nil {
		return err
	}
	defer hh.Close()
	ch, err := skiffnetns.Handle(ctr)
	if err != nil {
		return err
	}
	defer ch.Close()
	if old, err := hh.LinkByName(hostIf); err == nil {
		_ = hh.LinkDel(old)
	}
	veth := &netlink.Veth{
		LinkAttrs: netlink.LinkAttrs{Name: hostIf, MTU: 1500},
		PeerName:  iface, PeerNamespace: netlink.NsFd(int(ctr.Fd())),
	}
	if err := hh.LinkAdd(veth); err != nil {
		return fmt.Errorf("veth: %w", err)
	}
	br, err := hh.LinkByName("br0")
	if err != nil {
		return err
	}
	host, err := hh.LinkByName(hostIf)
	if err != nil {
		return err
	}
	if err := hh.LinkSetMaster(host, br); err != nil {
		return err
	}
	if err := hh.LinkSetUp(host); err != nil {
		return err
	}
	peer, err := ch.LinkByName(iface)
	if err != nil {
		return err
	}
	ipnet := &net.IPNet{IP: addr.Addr().AsSlice(), Mask: net.CIDRMask(addr.Bits(), 32)}
	if err := ch.AddrAdd(peer, &netlink.Addr{IPNet: ipnet}); err != nil {
		return fmt.Errorf("address %s: %w", addr, err)
	}
	return ch.LinkSetUp(peer)
}

// FreeIface is the first ethN the container's namespace does not have.
func FreeIface(ctr *os.File) (string, error) {
	ch, err := skiffnetns.Handle(ctr)
	if err != nil {
		return "", err
	}
	defer ch.Close()
	for i := 0; ; i++ {
		name := fmt.Sprintf("eth%d", i)
		if _, err := ch.LinkByName(name); err != nil {
			return name, nil
		}
	}
}

// Leave takes a running container off a network: its interface goes, its
// peers forget it, and the network's namespace goes if nobody is left.
func Leave(ctr *os.File, network string, d members.Dir, id string) error {
	lock, err := d.Lock()
	if err != nil {
		return err
	}
	defer lock.Close()
	m, err := d.Get(id)
	if err != nil {
		return nil // not on it (any more)
	}
	if err := Unplug(ctr, m.Iface); err != nil {
		return fmt.Errorf("network %s: %w", network, err)
	}
	d.Remove(id)
	d.ClearPeers(m.Hosts)
	if live, err := d.Live(); err == nil {
		d.WritePeers(live)
	}
	d.Release()
	return nil
}

// Unplug removes the container's interface on a network (disconnect).
func Unplug(ctr *os.File, iface string) error {
	ch, err := skiffnetns.Handle(ctr)
	if err != nil {
		return err
	}
	defer ch.Close()
	l, err := ch.LinkByName(iface)
	if err != nil {
		var nf netlink.LinkNotFoundError
		if errors.As(err, &nf) {
			return nil
		}
		return err
	}
	return ch.LinkDel(l)
}
