// Package network is the configuration side of a container's network: the
// --network modes, published ports (-p), and the name files a container
// gets (/etc/hosts, /etc/resolv.conf). It is what the CLI and the
// lifecycle need; the pieces that run beside a container live in its
// subpackages (netns, slirp, portfwd).
package network

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/skiff-containers/skiff/internal/names"
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

// SlirpOptions are the default network's options, given after its name as
// podman spells them: slirp4netns:allow_host_loopback=true,port_handler=loopback.
type SlirpOptions struct {
	// AllowHostLoopback lets the container reach the host's loopback
	// services at 10.0.2.2; nil follows config.toml (default: no).
	AllowHostLoopback *bool `json:"allowHostLoopback,omitempty"`
	// PortHandler is how -p reaches the container: "" (rootlesskit, to the
	// container's address) or PortsToLoopback.
	PortHandler string `json:"portHandler,omitempty"`
}

// Port handlers (port_handler=).
const (
	PortHandlerRootlesskit = "rootlesskit"
	// PortsToLoopback forwards -p to 127.0.0.1 in the container, as skiff
	// did before: services bound to loopback only are published too, and
	// every client appears as 127.0.0.1.
	PortsToLoopback = "loopback"
)

// ParseMode reads --network. The default network ("", "default",
// "bridge", "slirp4netns") is a private namespace with outbound access
// through slirp4netns; it alone takes options after a colon.
func ParseMode(s string) (string, SlirpOptions, error) {
	base, opts, hasOpts := strings.Cut(s, ":")
	switch base {
	case "", "default", "bridge", "private", ModeSlirp:
		if !hasOpts {
			return ModeSlirp, SlirpOptions{}, nil
		}
		o, err := parseSlirpOptions(opts)
		if err != nil {
			return "", SlirpOptions{}, fmt.Errorf("invalid --network %q: %w", s, err)
		}
		return ModeSlirp, o, nil
	case ModeNone, ModeHost:
		if !hasOpts {
			return s, SlirpOptions{}, nil
		}
	}
	if name, ok := strings.CutPrefix(s, ModeContainer); ok {
		if name == "" {
			return "", SlirpOptions{}, fmt.Errorf("invalid --network %q: name the container, as in container:NAME", s)
		}
		return s, SlirpOptions{}, nil
	}
	if hasOpts {
		return "", SlirpOptions{}, fmt.Errorf("invalid --network %q: only slirp4netns takes options after a colon (slirp4netns:allow_host_loopback=true)", s)
	}
	if names.Valid(s) {
		return s, SlirpOptions{}, nil // a user-defined network, looked up by the caller
	}
	return "", SlirpOptions{}, fmt.Errorf("invalid --network %q: use slirp4netns (the default), none, host, container:NAME or a network's name", s)
}

func parseSlirpOptions(s string) (SlirpOptions, error) {
	var o SlirpOptions
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || v == "" {
			return o, fmt.Errorf("option %q has no value: use KEY=VALUE, as in allow_host_loopback=true", kv)
		}
		switch k {
		case "allow_host_loopback":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return o, fmt.Errorf("allow_host_loopback=%s: use true or false", v)
			}
			o.AllowHostLoopback = &b
		case "port_handler":
			switch v {
			case PortHandlerRootlesskit:
				o.PortHandler = ""
			case PortsToLoopback:
				o.PortHandler = v
			case "slirp4netns":
				return o, fmt.Errorf("port_handler=slirp4netns is not supported: skiff publishes ports with rootlesskit's driver (port_handler=rootlesskit, the default, or port_handler=loopback)")
			default:
				return o, fmt.Errorf("port_handler=%s: use rootlesskit (the default) or loopback", v)
			}
		default:
			return o, fmt.Errorf("unknown option %q: slirp4netns takes allow_host_loopback=true|false and port_handler=rootlesskit|loopback", k)
		}
	}
	return o, nil
}

// FormatMode is the mode with its options, as --network takes it and
// inspect shows it.
func FormatMode(mode string, o SlirpOptions) string {
	var opts []string
	if o.AllowHostLoopback != nil {
		opts = append(opts, "allow_host_loopback="+strconv.FormatBool(*o.AllowHostLoopback))
	}
	if o.PortHandler != "" {
		opts = append(opts, "port_handler="+o.PortHandler)
	}
	if mode != ModeSlirp || len(opts) == 0 {
		return mode
	}
	return mode + ":" + strings.Join(opts, ",")
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
