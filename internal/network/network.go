// Package network is the configuration side of a container's network: the
// --network modes, published ports (-p), and the name files a container
// gets (/etc/hosts, /etc/resolv.conf). It is what the CLI and the
// lifecycle need; the pieces that run beside a container live in its
// subpackages (netns, slirp, portfwd).
package network

import (
	"fmt"
	"strings"
)

// Modes of --network.
const (
	ModeNone  = "none"
	ModeHost  = "host"
	ModeSlirp = "slirp4netns"
	// ModeContainer is the prefix of container:NAME.
	ModeContainer = "container:"
)

// The addresses slirp4netns gives a container, fixed by its defaults.
const (
	SlirpCIDR    = "10.0.2.0/24"
	SlirpIP      = "10.0.2.100"
	SlirpGateway = "10.0.2.2" // the host: slirp maps it to the host's loopback
	SlirpDNS     = "10.0.2.3" // slirp's resolver, forwarding to the host's
	SlirpMTU     = 65520
)

// HostAliases name the host from inside a container.
var HostAliases = []string{"host.containers.internal", "host.docker.internal"}

// ParseMode reads --network. The default network ("", "default",
// "bridge", "slirp4netns") is a private namespace with outbound access
// through slirp4netns.
func ParseMode(s string) (string, error) {
	switch s {
	case "", "default", "bridge", "private", ModeSlirp:
		return ModeSlirp, nil
	case ModeNone, ModeHost:
		return s, nil
	}
	if name, ok := strings.CutPrefix(s, ModeContainer); ok {
		if name == "" {
			return "", fmt.Errorf("invalid --network %q: name the container, as in container:NAME", s)
		}
		return s, nil
	}
	if validName.MatchString(s) {
		return s, nil // a user-defined network, looked up by the caller
	}
	return "", fmt.Errorf("invalid --network %q: use slirp4netns (the default), none, host, container:NAME or a network's name", s)
}

// UserDefined reports whether the mode names a user-defined network.
func UserDefined(mode string) bool {
	return mode != ModeSlirp && mode != ModeNone && mode != ModeHost && SharedContainer(mode) == ""
}

// SharedContainer is NAME of a container:NAME mode, or "".
func SharedContainer(mode string) string {
	name, _ := strings.CutPrefix(mode, ModeContainer)
	if name == mode {
		return ""
	}
	return name
}

// Private reports whether the mode gives the container a network
// namespace of its own, which is what ports can be published from.
func Private(mode string) bool { return mode == ModeSlirp || UserDefined(mode) }
