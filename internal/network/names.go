package network

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// HostGateway is --add-host's stand-in for the host's address.
const HostGateway = "host-gateway"

// Names is what a container's /etc/hosts and /etc/resolv.conf are made
// from.
type Names struct {
	Mode       string
	Hostname   string
	Domainname string
	Name       string // the container's name
	// IP is the container's address on its network; "" without one.
	IP string
	// HostIP is the host's address as the container reaches it, which
	// host.containers.internal names; "" names no host.
	HostIP     string
	DNS        []string
	DNSSearch  []string
	DNSOptions []string
	// ExtraHosts are --add-host entries, as "NAME:IP".
	ExtraHosts []string
	// Peers are other containers' entries: "IP NAME [ALIAS...]".
	Peers []string
}

// ParseAddHost checks --add-host NAME:IP (or NAME=IP); IP may be
// host-gateway.
func ParseAddHost(s string) (string, error) {
	name, ip, ok := strings.Cut(s, "=")
	if !ok {
		// The address may be IPv6, full of colons: the name ends at the
		// first one.
		name, ip, ok = strings.Cut(s, ":")
	}
	if !ok || name == "" || ip == "" {
		return "", fmt.Errorf("invalid --add-host %q: use NAME:IP", s)
	}
	if strings.ContainsAny(name, " \t") {
		return "", fmt.Errorf("invalid --add-host %q: the name has blanks", s)
	}
	ip = strings.Trim(ip, "[]")
	if ip != HostGateway {
		a, err := netip.ParseAddr(ip)
		if err != nil {
			return "", fmt.Errorf("invalid --add-host %q: %q is not an IP address (or host-gateway)", s, ip)
		}
		ip = a.String()
	}
	return name + ":" + ip, nil
}

// gateway is the address the host has as seen from the container.
func (n Names) gateway() string {
	switch {
	case n.Mode == ModeHost:
		return "127.0.0.1"
	case n.HostIP != "":
		return n.HostIP
	}
	return SlirpGateway
}

// HostAddress is the host's first IPv4 address that is neither loopback
// nor link-local, or "". Without host loopback a container reaches the
// host there, through slirp4netns's NAT, as any other machine would: it
// gets the host's services on all addresses, not those on 127.0.0.1.
func HostAddress() string {
	ifaces, err := net.Interfaces()
	if err != nil {
		return ""
	}
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok {
				if ip := ipn.IP.To4(); ip != nil && !ip.IsLoopback() && !ip.IsLinkLocalUnicast() {
					return ip.String()
				}
			}
		}
	}
	return ""
}

// Hosts is the container's /etc/hosts. With the host's network it starts
// from the host's own file.
func (n Names) Hosts(hostFile []byte) string {
	var b strings.Builder
	if n.Mode == ModeHost && len(hostFile) > 0 {
		b.Write(hostFile)
		if !strings.HasSuffix(b.String(), "\n") {
			b.WriteString("\n")
		}
	} else {
		b.WriteString("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")
	}
	for _, e := range n.ExtraHosts {
		name, ip, _ := strings.Cut(e, ":")
		if ip == HostGateway {
			ip = n.gateway()
		}
		fmt.Fprintf(&b, "%s\t%s\n", ip, name)
	}
	if n.Mode != ModeHost {
		self := n.IP
		if self == "" {
			self = "127.0.1.1"
		}
		names := []string{}
		if n.Domainname != "" {
			names = append(names, n.Hostname+"."+n.Domainname)
		}
		names = append(names, n.Hostname)
		if n.Name != "" && n.Name != n.Hostname {
			names = append(names, n.Name)
		}
		fmt.Fprintf(&b, "%s\t%s\n", self, strings.Join(names, " "))
	}
	if n.Mode == ModeSlirp && n.HostIP != "" {
		fmt.Fprintf(&b, "%s\t%s\n", n.HostIP, strings.Join(HostAliases, " "))
	}
	for _, p := range n.Peers {
		b.WriteString(p + "\n")
	}
	return b.String()
}

// ResolvConf is the container's /etc/resolv.conf. It keeps the host's
// search domains and options; nameservers come from --dns, else from the
// network (slirp4netns's forwarder), else from the host, minus loopback
// ones a private namespace cannot reach.
func (n Names) ResolvConf(hostFile []byte) string {
	var servers, search, options []string
	for _, line := range strings.Split(string(hostFile), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "nameserver":
			if n.Mode == ModeHost || !isLoopback(f[1]) {
				servers = append(servers, f[1])
			}
		case "search", "domain":
			search = f[1:]
		case "options":
			options = append(options, f[1:]...)
		}
	}
	if n.Mode == ModeSlirp {
		servers = []string{SlirpDNS}
	}
	if len(n.DNS) > 0 {
		servers = n.DNS
	}
	if len(n.DNSSearch) > 0 {
		search = nil
		for _, s := range n.DNSSearch {
			if s != "." {
				search = append(search, s)
			}
		}
	}
	if len(n.DNSOptions) > 0 {
		options = n.DNSOptions
	}
	var b strings.Builder
	if len(search) > 0 {
		b.WriteString("search " + strings.Join(search, " ") + "\n")
	}
	for _, s := range servers {
		b.WriteString("nameserver " + s + "\n")
	}
	if len(options) > 0 {
		b.WriteString("options " + strings.Join(options, " ") + "\n")
	}
	return b.String()
}

func isLoopback(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.IsLoopback()
}
