package main

import (
	"context"
	"io"
	"net/netip"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiff-containers/skiff/internal/network"
	"github.com/skiff-containers/skiff/internal/network/bridge"
	"github.com/skiff-containers/skiff/internal/network/members"
	"github.com/skiff-containers/skiff/internal/network/netns"
	"github.com/skiff-containers/skiff/internal/network/slirp"
	"github.com/skiff-containers/skiff/internal/supervisor"
)

// containerNetwork is the network a supervisor prepares for its container
// and keeps for as long as the container runs.
type containerNetwork struct {
	ns     *os.File
	helper *slirp.Helper
	// portsEnd ends skiff-ports, which serves the published ports.
	portsEnd *os.File
	warnings []string
	// root and id: the container's user-defined networks, left at close.
	root, id string
}

// setupNetwork makes the container's network namespace, gives it outbound
// access and publishes its ports, and points the spec at it. A missing
// helper is a warning (the container gets loopback only); a port that
// cannot be published is an error, before anything started.
func setupNetwork(ctx context.Context, l *supervisor.Launch, diag io.Writer) (*containerNetwork, error) {
	ns, err := netns.New()
	if err != nil {
		return nil, err
	}
	n := &containerNetwork{ns: ns}
	for i, nsp := range l.Spec.Linux.Namespaces {
		if nsp.Type == specs.NetworkNamespace {
			l.Spec.Linux.Namespaces[i].Path = netns.Path(ns)
		}
	}
	if l.Network.Slirp {
		n.startHelper(ctx, l.Network.AllowHostLoopback, diag)
	}
	n.root, n.id = l.Network.Root, l.ID
	// Published ports go to the container's address on its first
	// network, else to its slirp4netns address.
	childIP := network.SlirpIP
	for i, a := range l.Network.Attach {
		m := members.Member{Container: l.ID, Name: l.Network.Name, Hostname: l.Network.Hostname, Aliases: a.Aliases, Lock: l.LockPath, Hosts: l.Network.Hosts}
		att := bridge.Attachment{Network: a.Network, Subnet: a.Subnet, Gateway: a.Gateway, Dir: members.Dir(a.Dir), IP: a.IP, Iface: a.Iface}
		ip, err := bridge.Join(ns, att, m)
		if err != nil {
			n.close()
			return nil, err
		}
		if i == 0 {
			childIP = ip
		}
	}
	if len(l.Network.Ports) > 0 {
		switch {
		case l.Network.PortsToLoopback:
			childIP = "127.0.0.1"
		case len(l.Network.Attach) == 0 && n.helper == nil:
			// Without slirp4netns nothing carries 10.0.2.100, the
			// address /etc/hosts gives the container: loopback does.
			if err := netns.AddLoopbackAddress(ns, netip.MustParseAddr(network.SlirpIP)); err != nil {
				n.close()
				return nil, err
			}
		}
		end, err := startPorts(ns, portsPlan{stateDir: filepath.Dir(l.LockPath), childIP: childIP, ports: l.Network.Ports}, diag)
		if err != nil {
			n.close()
			return nil, err
		}
		n.portsEnd = end
	}
	return n, nil
}

func (n *containerNetwork) startHelper(ctx context.Context, allowHostLoopback bool, diag io.Writer) {
	bin, err := slirp.Usable()
	if err == nil {
		n.helper, err = slirp.Start(ctx, slirp.Options{Binary: bin, NetNS: n.ns, MTU: network.SlirpMTU, Log: diag, AllowHostLoopback: allowHostLoopback})
	}
	if err != nil {
		n.warnings = append(n.warnings, "the container has loopback only, no outbound network: "+err.Error())
	}
}

// close releases everything: after the container exited, or when it
// could not start.
func (n *containerNetwork) close() {
	if n == nil {
		return
	}
	if n.portsEnd != nil {
		n.portsEnd.Close()
	}
	if n.helper != nil {
		n.helper.Close()
	}
	if n.root != "" {
		members.LeaveAll(n.root, n.id)
	}
	n.ns.Close()
}
