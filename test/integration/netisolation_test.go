package integration

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// withHostIP runs test rootless and as root (where the suite runs as
// root), with the network test image as "net" and the host's address
// other than loopback.
func withHostIP(t *testing.T, test func(t *testing.T, sb *sandbox, ip string)) {
	ip := hostIP()
	if ip == "" {
		t.Skip("the host has no address but loopback")
	}
	for _, s := range []struct {
		name string
		make func(*testing.T) *sandbox
	}{
		{"rootless", netSandbox},
		{"root", func(t *testing.T) *sandbox { return withNetImage(rootRunSandbox(t)) }},
	} {
		t.Run(s.name, func(t *testing.T) { test(t, s.make(t), ip) })
	}
}

// tcpAnswer connects to addr and reads what the server says before it
// closes; "" when it says nothing (a published port whose container side
// refused the connection closes at once).
func tcpAnswer(addr string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	b, err := io.ReadAll(c)
	return strings.TrimSpace(string(b)), err
}

// peerSeen waits for the netutil tcp-peer server behind addr and returns
// the client address it reports.
func peerSeen(t *testing.T, addr string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := tcpAnswer(addr)
		if peer, ok := strings.CutPrefix(out, "peer "); ok {
			return peer
		}
		if time.Now().After(deadline) {
			t.Fatalf("no answer through %s: %q, %v", addr, out, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// hostsEntry is the address a new container on network finds for name in
// its /etc/hosts.
func hostsEntry(sb *sandbox, network, name string) string {
	sb.t.Helper()
	out := sb.OK("run", "--rm", "--network", network, "net", "grep", "-w", name, "/etc/hosts").Out
	if f := strings.Fields(out); len(f) > 0 {
		return f[0]
	}
	return ""
}

// -p reaches what the container serves on its address, not what it keeps
// to its loopback, and the container sees who connects.
func TestPublishToContainerAddress(t *testing.T) {
	withHostIP(t, func(t *testing.T, sb *sandbox, ip string) {
		sb.OK("network", "create", "--subnet", "10.97.0.0/24", "pubnet")
		t.Cleanup(func() { sb.Skiff("network", "rm", "pubnet") })
		// Both servers tell the client the address they see it from.
		serve := "netutil tcp-peer 127.0.0.1:7001 & exec netutil tcp-peer 0.0.0.0:7002"
		for _, net := range []struct{ mode, self string }{
			{"slirp4netns", "10.0.2.100"},
			{"pubnet", "10.97.0.2"},
		} {
			t.Run(net.mode, func(t *testing.T) {
				lo, all := freePort(t), freePort(t)
				name := "pub-" + net.mode
				sb.OK("run", "-d", "--name", name, "--network", net.mode,
					"-p", fmt.Sprintf("%d:7001", lo), "-p", fmt.Sprintf("%d:7002", all), "net", "sh", "-c", serve)
				defer sb.Skiff("rm", "-f", name)
				// A loopback client cannot be shown as 127.0.0.1, which
				// the container would trust as its own: it comes from
				// the container's address.
				if got := peerSeen(t, fmt.Sprintf("127.0.0.1:%d", all)); got != net.self {
					t.Errorf("a loopback client is seen as %s, want %s", got, net.self)
				}
				// A client from the host's own address keeps it. (Asked
				// second: a connection that finds the server not yet
				// listening may fall back to the plain dial.)
				if got := peerSeen(t, fmt.Sprintf("%s:%d", ip, all)); got != ip {
					t.Errorf("a client from %s is seen as %s", ip, got)
				}
				// What the container binds to 127.0.0.1 stays its own.
				for _, host := range []string{"127.0.0.1", ip} {
					if out, _ := tcpAnswer(fmt.Sprintf("%s:%d", host, lo)); out != "" {
						t.Errorf("a service on the container's loopback answered through -p on %s: %q", host, out)
					}
				}
			})
		}

		// port_handler=loopback keeps the old forwarding, on request.
		lo := freePort(t)
		sb.OK("run", "-d", "--name", "pub-lo", "--network", "slirp4netns:port_handler=loopback",
			"-p", fmt.Sprintf("%d:7001", lo), "net", "sh", "-c", serve)
		defer sb.Skiff("rm", "-f", "pub-lo")
		if got := peerSeen(t, fmt.Sprintf("%s:%d", ip, lo)); got != "127.0.0.1" {
			t.Errorf("port_handler=loopback: a client is seen as %s, want 127.0.0.1", got)
		}
		if out := sb.OK("inspect", "-f", "{{.HostConfig.NetworkMode}}", "pub-lo").Out; out != "slirp4netns:port_handler=loopback\n" {
			t.Errorf("inspect NetworkMode: %q", out)
		}
	})
}

// The host's loopback services are out of a container's reach unless it
// asks, with --network slirp4netns:allow_host_loopback=true or
// config.toml.
func TestHostLoopbackOptIn(t *testing.T) {
	withHostIP(t, func(t *testing.T, sb *sandbox, ip string) {
		lo := serveHTTP(t, "127.0.0.1:0", "host-loopback")
		all := serveHTTP(t, "0.0.0.0:0", "host-all")
		fetch := func(network, url string) (string, bool) {
			r := sb.Skiff("run", "--rm", "--network", network, "net", "busybox", "timeout", "3", "wget", "-qO-", url)
			if r.Code != 0 {
				t.Logf("--network %s, %s: %s", network, url, r)
			}
			return r.Out, r.Code == 0
		}
		loURL := fmt.Sprintf("http://10.0.2.2:%d/", lo)

		// By default: not reachable, by 10.0.2.2 or by name.
		for _, url := range []string{loURL, fmt.Sprintf("http://host.containers.internal:%d/", lo)} {
			if out, ok := fetch("slirp4netns", url); ok {
				t.Errorf("reached the host's loopback by default at %s: %q", url, out)
			}
		}
		// host.containers.internal is the host's address, with what
		// the host serves on all addresses.
		if got := hostsEntry(sb, "slirp4netns", "host.containers.internal"); got != ip {
			t.Errorf("host.containers.internal is %q in /etc/hosts, want %s", got, ip)
		}
		if out, ok := fetch("slirp4netns", fmt.Sprintf("http://host.containers.internal:%d/", all)); !ok || out != "host-all" {
			t.Errorf("host.containers.internal: %q, %v", out, ok)
		}

		// On request.
		if out, ok := fetch("slirp4netns:allow_host_loopback=true", loURL); !ok || out != "host-loopback" {
			t.Errorf("allow_host_loopback=true: %q, %v", out, ok)
		}
		if got := hostsEntry(sb, "slirp4netns:allow_host_loopback=true", "host.docker.internal"); got != "10.0.2.2" {
			t.Errorf("with host loopback, host.docker.internal is %q in /etc/hosts", got)
		}

		// By configuration, which --network overrides.
		cfg := filepath.Join(sb.Home, "config.toml")
		if err := os.WriteFile(cfg, []byte("[network]\nallow_host_loopback = true\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		global := sb.global
		sb.global = append(append([]string{}, global...), "--config", cfg)
		defer func() { sb.global = global }()
		if out, ok := fetch("slirp4netns", loURL); !ok || out != "host-loopback" {
			t.Errorf("allow_host_loopback in config.toml: %q, %v", out, ok)
		}
		if out, ok := fetch("slirp4netns:allow_host_loopback=false", loURL); ok {
			t.Errorf("allow_host_loopback=false did not override config.toml: %q", out)
		}
		sb.OK("run", "-d", "--name", "hl", "--network", "slirp4netns:allow_host_loopback=false", "net", "sleep", "600")
		defer sb.Skiff("rm", "-f", "hl")
		if out := sb.OK("inspect", "-f", "{{.HostConfig.NetworkMode}}", "hl").Out; out != "slirp4netns:allow_host_loopback=false\n" {
			t.Errorf("inspect NetworkMode: %q", out)
		}
	})
}
