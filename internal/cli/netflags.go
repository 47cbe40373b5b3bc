package cli

import (
	"net/netip"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/container"
	"github.com/skiff-containers/skiff/internal/network"
)

// parseNetworkFlags reads --network, -p, -P, --expose and the name
// options into cfg.
func parseNetworkFlags(c *cli.Context, f *createFlags, cfg *container.Config) error {
	mode, opts, err := network.ParseMode(c.String("network"))
	if err != nil {
		return usagef("%v", err)
	}
	cfg.Host.NetworkMode, cfg.Host.NetworkOptions = mode, opts
	for _, p := range f.publish.values {
		ports, err := network.ParsePublish(p)
		if err != nil {
			return usagef("%v", err)
		}
		cfg.Host.PortBindings = append(cfg.Host.PortBindings, ports...)
	}
	if err := network.CheckDuplicates(cfg.Host.PortBindings); err != nil {
		return usagef("%v", err)
	}
	cfg.Host.PublishAllPorts = c.Bool("publish-all")
	for _, e := range f.expose.values {
		ports, err := network.ParseExposed(e)
		if err != nil {
			return usagef("--expose: %v", err)
		}
		for _, p := range ports {
			cfg.ExposedPorts = appendUnique(cfg.ExposedPorts, p.Key())
		}
	}
	if (len(cfg.Host.PortBindings) > 0 || cfg.Host.PublishAllPorts) && !network.Private(mode) {
		return usagef("ports cannot be published with --network %s: the container has no network of its own; drop -p/-P or use the default network", mode)
	}
	for _, d := range f.dns.values {
		a, err := netip.ParseAddr(d)
		if err != nil {
			return usagef("invalid --dns %q: give the IP address of a DNS server", d)
		}
		cfg.Host.DNS = append(cfg.Host.DNS, a.String())
	}
	cfg.Host.DNSSearch = f.dnsSearch.values
	cfg.Host.DNSOptions = f.dnsOption.values
	for _, h := range f.addHost.values {
		e, err := network.ParseAddHost(h)
		if err != nil {
			return usagef("%v", err)
		}
		cfg.Host.ExtraHosts = append(cfg.Host.ExtraHosts, e)
	}
	cfg.Domainname = c.String("domainname")
	ip := c.String("ip")
	if network.UserDefined(mode) {
		if ip != "" {
			a, err := netip.ParseAddr(ip)
			if err != nil || !a.Is4() {
				return usagef("invalid --ip %q: give an IPv4 address", ip)
			}
		}
		cfg.Host.Networks = []container.NetAttach{{Name: mode, Aliases: f.networkAlias.values, IP: ip}}
	} else if ip != "" || len(f.networkAlias.values) > 0 {
		return usagef("--ip and --network-alias need a user-defined network (skiff network create NAME, then --network NAME)")
	}
	return nil
}

func appendUnique(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}
