// Package portfwd publishes a network namespace's ports on the host with
// rootlesskit's builtin port driver: host sockets listen in the host's
// namespace, and each accepted connection is joined to one dialled inside
// the container's namespace. It needs no root and no iptables.
package portfwd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/rootless-containers/rootlesskit/v3/pkg/port"
	"github.com/rootless-containers/rootlesskit/v3/pkg/port/builtin"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/network"
)

// Forwarder serves published ports until closed or until its process
// ends; the host ports are free again as soon as it does.
type Forwarder struct {
	quit chan struct{}
	dir  *os.File
}

// Options for Start.
type Options struct {
	// NetNS is the path of the container's network namespace.
	NetNS string
	// StateDir holds the driver's socket.
	StateDir string
	// ChildIP is where connections go in the namespace: the container's
	// own address, so that what it binds to loopback only stays private,
	// or 127.0.0.1 (port_handler=loopback).
	ChildIP string
	Ports   []network.Port
	// Log takes the driver's diagnostics.
	Log io.Writer
}

// Start listens on the host side of each port and forwards to
// ChildIP:CONTAINERPORT inside the namespace.
func Start(ctx context.Context, o Options) (*Forwarder, error) {
	// The driver's socket path must fit a sockaddr_un; the state
	// directory's own path may not. Reach it through a descriptor.
	dir, err := os.OpenFile(o.StateDir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	short := fmt.Sprintf("/proc/self/fd/%d", dir.Fd())
	// A socket left by an earlier run of the container would stop the
	// driver from listening.
	_ = os.Remove(filepath.Join(o.StateDir, ".bp.sock"))
	child, err := netip.ParseAddr(o.ChildIP)
	if err != nil {
		dir.Close()
		return nil, fmt.Errorf("port driver: child address %q: %w", o.ChildIP, err)
	}
	// Dialling the container's address from inside its namespace would
	// make every client appear as the container itself. With the source
	// kept, the driver binds the dialled socket to the client's address
	// (IP_TRANSPARENT) and routes the replies back to it with nftables
	// or iptables rules in the container's namespace. Loopback clients,
	// UDP, and hosts without either tool fall back to the plain dial.
	// A loopback target cannot take foreign sources.
	keepSource := !child.IsLoopback()
	parent, err := builtin.NewParentDriver(o.Log, short, keepSource, "")
	if err != nil {
		dir.Close()
		return nil, fmt.Errorf("port driver: %w", err)
	}
	f := &Forwarder{quit: make(chan struct{}), dir: dir}
	childDriver := builtin.NewChildDriver(o.Log)
	errc := make(chan error, 2)
	go func() { errc <- childDriver.RunChildDriver(parent.OpaqueForChild(), f.quit, o.NetNS) }()
	initDone := make(chan struct{}, 1)
	go func() { errc <- parent.RunParentDriver(initDone, f.quit, nil) }()
	select {
	case <-initDone:
	case err := <-errc:
		f.Close()
		if err == nil {
			err = errors.New("stopped")
		}
		return nil, fmt.Errorf("port driver: %w", err)
	case <-ctx.Done():
		f.Close()
		return nil, ctx.Err()
	}
	for _, p := range o.Ports {
		if _, err := parent.AddPort(ctx, spec(p, child)); err != nil {
			f.Close()
			return nil, publishError(p, err)
		}
	}
	return f, nil
}

// spec is the driver's port for p. The host side's address family picks
// the listener's; the container side is child whatever the family, but
// loopback forwarding keeps to the family, as it always did.
func spec(p network.Port, child netip.Addr) port.Spec {
	s := port.Spec{Proto: p.Proto, ParentIP: p.HostIP, ParentPort: p.HostPort, ChildPort: p.ContainerPort, ChildIP: child.String()}
	if p.HostIP != "" {
		if a, err := netip.ParseAddr(p.HostIP); err == nil && a.Is6() {
			s.Proto += "6"
			if child.IsLoopback() {
				s.ChildIP = "::1"
			}
		} else {
			s.Proto += "4"
		}
	}
	return s
}

func publishError(p network.Port, err error) error {
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return fmt.Errorf("host port %s/%s is already in use: choose another with -p", p.HostAddr(), p.Proto)
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return fmt.Errorf("cannot publish on %s/%s: the host has no such address", p.HostAddr(), p.Proto)
	case errors.Is(err, syscall.EACCES) || strings.Contains(err.Error(), "permission denied"):
		return fmt.Errorf("cannot publish host port %s/%s: ports below net.ipv4.ip_unprivileged_port_start need root; choose a port of 1024 or more", p.HostAddr(), p.Proto)
	}
	return fmt.Errorf("publish %s: %w", p, err)
}

// Close stops forwarding and frees the host ports.
func (f *Forwarder) Close() {
	select {
	case <-f.quit:
	default:
		close(f.quit)
	}
	f.dir.Close()
}
